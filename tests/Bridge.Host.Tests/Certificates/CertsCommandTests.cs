using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Testing;
using Bridge.Testing.Tls;

namespace Bridge.Host.Tests.Certificates;

/// <summary><c>gridcast certs</c> run as a process, and the files it writes used for real TLS links.</summary>
public sealed class CertsCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _temp = new("gridcast-certs-");

    private string _directory => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Certs_CaAndTwoNodes_MutualTlsSucceedsAndEachSideSeesTheOtherName()
    {
        var pki = Path.Combine(_directory, "pki");
        await SucceedAsync("certs", "ca", "--out", pki, "--name", "Lab CA");
        await SucceedAsync("certs", "node", "gw-a", "--ca", pki, "--out", pki);
        await SucceedAsync("certs", "node", "gw-b", "--ca", pki, "--out", pki, "--dns", "gw-b.lab", "--ip", "127.0.0.1");
        using var a = Load(pki, "gw-a", pki);
        using var b = Load(pki, "gw-b", pki);

        var aDialsB = await LoopbackTls.HandshakeAsync(server: b, client: a, "gw-b", TimeProvider.System);
        var bDialsA = await LoopbackTls.HandshakeAsync(server: a, client: b, "gw-a", TimeProvider.System);

        Assert.True(aDialsB.Succeeded, aDialsB.ToString());
        Assert.Equal("gw-a", aDialsB.ServerSawName);
        Assert.Equal("gw-b", aDialsB.ClientSawName);
        Assert.True(bDialsA.Succeeded, bDialsA.ToString());
        Assert.Equal("gw-b", bDialsA.ServerSawName);
        Assert.Equal("gw-a", bDialsA.ClientSawName);
    }

    [Fact]
    public async Task Certs_NodeOfOtherCa_IsRejectedAsUnknownAuthorityAndHandshakeFails()
    {
        var lab = Path.Combine(_directory, "lab");
        var other = Path.Combine(_directory, "other");
        await SucceedAsync("certs", "ca", "--out", lab);
        await SucceedAsync("certs", "ca", "--out", other);
        await SucceedAsync("certs", "node", "gw-a", "--ca", lab, "--out", lab);
        await SucceedAsync("certs", "node", "gw-x", "--ca", other, "--out", other);
        using var a = Load(lab, "gw-a", lab);
        using var intruder = Load(other, "gw-x", trustedCa: lab);

        var check = a.CheckPeer(intruder.Certificate, OverlayPeerRole.Client, DateTimeOffset.UtcNow);
        var handshake = await LoopbackTls.HandshakeAsync(server: a, client: intruder, "gw-a", TimeProvider.System);

        Assert.Equal(PeerCertificateRejection.UnknownAuthority, check.Rejection);
        Assert.Contains("CN=gw-x", check.Detail, StringComparison.Ordinal);
        Assert.False(handshake.Succeeded);
        Assert.IsType<AuthenticationException>(handshake.ServerError);
        Assert.Contains(handshake.ServerChecks, c => c.Rejection == PeerCertificateRejection.UnknownAuthority);
        Assert.Null(handshake.ServerSawName);
    }

    [Fact]
    public async Task CertsNode_WrittenCertificate_HasNameSansBothUsagesAndCaIssuer()
    {
        await SucceedAsync("certs", "ca", "--out", _directory, "--name", "Lab CA");
        await SucceedAsync("certs", "node", "gw-c", "--ca", _directory, "--out", _directory, "--dns", "gw-c.lab", "--ip", "10.0.3.1", "--ip", "fd00::3", "--days", "30");

        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(_directory, "gw-c.crt")));
        var usages = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()).EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        var names = Assert.Single(certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());

        Assert.Equal("CN=gw-c", certificate.Subject);
        Assert.Equal("CN=Lab CA", certificate.Issuer);
        Assert.Equal([OverlayCredentials.ServerAuthOid, OverlayCredentials.ClientAuthOid], usages);
        Assert.Equal(["gw-c", "gw-c.lab"], names.EnumerateDnsNames());
        Assert.Equal(["10.0.3.1", "fd00::3"], names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.InRange(certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(29), TimeSpan.FromDays(30));
        using var key = certificate.GetECDsaPublicKey();
        Assert.Equal(256, key?.KeySize);
    }

    [Fact]
    public async Task CertsCa_FilesExist_RefusesWithoutForceNamingTheFileAndKeepsThem()
    {
        await SucceedAsync("certs", "ca", "--out", _directory);
        var before = File.ReadAllText(Path.Combine(_directory, "ca.key"));

        var (code, process) = await GridcastCli.RunAsync(Patience, "certs", "ca", "--out", _directory);
        await using var _ = process;

        Assert.True(code == 1, process.Transcript());
        Assert.Contains(process.StandardError, l => l.Contains(Path.Combine(_directory, "ca.crt"), StringComparison.Ordinal) && l.Contains("--force", StringComparison.Ordinal));
        Assert.Equal(before, File.ReadAllText(Path.Combine(_directory, "ca.key")));
    }

    [Fact]
    public async Task CertsNode_FilesExistWithForce_ReplacesThemWithKeyStillPrivate()
    {
        await SucceedAsync("certs", "ca", "--out", _directory);
        await SucceedAsync("certs", "node", "gw-a", "--ca", _directory, "--out", _directory);
        var keyPath = Path.Combine(_directory, "gw-a.key");
        var before = File.ReadAllText(keyPath);
        SetMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await SucceedAsync("certs", "node", "gw-a", "--ca", _directory, "--out", _directory, "--force");

        Assert.NotEqual(before, File.ReadAllText(keyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(keyPath));
    }

    [Fact]
    public async Task Certs_KeyFiles_AreReadableByOwnerOnly()
    {
        await SucceedAsync("certs", "ca", "--out", _directory);
        await SucceedAsync("certs", "node", "gw-a", "--ca", _directory, "--out", _directory);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(Path.Combine(_directory, "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(Path.Combine(_directory, "gw-a.key")));
    }

    [Theory]
    [InlineData("10.0.0.300")]
    [InlineData("gw-b.lab")]
    [InlineData("1.2.3")]
    [InlineData("10")]
    [InlineData("fd00::3::4")]
    public async Task CertsNode_BadIp_ExitsTwoNamingTheValueAndWritesNothing(string bad)
    {
        await SucceedAsync("certs", "ca", "--out", _directory);

        var (code, process) = await GridcastCli.RunAsync(Patience, "certs", "node", "gw-a", "--ca", _directory, "--out", _directory, "--ip", "10.0.0.1", "--ip", bad);
        await using var _ = process;

        Assert.True(code == 2, process.Transcript());
        Assert.Contains(process.StandardError, l => l.Contains($"--ip: '{bad}'", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_directory, "gw-a.key")));
    }

    [Fact]
    public async Task CertsNode_NoCaOption_ExitsTwo()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "certs", "node", "gw-a", "--out", _directory);
        await using var _ = process;

        Assert.True(code == 2, process.Transcript());
        Assert.Contains(process.StandardError, l => l.Contains("--ca", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CertsNode_CaKeyMissing_ExitsOneNamingTheKeyFile()
    {
        await SucceedAsync("certs", "ca", "--out", _directory);
        File.Delete(Path.Combine(_directory, "ca.key"));

        var (code, process) = await GridcastCli.RunAsync(Patience, "certs", "node", "gw-a", "--ca", _directory, "--out", _directory);
        await using var _ = process;

        Assert.True(code == 1, process.Transcript());
        Assert.Contains(process.StandardError, l => l.Contains(Path.Combine(_directory, "ca.key"), StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_directory, "gw-a.crt")));
    }

    [Fact]
    public async Task CertsCa_OutputUnderARegularFile_ExitsOneNamingThePath()
    {
        var blocker = Path.Combine(_directory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        var output = Path.Combine(blocker, "pki");

        var (code, process) = await GridcastCli.RunAsync(Patience, "certs", "ca", "--out", output);
        await using var _ = process;

        Assert.True(code == 1, process.Transcript());
        Assert.Contains(process.StandardError, l => l.Contains(blocker, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("..")]
    public async Task CertsNode_NameWithPathSeparator_ExitsTwo(string name)
    {
        await SucceedAsync("certs", "ca", "--out", _directory);

        var (code, process) = await GridcastCli.RunAsync(Patience, "certs", "node", name, "--ca", _directory, "--out", _directory);
        await using var _ = process;

        Assert.True(code == 2, process.Transcript());
    }

    // Modes are a Unix notion; the repository's tests run on Linux (DESIGN.md §9).
    private static UnixFileMode ModeOf(string path)
        => OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("file modes") : File.GetUnixFileMode(path);

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static OverlayCredentials Load(string directory, string node, string trustedCa)
        => OverlayCredentials.Load(Path.Combine(directory, node + ".crt"), Path.Combine(directory, node + ".key"), Path.Combine(trustedCa, "ca.crt"));

    private static async Task SucceedAsync(params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
    }
}
