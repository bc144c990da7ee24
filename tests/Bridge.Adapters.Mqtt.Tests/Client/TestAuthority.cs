using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Adapters.Mqtt.Tests.Client;

/// <summary>
/// A throwaway certificate authority (ECDSA P-256) that writes PEM files, as Mosquitto and the
/// bridge's settings read them: its own certificate, and certificates it issues with their keys.
/// </summary>
internal sealed class TestAuthority : IDisposable
{
    private readonly ECDsa _key;
    private readonly X509Certificate2 _certificate;
    private readonly string _directory;

    private TestAuthority(string name, string directory)
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _directory = directory;
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        // The CA outlives every certificate it issues later in the test by weeks, not by a race of seconds.
        _certificate = request.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(30));
        CertificateFile = Path.Combine(directory, $"{name}.crt");
        File.WriteAllText(CertificateFile, _certificate.ExportCertificatePem());
    }

    /// <summary>The CA certificate, PEM.</summary>
    public string CertificateFile { get; }

    /// <summary>Creates a CA named <paramref name="name"/> whose files go to <paramref name="directory"/>.</summary>
    public static TestAuthority Create(string name, string directory) => new(name, directory);

    /// <summary>Issues a broker certificate for <c>localhost</c> and 127.0.0.1; returns its certificate and key files.</summary>
    public (string CertificateFile, string KeyFile) IssueServer(string name)
        => Issue(name, serverAuthentication: true);

    /// <summary>Issues a client certificate for mutual TLS; returns its certificate and key files.</summary>
    public (string CertificateFile, string KeyFile) IssueClient(string name)
        => Issue(name, serverAuthentication: false);

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }

    private (string CertificateFile, string KeyFile) Issue(string name, bool serverAuthentication)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuthentication ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (serverAuthentication)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_certificate, now.AddMinutes(-5), now.AddDays(1), serial);
        var certificateFile = Path.Combine(_directory, $"{name}.crt");
        var keyFile = Path.Combine(_directory, $"{name}.key");
        File.WriteAllText(certificateFile, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }
}
