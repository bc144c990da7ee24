using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Multicast.Transports.Overlay;

namespace Bridge.Benchmarks.Gateway;

/// <summary>
/// A throw-away overlay CA and node credentials, made in memory for one benchmark run: ECDSA
/// P-256, SHA-256, the same extensions as Bridge.Host's DevelopmentCertificates (which this
/// project does not reference, to stay clear of the host's dependencies). Never for production.
/// </summary>
internal sealed class BenchmarkCertificates : IDisposable
{
    private readonly X509Certificate2 _authority;

    public BenchmarkCertificates()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject("gridcast benchmark CA"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        _authority = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Credentials for the node <paramref name="name"/> (CN and DNS SAN), with both TLS usages; the caller disposes them.</summary>
    public OverlayCredentials CreateNode(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(OverlayCredentials.ServerAuthOid), new Oid(OverlayCredentials.ClientAuthOid)],
            critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var signed = request.Create(_authority, _authority.NotBefore, _authority.NotAfter, serial);

        // The credentials own and dispose both certificates, so each node gets its own copy of the CA.
        return OverlayCredentials.Create(signed.CopyWithPrivateKey(key), X509CertificateLoader.LoadCertificate(_authority.RawData));
    }

    public void Dispose() => _authority.Dispose();

    private static X500DistinguishedName Subject(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }
}
