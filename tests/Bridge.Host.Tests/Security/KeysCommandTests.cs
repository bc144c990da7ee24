using Bridge.Multicast.Security.Keys;
using Bridge.Testing;

namespace Bridge.Host.Tests.Security;

/// <summary>
/// <c>gridcast keys</c> run as a process: a new ring has a current and a next key with the
/// lifetime and overlap asked for; rotate refuses before the next key's time and, with
/// <c>--now</c>, replaces both keys; public strips private keys; files are mode 0600; show never
/// prints a secret.
/// </summary>
public sealed class KeysCommandTests : IDisposable
{
    private const string Group = "ham:sg:dr.events";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new("gridcast-keys-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task New_SharedRing_CurrentAndNextWithLifetimeAndOverlapInAPrivateFile()
    {
        var file = _temp.Combine("keys.json");

        await SucceedAsync("keys", "new", file, "--group", Group, "--algorithm", "aes-256-gcm", "--lifetime", "10d", "--overlap", "2d");

        var rotation = Read(file).ForGroup(Group)!.Rotations[KeyRing.SharedSigner];
        Assert.Equal(KeyAlgorithm.Aes256Gcm, rotation.Current.Algorithm);
        Assert.Equal(32, rotation.Current.Secret.Length);
        Assert.Equal((1u, 2u), (rotation.Current.Id.Value, rotation.Next!.Id.Value));
        Assert.Equal(TimeSpan.FromDays(10), rotation.Current.NotAfter - rotation.Current.NotBefore);
        Assert.Equal(rotation.Current.NotAfter - TimeSpan.FromDays(2), rotation.Next.NotBefore);
        Assert.False(rotation.Current.Secret.Span.SequenceEqual(rotation.Next.Secret.Span));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(file));
    }

    [Fact]
    public async Task Rotate_BeforeTheNextKeysTime_RefusedAndWithNowReplacesBothKeys()
    {
        var file = _temp.Combine("keys.json");
        await SucceedAsync("keys", "new", file, "--group", Group);
        var before = Read(file).ForGroup(Group)!.Rotations[KeyRing.SharedSigner];

        var (code, refused) = await GridcastCli.RunAsync(Patience, "keys", "rotate", file);
        await using (refused)
        {
            Assert.Equal(2, code);
            Assert.Contains(refused.StandardError, l => l.Contains("the next key (id 2) takes over at", StringComparison.Ordinal));
        }

        await SucceedAsync("keys", "rotate", file, "--now");

        var after = Read(file).ForGroup(Group)!.Rotations[KeyRing.SharedSigner];
        Assert.Equal((3u, 4u), (after.Current.Id.Value, after.Next!.Id.Value));
        Assert.True(after.Current.IsValidAt(DateTimeOffset.UtcNow));
        Assert.False(after.Current.Secret.Span.SequenceEqual(before.Current.Secret.Span));
    }

    [Fact]
    public async Task PublicAndShow_SignedRing_ReceiversGetPublicKeysOnlyAndShowPrintsNoKeyMaterial()
    {
        var file = _temp.Combine("headend.json");
        var members = _temp.Combine("members.json");
        await SucceedAsync("keys", "new", file, "--group", Group, "--algorithm", "ecdsa-p256", "--signer", "headend");
        await SucceedAsync("keys", "public", file, members);

        var signer = Read(file).ForGroup(Group)!.Rotations["headend"];
        var published = Read(members).ForGroup(Group)!.Rotations["headend"];
        Assert.True(signer.Current.CanSign);
        Assert.False(published.Current.CanSign);
        Assert.Equal(signer.Current.PublicKey.ToArray(), published.Current.PublicKey.ToArray());

        var (code, show) = await GridcastCli.RunAsync(Patience, "keys", "show", file);
        await using (show)
        {
            Assert.Equal(0, code);
            Assert.Contains(show.StandardOutput, l => l.Contains("id 1", StringComparison.Ordinal) && l.Contains("signer headend", StringComparison.Ordinal) && l.Contains("key pair, valid, sending", StringComparison.Ordinal));
            var material = Convert.ToBase64String(signer.Current.PrivateKey.Span)[..16];
            Assert.DoesNotContain(show.StandardOutput.Concat(show.StandardError), l => l.Contains(material, StringComparison.Ordinal));
        }
    }

    private static UnixFileMode ModeOf(string path)
        => OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("file modes") : File.GetUnixFileMode(path);

    private static KeyStore Read(string path) => KeyFile.Read(File.ReadAllText(path), path).StoreOrThrow();

    private static async Task SucceedAsync(params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
    }
}
