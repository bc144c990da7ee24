using System.Net;
using System.Security.Cryptography.X509Certificates;
using Bridge.Host.Certificates;
using Bridge.Multicast.Transports.Overlay;

namespace Bridge.Host.Tests.Certificates;

/// <summary>What <see cref="DevelopmentCertificates"/> puts into a CA and a node certificate.</summary>
public sealed class DevelopmentCertificatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CreateAuthority_Always_IsCaWithPathLengthZeroAndCertSignUsage()
    {
        using var authority = DevelopmentCertificates.CreateAuthority("Lab CA", 30, Now);

        var constraints = Assert.Single(authority.Extensions.OfType<X509BasicConstraintsExtension>());
        var usage = Assert.Single(authority.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.HasPathLengthConstraint);
        Assert.Equal(0, constraints.PathLengthConstraint);
        Assert.True(usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign));
        Assert.Equal("CN=Lab CA", authority.Subject);
        Assert.True(authority.HasPrivateKey);
    }

    [Fact]
    public void CreateNode_MoreDaysThanTheCaHasLeft_EndsWithTheCa()
    {
        using var authority = DevelopmentCertificates.CreateAuthority("Lab CA", 30, Now);

        using var node = DevelopmentCertificates.CreateNode(authority, "gw-a", [], [], 365, Now);

        Assert.Equal(authority.NotAfter, node.NotAfter);
    }

    [Fact]
    public void CreateNode_DuplicateNames_AreListedOnce()
    {
        using var authority = DevelopmentCertificates.CreateAuthority("Lab CA", 30, Now);

        using var node = DevelopmentCertificates.CreateNode(authority, "gw-a", ["GW-A", "gw-a.lab"], [IPAddress.Loopback, IPAddress.Loopback], 10, Now);

        var names = Assert.Single(node.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["gw-a", "gw-a.lab"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback], names.EnumerateIPAddresses());
    }

    [Fact]
    public void CreateNode_CaWithoutPrivateKey_ThrowsNamingTheCa()
    {
        using var authority = DevelopmentCertificates.CreateAuthority("Lab CA", 30, Now);
        using var publicOnly = X509CertificateLoader.LoadCertificate(authority.RawData);

        var error = Assert.Throws<ArgumentException>(() => DevelopmentCertificates.CreateNode(publicOnly, "gw-a", [], [], 10, Now));

        Assert.Contains("CN=Lab CA", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OverlayPeerRole.Client)]
    [InlineData(OverlayPeerRole.Server)]
    public void CreateNode_CheckedAsEitherEnd_IsAcceptedByItsCa(OverlayPeerRole role)
    {
        using var authority = DevelopmentCertificates.CreateAuthority("Lab CA", 30, Now);
        using var node = DevelopmentCertificates.CreateNode(authority, "gw-a", [], [], 10, Now);
        using var credentials = OverlayCredentials.Create(node, X509CertificateLoader.LoadCertificate(authority.RawData));

        var check = credentials.CheckPeer(node, role, Now.AddDays(1));

        Assert.True(check.IsAccepted, check.ToString());
    }

    [Fact]
    public void CreateNode_CheckedAfterItsDays_IsRejectedAsExpired()
    {
        using var authority = DevelopmentCertificates.CreateAuthority("Lab CA", 365, Now);
        using var node = DevelopmentCertificates.CreateNode(authority, "gw-a", [], [], 10, Now);
        using var credentials = OverlayCredentials.Create(node, X509CertificateLoader.LoadCertificate(authority.RawData));

        var check = credentials.CheckPeer(node, OverlayPeerRole.Client, Now.AddDays(11));

        Assert.Equal(PeerCertificateRejection.Expired, check.Rejection);
    }
}
