using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Host.Certificates;

/// <summary>
/// Makes a development CA and node certificates for the overlay's mutually authenticated TLS
/// links (DESIGN.md §6, §8), with ECDSA P-256 keys and SHA-256 signatures. Every node
/// certificate carries both the server-auth and client-auth EKU, because a gateway is the server
/// of the links it accepts and the client of those it dials. Not for production: see
/// docs/certificates.md.
/// </summary>
public static class DevelopmentCertificates
{
    /// <summary>Days a CA is valid when not told otherwise.</summary>
    public const int DefaultAuthorityDays = 1825;

    /// <summary>Days a node certificate is valid when not told otherwise.</summary>
    public const int DefaultNodeDays = 365;

    // Tolerates clocks of lab hosts that lag the host that made the certificate.
    private static readonly TimeSpan BackdateBy = TimeSpan.FromMinutes(5);

    /// <summary>A self-signed CA certificate, with its private key, valid from now for <paramref name="days"/> days.</summary>
    public static X509Certificate2 CreateAuthority(string name, int days, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - BackdateBy, now.AddDays(days));
    }

    /// <summary>
    /// A node certificate for <paramref name="name"/> signed by <paramref name="authority"/>
    /// (which must hold its private key), with its own private key. Subject CN=name; SANs are
    /// DNS:name, then <paramref name="dnsNames"/> and <paramref name="addresses"/>. The validity
    /// ends no later than the CA's, since a chain cannot outlive its root.
    /// </summary>
    public static X509Certificate2 CreateNode(X509Certificate2 authority, string name, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, int days, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        if (!authority.HasPrivateKey)
        {
            throw new ArgumentException($"the CA certificate {authority.Subject} has no private key", nameof(authority));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")],
            critical: false));
        request.CertificateExtensions.Add(SubjectAlternativeNames(name, dnsNames, addresses));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var notBefore = Max(now - BackdateBy, new DateTimeOffset(authority.NotBefore.ToUniversalTime()));
        var notAfter = Min(now.AddDays(days), new DateTimeOffset(authority.NotAfter.ToUniversalTime()));
        if (notAfter <= notBefore)
        {
            throw new ArgumentException($"the CA certificate {authority.Subject} expired at {authority.NotAfter.ToUniversalTime():yyyy-MM-dd}; make a new CA", nameof(authority));
        }

        using var signed = request.Create(authority, notBefore, notAfter, SerialNumber());
        return signed.CopyWithPrivateKey(key);
    }

    private static X500DistinguishedName Subject(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static X509Extension SubjectAlternativeNames(string name, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses)
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var dns in new[] { name }.Concat(dnsNames).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            builder.AddDnsName(dns);
        }

        foreach (var address in addresses.Distinct())
        {
            builder.AddIpAddress(address);
        }

        return builder.Build();
    }

    // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets, unique per CA; 16 random octets
    // with the top bit clear are positive and collide with negligible probability.
    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
