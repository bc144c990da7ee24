using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Adapters.Modbus.Security;
using Bridge.Multicast.Transports.Overlay;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>
/// A throwaway CA (ECDSA P-256) that issues node certificates for <c>localhost</c> and 127.0.0.1
/// with both TLS usages, optionally with a Modbus/TCP Security role extension.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private readonly X509Certificate2 _authority;

    public TestPki(string name = "modbus test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        _authority = request.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(2));
    }

    /// <summary>Credentials of a node named <paramref name="name"/>, with <paramref name="role"/> in its certificate when given; the caller disposes them.</summary>
    public OverlayCredentials Issue(string name, string? role = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(OverlayCredentials.ServerAuthOid), new Oid(OverlayCredentials.ClientAuthOid)], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        if (role is not null)
        {
            request.CertificateExtensions.Add(ModbusSecurityRole.CreateExtension(role));
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_authority, _authority.NotBefore.AddMinutes(1), _authority.NotAfter.AddMinutes(-1), serial);
        return OverlayCredentials.Create(issued.CopyWithPrivateKey(key), X509CertificateLoader.LoadCertificate(_authority.RawData));
    }

    public void Dispose() => _authority.Dispose();
}
