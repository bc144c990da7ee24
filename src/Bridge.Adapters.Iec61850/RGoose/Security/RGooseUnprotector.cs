using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>
/// Checks received SPDUs against a receiver's keys (<see cref="RGooseProtector"/> has the layout):
/// the key id names a key valid now, the HMAC verifies or the AES-GCM payload decrypts with the
/// header as associated data, and the SPDU number is new for its stream
/// (<see cref="RGooseReplayWindow"/>). Then <see cref="Unprotect"/> hands out the cleartext
/// payload, for <see cref="RGoosePayloadReader"/>. Pure: the caller passes the time. Not
/// thread-safe: one receive loop.
/// </summary>
/// <remarks>
/// The key's window is checked with <see cref="ClockTolerance"/> at either end, for the clock
/// difference between publisher and receiver. TimeOfCurrentKey and TimeToNextKey are not
/// checked: the key id names the key, and the receiver's own copy of its window decides.
/// </remarks>
public sealed class RGooseUnprotector : IDisposable
{
    /// <summary>How far outside its window a key is still accepted.</summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromMinutes(1);

    private readonly RGooseKeySet _keys;
    private readonly RGooseKeyCache _crypto = new();
    private readonly RGooseReplayWindow _replay = new();
    private readonly byte[] _plaintext = new byte[65535];

    /// <summary>An unprotector with <paramref name="keys"/>.</summary>
    public RGooseUnprotector(RGooseKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
    }

    /// <summary>The keys.</summary>
    public RGooseKeySet Keys => _keys;

    /// <summary>
    /// Checks <paramref name="spdu"/> (decoded from <paramref name="datagram"/>) at <paramref name="now"/>.
    /// Accepted: <paramref name="userData"/> is the cleartext payload, a slice of the datagram
    /// when signed and of this unprotector's buffer when decrypted (valid until the next call).
    /// </summary>
    public RGooseSecurityRejection Unprotect(DateTimeOffset now, ReadOnlyMemory<byte> datagram, in RGooseSpdu spdu, out ReadOnlyMemory<byte> userData)
    {
        userData = ReadOnlyMemory<byte>.Empty;
        if (!spdu.HasSignature)
        {
            return RGooseSecurityRejection.Unsecured;
        }

        if (!_keys.TryGet(spdu.KeyId, out var key))
        {
            return RGooseSecurityRejection.UnknownKeyId;
        }

        if (!key.IsValidAt(now, ClockTolerance))
        {
            return RGooseSecurityRejection.KeyNotValid;
        }

        var crypto = _crypto.For(key);
        var algorithm = key.Algorithm;
        if (algorithm.Encrypts())
        {
            if (spdu.InitializationVector.Length != RGooseSecurityAlgorithms.GcmIvSize || spdu.Signature.Length != RGooseSecurityAlgorithms.GcmTagSize)
            {
                return RGooseSecurityRejection.DecryptFailed;
            }

            var plaintext = _plaintext.AsSpan(0, spdu.UserData.Length);
            try
            {
                crypto.Gcm!.Decrypt(spdu.InitializationVector.Span, spdu.UserData.Span, spdu.Signature.Span, plaintext, datagram.Span[..spdu.UserDataOffset]);
            }
            catch (AuthenticationTagMismatchException)
            {
                plaintext.Clear(); // nothing unauthenticated stays readable
                return RGooseSecurityRejection.DecryptFailed;
            }

            userData = _plaintext.AsMemory(0, spdu.UserData.Length);
        }
        else
        {
            if (!spdu.InitializationVector.IsEmpty || spdu.Signature.Length != algorithm.SignatureSize())
            {
                return RGooseSecurityRejection.BadSignature;
            }

            Span<byte> mac = stackalloc byte[32];
            crypto.Mac(datagram.Span[..spdu.SignedLength], mac);
            if (!CryptographicOperations.FixedTimeEquals(mac[..spdu.Signature.Length], spdu.Signature.Span))
            {
                return RGooseSecurityRejection.BadSignature;
            }

            userData = spdu.UserData;
        }

        if (!_replay.TryAccept(key.Id, FirstAppId(userData.Span), spdu.SpduNumber))
        {
            userData = ReadOnlyMemory<byte>.Empty;
            return RGooseSecurityRejection.Replay;
        }

        return RGooseSecurityRejection.None;
    }

    /// <inheritdoc/>
    public void Dispose() => _crypto.Dispose();

    // The stream of an SPDU is its first payload element's APPID (the publisher's; one
    // libiec61850 publisher sends one APPID); 0 for a payload that has none, which the payload
    // reader then rejects anyway.
    private static ushort FirstAppId(ReadOnlySpan<byte> userData)
        => userData.Length >= RGooseCodec.PayloadElementHeaderSize ? BinaryPrimitives.ReadUInt16BigEndian(userData[2..]) : (ushort)0;
}
