using Bridge.Host.Configuration;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;
using Bridge.Testing;

namespace Bridge.Host.Tests.Configuration;

/// <summary>
/// <c>groups.ID.security</c> and <c>security.keys</c> in the node file: a secured group with its
/// ring loads with its mode and replay windows and yields protections; every mistake is one
/// error naming the key (a mode that does not exist, keys missing, a ring of the wrong algorithm
/// or none, a broken key file with its own FILE: PATH: MESSAGE).
/// </summary>
public sealed class SecurityConfigurationTests
{
    private const string Commands = "ham:sg:dr.commands";

    [Fact]
    public void Load_SecuredGroupWithItsRing_ModeReplayWindowsAndProtections()
    {
        using var files = new TempDirectory();
        WriteKeys(files, "keys.json", KeyAlgorithm.HmacSha256Tag128);
        var path = files.Write("node.yaml", Node("""
              security: { mode: authenticate, window: 64, maxAge: 10s, maxAhead: 1s }
            """, "security:\n  keys: [keys.json]\n"));

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Empty(errors);
        var security = configuration!.Group("commands").Security!;
        Assert.Equal(GroupSecurityMode.Authenticate, security.Mode);
        Assert.Equal(new ReplayOptions { Window = 64, MaxAge = TimeSpan.FromSeconds(10), MaxAhead = TimeSpan.FromSeconds(1) }, security.Replay);
        Assert.Null(configuration.Group("tariff").Security);
        var protection = Assert.Single(configuration.Security!.Protections(configuration.Groups)).Value;
        Assert.Equal(GroupSecurityMode.Authenticate, protection.Mode);
        Assert.Equal(64, protection.Replay.Window);
    }

    [Theory]
    [InlineData("  security: shout\n", "security:\n  keys: keys.json\n", "groups.commands.security: 'shout' is not one of none, authenticate, encrypt, sign")]
    [InlineData("  security: sign\n", "", "groups.commands.security: a secured group needs its key ring: list the key files under security.keys")]
    [InlineData("  security: encrypt\n", "security:\n  keys: keys.json\n", "groups.commands.security: encrypt needs an aes-128-gcm or aes-256-gcm ring, but the ring for ham:sg:dr.commands is hmac-sha256-128")]
    [InlineData("  security: { window: 3 }\n", "security:\n  keys: keys.json\n", "groups.commands.security.mode: is required (authenticate, encrypt or sign)")]
    [InlineData("  security: authenticate\n", "security:\n  keys: missing.json\n", "security.keys: file '")]
    [InlineData("  security: authenticate\n", "security:\n  keys: broken.json\n", "security.keys: ")]
    public void Load_SecurityMistake_ErrorNamingTheKey(string groupSecurity, string section, string expected)
    {
        using var files = new TempDirectory();
        WriteKeys(files, "keys.json", KeyAlgorithm.HmacSha256Tag128);
        files.Write("broken.json", """{"format":"gridcast-keys/1","groups":{"ham:sg:dr.commands":{"algorithm":"hmac-sha256-128","current":{"id":1}}}}""");
        var path = files.Write("node.yaml", Node(groupSecurity, section));

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Null(configuration);
        Assert.Contains(errors, e => e.ToString().StartsWith(expected, StringComparison.Ordinal));
        if (section.Contains("broken", StringComparison.Ordinal))
        {
            Assert.Contains(errors, e => e.Message.EndsWith("broken.json: groups[ham:sg:dr.commands].current.notBefore: is required (a UTC time such as 2026-12-01T00:00:00Z)", StringComparison.Ordinal));
        }
        else
        {
            Assert.Single(errors);
        }
    }

    [Fact]
    public void Load_RingForAGroupTheNodeDoesNotSecure_NoError()
    {
        using var files = new TempDirectory();
        WriteKeys(files, "keys.json", KeyAlgorithm.HmacSha256Tag128);
        var path = files.Write("node.yaml", Node("", "security:\n  keys: [keys.json]\n"));

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Empty(errors);
        Assert.Empty(configuration!.Security!.Protections(configuration.Groups));
    }

    private static string Node(string commandsSecurity, string securitySection) =>
        $"""
        node:
          id: edge-1
        groups:
          tariff:
            uri: ham:sg:ami.tariff.rtp
          commands:
            uri: {Commands}
        {(commandsSecurity.Length == 0 ? "" : "    " + commandsSecurity.Trim())}
        bridge:
          mqtt:
            listen: 127.0.0.1:1883
          rules:
            - name: commands
              direction: to-group
              topic: headend/commands/#
              group: commands
        {securitySection}
        """;

    private static void WriteKeys(TempDirectory files, string name, KeyAlgorithm algorithm)
    {
        var key = new SecurityKey
        {
            Id = new KeyId(1),
            Algorithm = algorithm,
            NotBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            NotAfter = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Secret = new byte[KeyAlgorithms.SecretLength(algorithm)],
        };
        var ring = new KeyRing(KeyScope.Group(Commands), algorithm, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = new(key, null) });
        files.Write(name, KeyFile.Write(new KeyStore([ring])));
    }
}
