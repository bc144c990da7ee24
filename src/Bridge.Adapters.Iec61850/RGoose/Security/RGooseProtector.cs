using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>
/// Signs or encrypts the SPDUs a sender writes (IEC 61850-90-5 §11.3 with the algorithms of
/// <see cref="RGooseSecurityAlgorithm"/>), laid out as libiec61850 lays them out so that its
/// receivers, tshark and <see cref="RGooseUnprotector"/> read them alike:
/// <list type="bullet">
/// <item><description>HMAC-SHA256-n: no IV; the signature element (0x85) holds the HMAC over every
/// octet before it (CLTP header to the end of the payload), truncated to n bits.</description></item>
/// <item><description>AES-GCM: a 12-octet IV; the payload is encrypted in place, the octets before
/// it (up to and including the payload length) are the associated data, and the 16-octet tag
/// is the signature element's value.</description></item>
/// </list>
/// Pure but for the random IV prefix: the caller passes the time, used to pick the key and to
/// fill TimeOfCurrentKey and TimeToNextKey. Not thread-safe: one sender, one caller at a time.
/// </summary>
/// <remarks>
/// GCM's one rule is that a (key, IV) pair never repeats. The IV is 8 random octets drawn when
/// this protector starts (and again whenever its counter wraps) followed by a 32-bit counter, so
/// it cannot repeat within one protector, and two protectors (two senders, or a sender before and
/// after a restart) collide only if their 64-bit random prefixes do.
/// </remarks>
public sealed class RGooseProtector : IDisposable
{
    private readonly RGooseKeySet _keys;
    private readonly uint? _pinned;
    private readonly Action<Span<byte>> _fillRandom;
    private readonly RGooseKeyCache _crypto = new();
    private readonly byte[] _iv = new byte[RGooseSecurityAlgorithms.GcmIvSize];
    private uint _ivCounter;

    /// <summary>
    /// A protector with <paramref name="keys"/>; <paramref name="pinnedKeyId"/> names the one key
    /// to use (else <see cref="RGooseKeySet.ForSending"/> picks by time); <paramref name="fillRandom"/>
    /// draws the IV prefix (a cryptographic generator unless a test gives one).
    /// </summary>
    public RGooseProtector(RGooseKeySet keys, uint? pinnedKeyId = null, Action<Span<byte>>? fillRandom = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        _pinned = pinnedKeyId;
        _fillRandom = fillRandom ?? RandomNumberGenerator.Fill;
        _fillRandom(_iv.AsSpan(0, 8));
    }

    /// <summary>The octets protection adds to an SPDU at most: a 12-octet IV and a 32-octet signature element.</summary>
    public const int MaxOverhead = RGooseSecurityAlgorithms.GcmIvSize + 2 + 32;

    /// <summary>The key <see cref="TryProtect"/> would use at <paramref name="now"/>, or null when none is valid.</summary>
    public RGooseKey? KeyAt(DateTimeOffset now) => _keys.ForSending(now, _pinned);

    /// <summary>
    /// Writes the SPDU number <paramref name="spduNumber"/> carrying <paramref name="goosePdu"/>,
    /// protected with the key valid at <paramref name="now"/>, into <paramref name="destination"/>.
    /// False when no key is valid then (nothing must be sent in the clear in its place).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="RGooseCodec.Encode(in RGooseSessionHeader, ushort, bool, ReadOnlySpan{byte}, Span{byte}, int)"/>.</exception>
    public bool TryProtect(DateTimeOffset now, uint spduNumber, ushort appId, bool simulation, ReadOnlySpan<byte> goosePdu, Span<byte> destination, out RGooseLayout layout)
    {
        var key = KeyAt(now);
        if (key is null)
        {
            layout = default;
            return false;
        }

        var algorithm = key.Algorithm;
        var header = new RGooseSessionHeader
        {
            SpduNumber = spduNumber,
            KeyId = key.Id,
            TimeOfCurrentKey = TimeOfCurrentKey(key),
            TimeToNextKey = TimeToNextKey(key, now),
            InitializationVector = algorithm.Encrypts() ? NextIv() : ReadOnlyMemory<byte>.Empty,
        };
        layout = RGooseCodec.Encode(header, appId, simulation, goosePdu, destination, algorithm.SignatureSize());
        var crypto = _crypto.For(key);
        if (algorithm.Encrypts())
        {
            var payload = destination.Slice(layout.UserDataOffset, layout.UserDataLength);
            crypto.Gcm!.Encrypt(header.InitializationVector.Span, payload, payload, destination.Slice(layout.SignatureOffset, layout.SignatureLength), destination[..layout.UserDataOffset]);
        }
        else
        {
            Span<byte> mac = stackalloc byte[32];
            crypto.Mac(destination[..layout.SignedLength], mac);
            mac[..layout.SignatureLength].CopyTo(destination[layout.SignatureOffset..]);
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => _crypto.Dispose();

    /// <summary>TimeOfCurrentKey: the key's start in seconds since 1970 (what 90-5 calls the time the key was first used), 0 for a key valid from the start of time.</summary>
    public static uint TimeOfCurrentKey(RGooseKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ValidFrom is { } from ? (uint)Math.Clamp(from.ToUnixTimeSeconds(), 0, uint.MaxValue) : 0;
    }

    /// <summary>TimeToNextKey: whole minutes from <paramref name="now"/> to the key's end (at most 32767), 0 for a key without end.</summary>
    public static short TimeToNextKey(RGooseKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ValidUntil is { } until ? (short)Math.Clamp((long)(until - now).TotalMinutes, 0, short.MaxValue) : (short)0;
    }

    private ReadOnlyMemory<byte> NextIv()
    {
        if (_ivCounter == uint.MaxValue)
        {
            _fillRandom(_iv.AsSpan(0, 8));
            _ivCounter = 0;
        }

        _ivCounter++;
        BinaryPrimitives.WriteUInt32BigEndian(_iv.AsSpan(8), _ivCounter);
        return _iv;
    }
}

/// <summary>The keyed primitives of each key, made once: an HMAC's key schedule or an AES key expansion costs more than one short SPDU's MAC.</summary>
internal sealed class RGooseKeyCache : IDisposable
{
    private readonly Dictionary<uint, Entry> _entries = [];

    public Entry For(RGooseKey key)
    {
        if (_entries.TryGetValue(key.Id, out var entry) && ReferenceEquals(entry.Key, key))
        {
            return entry;
        }

        entry?.Dispose();
        entry = new Entry(key);
        _entries[key.Id] = entry;
        return entry;
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Dispose();
        }

        _entries.Clear();
    }

    internal sealed class Entry : IDisposable
    {
        private readonly IncrementalHash? _hmac;

        public Entry(RGooseKey key)
        {
            Key = key;
            if (key.Algorithm.Encrypts())
            {
                Gcm = new AesGcm(key.Material, RGooseSecurityAlgorithms.GcmTagSize);
            }
            else
            {
                _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Material);
            }
        }

        public RGooseKey Key { get; }

        public AesGcm? Gcm { get; }

        /// <summary>The full HMAC-SHA256 of <paramref name="data"/> into <paramref name="mac"/> (32 octets).</summary>
        public void Mac(ReadOnlySpan<byte> data, Span<byte> mac)
        {
            _hmac!.AppendData(data);
            _hmac.GetHashAndReset(mac);
        }

        public void Dispose()
        {
            _hmac?.Dispose();
            Gcm?.Dispose();
        }
    }
}
