using System.Buffers.Binary;
using System.Security.Cryptography;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Security;

/// <summary>
/// Protects and checks the frames of one secured group with its key ring: tags (HMAC-SHA256-128,
/// AES-GCM, ECDSA P-256) over the frame as docs/wire-format.md §7.4 defines, then the replay
/// checks per source. Pure: the caller passes the time; there are no sockets or clocks here.
/// </summary>
/// <remarks>
/// <para>
/// What a tag covers: every byte of the frame before the tag (header, group name, payload) with
/// the Relayed and Retransmission flags cleared, then the tag's suite and key id. The two flags
/// are cleared because they are hop-by-hop marks: a gateway sets Relayed on the way into a
/// domain, and a repair copy sets Retransmission, on frames whose tags they cannot recompute. The
/// tag length (header offset 48) and the Encrypted flag are covered, so neither can be changed.
/// For AES-GCM the associated data is the header and group name (with the same two flags cleared)
/// and the suite and key id; the payload is the plaintext, replaced by ciphertext of equal length.
/// </para>
/// <para>
/// The GCM nonce is synthetic (as in AES-GCM-SIV, RFC 8452, in spirit): the first 12 bytes of an
/// HMAC, under a key derived from the group secret, of the associated data and the plaintext. It
/// needs no counter and no randomness, so a sender that restarts with a pinned source id cannot
/// repeat a nonce; the same nonce recurs only for the very same frame (a repair copy), which
/// reveals nothing but that it is the same.
/// </para>
/// <para>
/// Single-threaded like its owner: one driver thread calls <see cref="Seal"/>, <see cref="Verify"/>
/// and <see cref="CheckReplay"/>. <see cref="UpdateKeys"/> may come from another thread; it swaps
/// in a new ring whole.
/// </para>
/// </remarks>
public sealed class GroupProtection : IDisposable
{
    /// <summary>Flag bits that do not count in a tag: a gateway or a repair cache sets them on the way.</summary>
    public const byte HopByHopFlags = (byte)(FrameFlags.Relayed | FrameFlags.Retransmission);

    /// <summary>Frames up to this many bytes are hashed from one stack copy (a datagram of a 1500-byte MTU fits).</summary>
    private const int ContiguousLimit = 1600;

    private static readonly byte[] NonceKeyLabel = "gridcast gcm nonce v1"u8.ToArray();

    private readonly Dictionary<ulong, ReplayGuard> _sources = [];
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private volatile KeySnapshot _keys;

    /// <summary>Protection for <paramref name="mode"/> with <paramref name="ring"/>.</summary>
    /// <exception cref="ArgumentException">The mode is none, or the ring's algorithm does not serve it.</exception>
    public GroupProtection(GroupSecurityMode mode, KeyRing ring, ReplayOptions? replay = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (!GroupSecurityModes.Accepts(mode, ring.Algorithm))
        {
            throw new ArgumentException($"{ring.Scope}: a {KeyAlgorithms.Name(ring.Algorithm)} ring cannot {GroupSecurityModes.Name(mode)}", nameof(ring));
        }

        Replay = replay ?? new ReplayOptions();
        Replay.Validate();
        Mode = mode;
        _keys = new KeySnapshot(ring);
        TagLength = FrameTag.Length(ring.Algorithm);
    }

    /// <summary>The group's mode.</summary>
    public GroupSecurityMode Mode { get; }

    /// <summary>The replay settings.</summary>
    public ReplayOptions Replay { get; }

    /// <summary>The ring in use now.</summary>
    public KeyRing Ring => _keys.Ring;

    /// <summary>The tag length T of every frame of the group.</summary>
    public int TagLength { get; }

    /// <summary>Whether frames go encrypted (the Encrypted flag set).</summary>
    public bool Encrypts => Mode == GroupSecurityMode.Encrypt;

    /// <summary>How many sources have a replay window now.</summary>
    public int SourceCount => _sources.Count;

    /// <summary>Takes a new ring (a reload of the key file); the replay windows stay.</summary>
    /// <exception cref="ArgumentException">The ring is of another algorithm.</exception>
    public void UpdateKeys(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Algorithm != _keys.Ring.Algorithm)
        {
            throw new ArgumentException($"{ring.Scope}: the new ring is {KeyAlgorithms.Name(ring.Algorithm)}, the group uses {KeyAlgorithms.Name(_keys.Ring.Algorithm)}", nameof(ring));
        }

        _keys = new KeySnapshot(ring);
    }

    /// <summary>The key to send with at <paramref name="utcNow"/>, or null when this node has none valid now.</summary>
    public SecurityKey? KeyForSending(DateTimeOffset utcNow) => _keys.Ring.ForSending(utcNow);

    /// <summary>
    /// Protects an encoded frame in place: <paramref name="frame"/> is exactly one frame whose tag
    /// length is <see cref="TagLength"/> (the tag bytes are overwritten) and, when the group
    /// encrypts, whose Encrypted flag is set; its payload is encrypted in place.
    /// </summary>
    /// <exception cref="ArgumentException">The frame's tag length or Encrypted flag is not the group's, or the key cannot sign.</exception>
    public void Seal(Span<byte> frame, int groupLength, int payloadLength, SecurityKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var tagOffset = FrameCodec.HeaderSize + groupLength + payloadLength;
        if (frame.Length != tagOffset + TagLength || BinaryPrimitives.ReadUInt16BigEndian(frame[48..]) != TagLength)
        {
            throw new ArgumentException($"the frame must end in a {TagLength}-byte tag", nameof(frame));
        }

        if (((frame[4] & (byte)FrameFlags.Encrypted) != 0) != Encrypts)
        {
            throw new ArgumentException(Encrypts ? "an encrypted group's frame needs the Encrypted flag" : "only an encrypted group's frame has the Encrypted flag", nameof(frame));
        }

        if (!key.CanSign || key.Algorithm != _keys.Ring.Algorithm)
        {
            throw new ArgumentException($"{key} cannot protect frames of {_keys.Ring.Scope}", nameof(key));
        }

        var material = _keys.MaterialFor(key);
        var tag = frame[tagOffset..];
        tag[0] = FrameTag.Suite(key.Algorithm);
        BinaryPrimitives.WriteUInt32BigEndian(tag[1..], key.Id.Value);
        switch (key.Algorithm)
        {
            case KeyAlgorithm.HmacSha256Tag128:
            {
                Span<byte> mac = stackalloc byte[32];
                Authenticated(material.Mac!, frame[..tagOffset], tag[..FrameTag.PrefixLength], mac);
                mac[..FrameTag.MacLength].CopyTo(tag[FrameTag.PrefixLength..]);
                break;
            }

            case KeyAlgorithm.Aes128Gcm or KeyAlgorithm.Aes256Gcm:
            {
                var headerAndName = FrameCodec.HeaderSize + groupLength;
                Span<byte> aad = stackalloc byte[headerAndName + FrameTag.PrefixLength];
                AssociatedData(frame[..headerAndName], tag[..FrameTag.PrefixLength], aad);
                var payload = frame[headerAndName..tagOffset];
                var nonce = tag.Slice(FrameTag.PrefixLength, FrameTag.NonceLength);
                Span<byte> synthetic = stackalloc byte[32];
                material.Mac!.AppendData(aad);
                material.Mac.AppendData(payload);
                material.Mac.GetHashAndReset(synthetic);
                synthetic[..FrameTag.NonceLength].CopyTo(nonce);
                material.Gcm!.Encrypt(nonce, payload, payload, tag.Slice(FrameTag.PrefixLength + FrameTag.NonceLength, FrameTag.GcmTagLength), aad);
                break;
            }

            case KeyAlgorithm.EcdsaP256:
            {
                Span<byte> hash = stackalloc byte[32];
                Authenticated(_sha256, frame[..tagOffset], tag[..FrameTag.PrefixLength], hash);
                if (!material.Ecdsa!.TrySignHash(hash, tag[FrameTag.PrefixLength..], DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written)
                    || written != FrameTag.SignatureLength)
                {
                    throw new CryptographicException("the ECDSA signature did not fit its 64 bytes");
                }

                break;
            }
        }
    }

    /// <summary>
    /// Checks the tag of <paramref name="frame"/>, a datagram that decoded to
    /// <paramref name="decoded"/>, against the ring at <paramref name="utcNow"/>. For an encrypted
    /// group, <paramref name="plaintext"/> is the decrypted payload; otherwise null (the payload is
    /// as it came). Does not look at replay: call <see cref="CheckReplay"/> next.
    /// </summary>
    public SecurityRejection Verify(ReadOnlySpan<byte> frame, in GridCastFrame decoded, DateTimeOffset utcNow, out byte[]? plaintext)
    {
        plaintext = null;
        var tagLength = decoded.Tag.Length;
        if (tagLength == 0)
        {
            return SecurityRejection.Unprotected;
        }

        var keys = _keys;
        var groupLength = decoded.Group.Length;
        var tagOffset = FrameCodec.HeaderSize + groupLength + decoded.Payload.Length;
        var tag = frame.Slice(tagOffset, tagLength);
        if (tagLength != TagLength || tag[0] != FrameTag.Suite(keys.Ring.Algorithm))
        {
            return SecurityRejection.WrongSuite;
        }

        var key = keys.Ring.ForReceiving(new KeyId(BinaryPrimitives.ReadUInt32BigEndian(tag[1..])), utcNow, out var failure);
        if (key is null)
        {
            return failure switch
            {
                KeyLookupFailure.KeyNotYetValid => SecurityRejection.KeyNotYetValid,
                KeyLookupFailure.KeyExpired => SecurityRejection.KeyExpired,
                _ => SecurityRejection.UnknownKey,
            };
        }

        var material = keys.MaterialFor(key);
        switch (key.Algorithm)
        {
            case KeyAlgorithm.HmacSha256Tag128:
            {
                Span<byte> mac = stackalloc byte[32];
                Authenticated(material.Mac!, frame[..tagOffset], tag[..FrameTag.PrefixLength], mac);
                if (!CryptographicOperations.FixedTimeEquals(mac[..FrameTag.MacLength], tag[FrameTag.PrefixLength..]))
                {
                    return SecurityRejection.BadTag;
                }

                break;
            }

            case KeyAlgorithm.Aes128Gcm or KeyAlgorithm.Aes256Gcm:
            {
                var headerAndName = FrameCodec.HeaderSize + groupLength;
                Span<byte> aad = stackalloc byte[headerAndName + FrameTag.PrefixLength];
                AssociatedData(frame[..headerAndName], tag[..FrameTag.PrefixLength], aad);
                var output = new byte[decoded.Payload.Length];
                try
                {
                    material.Gcm!.Decrypt(
                        tag.Slice(FrameTag.PrefixLength, FrameTag.NonceLength),
                        frame[headerAndName..tagOffset],
                        tag.Slice(FrameTag.PrefixLength + FrameTag.NonceLength, FrameTag.GcmTagLength),
                        output,
                        aad);
                }
                catch (AuthenticationTagMismatchException)
                {
                    return SecurityRejection.BadTag;
                }

                plaintext = output;
                break;
            }

            case KeyAlgorithm.EcdsaP256:
            {
                Span<byte> hash = stackalloc byte[32];
                Authenticated(_sha256, frame[..tagOffset], tag[..FrameTag.PrefixLength], hash);
                if (!material.Ecdsa!.VerifyHash(hash, tag[FrameTag.PrefixLength..], DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                {
                    return SecurityRejection.BadTag;
                }

                break;
            }
        }

        if (((decoded.Flags & FrameFlags.Encrypted) != 0) != Encrypts)
        {
            plaintext = null;
            return SecurityRejection.EncryptionMismatch;
        }

        return SecurityRejection.None;
    }

    /// <summary>
    /// The replay checks of an authentic frame: its timestamp against <paramref name="utcNow"/>
    /// (<see cref="ReplayOptions.MaxAge"/>, <see cref="ReplayOptions.MaxAhead"/>), then its
    /// (sequence, fragment) against its source's window. Marks it taken when it passes.
    /// </summary>
    public SecurityRejection CheckReplay(in GridCastFrame frame, TimeSpan now, DateTimeOffset utcNow)
    {
        var nowMicroseconds = (utcNow - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        var age = nowMicroseconds - frame.TimestampMicroseconds;
        if (age > Replay.MaxAge.Ticks / TimeSpan.TicksPerMicrosecond)
        {
            return SecurityRejection.Stale;
        }

        if (-age > Replay.MaxAhead.Ticks / TimeSpan.TicksPerMicrosecond)
        {
            return SecurityRejection.FromFuture;
        }

        if (!_sources.TryGetValue(frame.SourceId, out var guard))
        {
            if (_sources.Count >= Replay.MaxSources)
            {
                // Forgetting the least recently heard source lets its old frames in again only
                // within the timestamp window, which still bounds a replay.
                var idle = _sources.MinBy(s => s.Value.LastAccepted).Key;
                _sources.Remove(idle);
            }

            guard = new ReplayGuard(Replay.Window);
            _sources.Add(frame.SourceId, guard);
        }

        var verdict = guard.Check(frame.Sequence, frame.FragmentIndex, frame.IsFragment);
        if (verdict != SecurityRejection.None)
        {
            return verdict;
        }

        guard.Mark(frame.Sequence, frame.FragmentIndex, frame.IsFragment);
        guard.LastAccepted = now;
        return SecurityRejection.None;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _sha256.Dispose();
        _keys.Dispose();
    }

    /// <summary>Hashes or MACs the frame before its tag, with the hop-by-hop flags cleared, then the tag prefix.</summary>
    private static void Authenticated(IncrementalHash hash, ReadOnlySpan<byte> beforeTag, ReadOnlySpan<byte> tagPrefix, Span<byte> destination)
    {
        // One contiguous copy and one call into the crypto library cost less than four calls
        // for a frame of a few hundred bytes; a large frame goes in pieces rather than be copied.
        var length = beforeTag.Length + tagPrefix.Length;
        if (length <= ContiguousLimit)
        {
            Span<byte> whole = stackalloc byte[length];
            beforeTag.CopyTo(whole);
            whole[4] &= unchecked((byte)~HopByHopFlags);
            tagPrefix.CopyTo(whole[beforeTag.Length..]);
            hash.AppendData(whole);
            hash.GetHashAndReset(destination);
            return;
        }

        Span<byte> flags = [(byte)(beforeTag[4] & ~HopByHopFlags)];
        hash.AppendData(beforeTag[..4]);
        hash.AppendData(flags);
        hash.AppendData(beforeTag[5..]);
        hash.AppendData(tagPrefix);
        hash.GetHashAndReset(destination);
    }

    private static void AssociatedData(ReadOnlySpan<byte> headerAndName, ReadOnlySpan<byte> tagPrefix, Span<byte> destination)
    {
        headerAndName.CopyTo(destination);
        destination[4] &= unchecked((byte)~HopByHopFlags);
        tagPrefix.CopyTo(destination[headerAndName.Length..]);
    }

    /// <summary>A ring and the crypto objects made for its keys, built on first use and swapped whole on a reload.</summary>
    private sealed class KeySnapshot(KeyRing ring) : IDisposable
    {
        private readonly Dictionary<KeyId, KeyMaterial> _material = [];

        public KeyRing Ring { get; } = ring;

        public KeyMaterial MaterialFor(SecurityKey key)
        {
            if (!_material.TryGetValue(key.Id, out var material))
            {
                material = KeyMaterial.Create(key);
                _material.Add(key.Id, material);
            }

            return material;
        }

        public void Dispose()
        {
            foreach (var material in _material.Values)
            {
                material.Dispose();
            }
        }
    }

    /// <summary>The crypto objects of one key, made once: HMAC state, an AES-GCM instance and its nonce MAC, or an ECDsa.</summary>
    private sealed class KeyMaterial : IDisposable
    {
        public IncrementalHash? Mac { get; private init; }

        public AesGcm? Gcm { get; private init; }

        public ECDsa? Ecdsa { get; private init; }

        public static KeyMaterial Create(SecurityKey key)
        {
            switch (key.Algorithm)
            {
                case KeyAlgorithm.HmacSha256Tag128:
                    return new KeyMaterial { Mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Secret.Span) };
                case KeyAlgorithm.Aes128Gcm or KeyAlgorithm.Aes256Gcm:
                {
                    // The nonce key is derived, never the AES key itself: one key, one use.
                    Span<byte> nonceKey = stackalloc byte[32];
                    HMACSHA256.HashData(key.Secret.Span, NonceKeyLabel, nonceKey);
                    return new KeyMaterial
                    {
                        Gcm = new AesGcm(key.Secret.Span, FrameTag.GcmTagLength),
                        Mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, nonceKey),
                    };
                }

                default:
                {
                    var ecdsa = ECDsa.Create();
                    if (key.PrivateKey.IsEmpty)
                    {
                        ecdsa.ImportSubjectPublicKeyInfo(key.PublicKey.Span, out _);
                    }
                    else
                    {
                        ecdsa.ImportPkcs8PrivateKey(key.PrivateKey.Span, out _);
                    }

                    return new KeyMaterial { Ecdsa = ecdsa };
                }
            }
        }

        public void Dispose()
        {
            Mac?.Dispose();
            Gcm?.Dispose();
            Ecdsa?.Dispose();
        }
    }
}
