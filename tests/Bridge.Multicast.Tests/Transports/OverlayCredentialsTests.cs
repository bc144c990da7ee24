using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Testing;
using Bridge.Testing.Tls;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Transports;

/// <summary>
/// The trust decisions of overlay links: <see cref="OverlayCredentials.CheckPeer"/> on its own,
/// and in real TLS handshakes over loopback TCP. The certificates are made here with
/// CertificateRequest, so each test controls exactly the property it is about.
/// </summary>
public sealed class OverlayCredentialsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] BothUsages = [OverlayCredentials.ServerAuthOid, OverlayCredentials.ClientAuthOid];

    private readonly TempDirectory _directory = new("gridcast-overlay-credentials-");
    private readonly X509Certificate2 _authority = TestCertificates.Authority("Lab CA", Now);
    private readonly X509Certificate2 _strangerAuthority = TestCertificates.Authority("Lab CA", Now);

    public void Dispose()
    {
        _authority.Dispose();
        _strangerAuthority.Dispose();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(OverlayPeerRole.Client)]
    [InlineData(OverlayPeerRole.Server)]
    public void CheckPeer_NodeOfTrustedCaWithBothUsages_IsAccepted(OverlayPeerRole role)
    {
        using var credentials = CredentialsFor("gw-a");
        using var peer = TestCertificates.Node(_authority, "gw-b", Now, BothUsages);

        var check = credentials.CheckPeer(peer, role, Now);

        Assert.True(check.IsAccepted, check.ToString());
    }

    [Fact]
    public void CheckPeer_NodeOfOtherCaWithSameName_IsRejectedAsUnknownAuthority()
    {
        using var credentials = CredentialsFor("gw-a");
        using var peer = TestCertificates.Node(_strangerAuthority, "gw-b", Now, BothUsages);

        var check = credentials.CheckPeer(peer, OverlayPeerRole.Client, Now);

        Assert.Equal(PeerCertificateRejection.UnknownAuthority, check.Rejection);
        Assert.Contains("CN=gw-b", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckPeer_ServerAuthOnlyAsClient_IsRejectedAsWrongUsage()
    {
        using var credentials = CredentialsFor("gw-a");
        using var peer = TestCertificates.Node(_authority, "gw-b", Now, [OverlayCredentials.ServerAuthOid]);

        var asClient = credentials.CheckPeer(peer, OverlayPeerRole.Client, Now);
        var asServer = credentials.CheckPeer(peer, OverlayPeerRole.Server, Now);

        Assert.Equal(PeerCertificateRejection.WrongUsage, asClient.Rejection);
        Assert.Contains("client auth", asClient.Detail, StringComparison.Ordinal);
        Assert.True(asServer.IsAccepted, asServer.ToString());
    }

    [Fact]
    public void CheckPeer_NoEnhancedKeyUsageExtension_IsRejectedAsWrongUsage()
    {
        using var credentials = CredentialsFor("gw-a");
        using var peer = TestCertificates.Node(_authority, "gw-b", Now, usages: null);

        Assert.Equal(PeerCertificateRejection.WrongUsage, credentials.CheckPeer(peer, OverlayPeerRole.Server, Now).Rejection);
    }

    [Fact]
    public void CheckPeer_AfterNotAfter_IsRejectedAsExpired()
    {
        using var credentials = CredentialsFor("gw-a");
        using var peer = TestCertificates.Node(_authority, "gw-b", Now.AddDays(-30), BothUsages, days: 10);

        var check = credentials.CheckPeer(peer, OverlayPeerRole.Client, Now);

        Assert.Equal(PeerCertificateRejection.Expired, check.Rejection);
        Assert.Contains("expired", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckPeer_ValidCertificateCheckedLaterThanItsEnd_IsRejectedAsExpired()
    {
        using var credentials = CredentialsFor("gw-a");
        using var peer = TestCertificates.Node(_authority, "gw-b", Now, BothUsages, days: 10);

        Assert.Equal(PeerCertificateRejection.Expired, credentials.CheckPeer(peer, OverlayPeerRole.Client, Now.AddDays(11)).Rejection);
    }

    [Fact]
    public void CheckPeer_TheCaCertificateItself_IsRejected()
    {
        using var credentials = CredentialsFor("gw-a");

        Assert.False(credentials.CheckPeer(_authority, OverlayPeerRole.Client, Now).IsAccepted);
    }

    [Fact]
    public void CheckPeer_NoCertificate_IsRejectedAsNoCertificate()
    {
        using var credentials = CredentialsFor("gw-a");

        Assert.Equal(PeerCertificateRejection.NoCertificate, credentials.CheckPeer(null, OverlayPeerRole.Client, Now).Rejection);
    }

    [Fact]
    public void Load_MissingKeyFile_ThrowsNamingTheFile()
    {
        var (certificatePath, _) = WriteNode("gw-a");
        var missing = _directory.Combine("nope.key");

        var error = Assert.Throws<FileNotFoundException>(() => OverlayCredentials.Load(certificatePath, missing, AuthorityPath()));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NodeCertificateAsAuthority_ThrowsNamingTheFile()
    {
        var (certificatePath, keyPath) = WriteNode("gw-a");

        var error = Assert.Throws<InvalidDataException>(() => OverlayCredentials.Load(certificatePath, keyPath, certificatePath));

        Assert.Contains(certificatePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_ThrowsNamingTheFiles()
    {
        var (certificatePath, _) = WriteNode("gw-a");
        var (_, otherKey) = WriteNode("gw-b");

        var error = Assert.Throws<InvalidDataException>(() => OverlayCredentials.Load(certificatePath, otherKey, AuthorityPath()));

        Assert.Contains(otherKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(certificatePath, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_BothNodesOfTrustedCa_SucceedsAndEachSeesTheOtherName()
    {
        using var server = CredentialsFor("gw-a");
        using var client = CredentialsFor("gw-b");

        var result = await LoopbackTls.HandshakeAsync(server, client, "gw-a", new FakeTimeProvider(Now));

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("gw-b", result.ServerSawName);
        Assert.Equal("gw-a", result.ClientSawName);
    }

    [Fact]
    public async Task Handshake_ClientOfOtherCa_ServerRejectsNamingUnknownAuthority()
    {
        using var server = CredentialsFor("gw-a");
        using var client = CredentialsFor("gw-x", _strangerAuthority, trusted: _authority);

        var result = await LoopbackTls.HandshakeAsync(server, client, "gw-a", new FakeTimeProvider(Now));

        Assert.False(result.Succeeded);
        Assert.IsType<AuthenticationException>(result.ServerError);
        Assert.Contains(result.ServerChecks, c => c.Rejection == PeerCertificateRejection.UnknownAuthority);
    }

    [Fact]
    public async Task Handshake_ClientWithoutClientAuthUsage_ServerRejectsAsWrongUsage()
    {
        using var server = CredentialsFor("gw-a");
        using var client = CredentialsFor("gw-b", usages: [OverlayCredentials.ServerAuthOid]);

        var result = await LoopbackTls.HandshakeAsync(server, client, "gw-a", new FakeTimeProvider(Now));

        Assert.False(result.Succeeded);
        Assert.Contains(result.ServerChecks, c => c.Rejection == PeerCertificateRejection.WrongUsage);
    }

    [Fact]
    public async Task Handshake_ServerCertificateExpired_ClientRejectsAsExpired()
    {
        using var server = CredentialsFor("gw-a", notBefore: Now.AddDays(-30), days: 10);
        using var client = CredentialsFor("gw-b");

        var result = await LoopbackTls.HandshakeAsync(server, client, "gw-a", new FakeTimeProvider(Now));

        Assert.False(result.Succeeded);
        Assert.IsType<AuthenticationException>(result.ClientError);
        Assert.Contains(result.ClientChecks, c => c.Rejection == PeerCertificateRejection.Expired);
    }

    [Fact]
    public async Task Handshake_ServerNamedDifferently_ClientRejectsAsNameMismatch()
    {
        using var server = CredentialsFor("gw-a");
        using var client = CredentialsFor("gw-b");

        var result = await LoopbackTls.HandshakeAsync(server, client, "gw-c", new FakeTimeProvider(Now));

        Assert.False(result.Succeeded);
        Assert.Contains(result.ClientChecks, c => c.Rejection == PeerCertificateRejection.NameMismatch);
    }

    private OverlayCredentials CredentialsFor(string name, X509Certificate2? issuer = null, X509Certificate2? trusted = null, string[]? usages = null, DateTimeOffset? notBefore = null, int days = 365)
    {
        using var node = TestCertificates.Node(issuer ?? _authority, name, notBefore ?? Now, usages ?? BothUsages, days);
        var (certificatePath, keyPath) = Write(node, name);
        var authorityPath = _directory.Combine($"trusted-by-{name}.crt");
        File.WriteAllText(authorityPath, (trusted ?? _authority).ExportCertificatePem());
        return OverlayCredentials.Load(certificatePath, keyPath, authorityPath);
    }

    private (string Certificate, string Key) WriteNode(string name)
    {
        using var node = TestCertificates.Node(_authority, name, Now, BothUsages);
        return Write(node, name);
    }

    private string AuthorityPath()
    {
        var path = _directory.Combine("ca.crt");
        File.WriteAllText(path, _authority.ExportCertificatePem());
        return path;
    }

    private (string Certificate, string Key) Write(X509Certificate2 certificate, string name)
    {
        var certificatePath = _directory.Combine(name + ".crt");
        var keyPath = _directory.Combine(name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}

/// <summary>Test CA and node certificates with exactly the properties a test asks for.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 Authority(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-365), now.AddDays(3650));
    }

    /// <summary>A node certificate; <paramref name="usages"/> null leaves out the EKU extension.</summary>
    public static X509Certificate2 Node(X509Certificate2 authority, string name, DateTimeOffset notBefore, string[]? usages, int days = 365)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (usages is not null)
        {
            var oids = new OidCollection();
            foreach (var usage in usages)
            {
                oids.Add(new Oid(usage));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        using var signed = request.Create(authority, notBefore, notBefore.AddDays(days), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }
}
