using System.Security.Cryptography;
using Bridge.Multicast.Security.Keys;

namespace Bridge.Multicast.Tests.Security.Keys;

/// <summary>Keys for tests, with fixed secrets so a failing case can be replayed.</summary>
internal static class TestKeys
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public static SecurityKey Symmetric(uint id, KeyAlgorithm algorithm = KeyAlgorithm.HmacSha256Tag128, byte fill = 0x42, int days = 30, int startDay = 0) => new()
    {
        Id = new KeyId(id),
        Algorithm = algorithm,
        NotBefore = Start.AddDays(startDay),
        NotAfter = Start.AddDays(startDay + days),
        Secret = Enumerable.Repeat((byte)(fill + id), KeyAlgorithms.SecretLength(algorithm)).ToArray(),
    };

    public static SecurityKey Signing(uint id, bool withPrivate = true, int days = 30, int startDay = 0)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SecurityKey
        {
            Id = new KeyId(id),
            Algorithm = KeyAlgorithm.EcdsaP256,
            NotBefore = Start.AddDays(startDay),
            NotAfter = Start.AddDays(startDay + days),
            PublicKey = ecdsa.ExportSubjectPublicKeyInfo(),
            PrivateKey = withPrivate ? ecdsa.ExportPkcs8PrivateKey() : ReadOnlyMemory<byte>.Empty,
        };
    }

    public static KeyRing SharedRing(string group, SecurityKey current, SecurityKey? next = null) =>
        new(KeyScope.Group(group), current.Algorithm, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = new(current, next) });

    public static KeyRing SignedRing(string group, params (string Signer, SecurityKey Current, SecurityKey? Next)[] signers) =>
        new(KeyScope.Group(group), KeyAlgorithm.EcdsaP256, signers.ToDictionary(s => s.Signer, s => new KeyRotation(s.Current, s.Next)));
}
