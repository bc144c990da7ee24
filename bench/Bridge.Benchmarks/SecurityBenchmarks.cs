using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks;

/// <summary>
/// Cost per frame of a secured group's protection (docs/security.md) on a frame with a 100-byte
/// payload: tagging (HMAC-SHA256-128), encrypting (AES-128-GCM), signing (ECDSA P-256), and the
/// receiver's check of each. The frame is encoded once; each operation works on it in place, as
/// the endpoint does. The replay check is left out: it is a bitmap lookup beside these.
/// </summary>
/// <remarks>BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.</remarks>
[MemoryDiagnoser]
public class SecurityBenchmarks
{
    private const string Group = "ham:sg:dr.commands";
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<GroupSecurityMode, (GroupProtection Protection, SecurityKey Key, byte[] Sealed, byte[] Scratch)> _modes = [];
    private GridCastFrame _hmacFrame;
    private GridCastFrame _gcmFrame;
    private GridCastFrame _ecdsaFrame;

    /// <summary>Payload bytes per frame.</summary>
    [Params(100)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hmacFrame = Prepare(GroupSecurityMode.Authenticate, Shared(KeyAlgorithm.HmacSha256Tag128));
        _gcmFrame = Prepare(GroupSecurityMode.Encrypt, Shared(KeyAlgorithm.Aes128Gcm));
        using var pair = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new SecurityKey
        {
            Id = new KeyId(1),
            Algorithm = KeyAlgorithm.EcdsaP256,
            NotBefore = Now.AddDays(-1),
            NotAfter = Now.AddDays(1),
            PublicKey = pair.ExportSubjectPublicKeyInfo(),
            PrivateKey = pair.ExportPkcs8PrivateKey(),
        };
        _ecdsaFrame = Prepare(GroupSecurityMode.Sign, signer);
    }

    [Benchmark(Description = "authenticate (HMAC-SHA256-128 tag)")]
    public void Authenticate() => Seal(GroupSecurityMode.Authenticate);

    [Benchmark(Description = "verify (HMAC-SHA256-128 tag)")]
    public SecurityRejection Verify() => Check(GroupSecurityMode.Authenticate, _hmacFrame);

    [Benchmark(Description = "encrypt (AES-128-GCM)")]
    public void Encrypt() => Seal(GroupSecurityMode.Encrypt);

    [Benchmark(Description = "decrypt (AES-128-GCM)")]
    public SecurityRejection Decrypt() => Check(GroupSecurityMode.Encrypt, _gcmFrame);

    [Benchmark(Description = "sign (ECDSA P-256)")]
    public void Sign() => Seal(GroupSecurityMode.Sign);

    [Benchmark(Description = "verify signature (ECDSA P-256)")]
    public SecurityRejection VerifySignature() => Check(GroupSecurityMode.Sign, _ecdsaFrame);

    private void Seal(GroupSecurityMode mode)
    {
        var (protection, key, _, scratch) = _modes[mode];
        protection.Seal(scratch, Group.Length, PayloadSize, key);
    }

    private SecurityRejection Check(GroupSecurityMode mode, in GridCastFrame frame)
    {
        var (protection, _, sealedFrame, _) = _modes[mode];
        var result = protection.Verify(sealedFrame, frame, Now, out _);
        return result == SecurityRejection.None ? result : throw new InvalidOperationException($"the benchmark frame did not verify: {result}");
    }

    private static SecurityKey Shared(KeyAlgorithm algorithm) => new()
    {
        Id = new KeyId(1),
        Algorithm = algorithm,
        NotBefore = Now.AddDays(-1),
        NotAfter = Now.AddDays(1),
        Secret = RandomNumberGenerator.GetBytes(KeyAlgorithms.SecretLength(algorithm)),
    };

    private GridCastFrame Prepare(GroupSecurityMode mode, SecurityKey key)
    {
        var ring = new KeyRing(KeyScope.Group(Group), key.Algorithm, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = new(key, null) });
        var protection = new GroupProtection(mode, ring);
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            Flags = mode == GroupSecurityMode.Encrypt ? FrameFlags.Encrypted : FrameFlags.None,
            Group = System.Text.Encoding.UTF8.GetBytes(Group),
            SourceId = 0x0102030405060708,
            Sequence = 42,
            TimestampMicroseconds = (Now - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond,
            Payload = new byte[PayloadSize],
            Tag = new byte[protection.TagLength],
        };
        var sealedFrame = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, sealedFrame);
        protection.Seal(sealedFrame, Group.Length, PayloadSize, key);
        _modes[mode] = (protection, key, sealedFrame, (byte[])sealedFrame.Clone());
        if (!FrameCodec.TryDecodeDatagram(sealedFrame, out var decoded, out var error))
        {
            throw new InvalidOperationException($"the benchmark frame does not decode: {error}");
        }

        return decoded;
    }
}
