using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Core.Configuration;
using Bridge.Testing;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary><c>bridge.goose.rgoose.keys</c> and <c>sendKey</c>: validation (pure) and the environment check that reads the key file.</summary>
public sealed class RGooseSecuritySectionTests
{
    private const string GoodKeys = "2 hmac-sha256-128 hex:30313233343536373839414243444546\n1 aes-128-gcm hex:30313233343536373839414243444546\n";

    [Fact]
    public void Validate_KeysAndSendKey_RelativePathResolvedAgainstTheNodeFile()
    {
        var errors = new ConfigurationErrors();

        var section = GooseSectionReader.Validate(Input(keys: "rgoose.keys", sendKey: "2"), errors, "/etc/gridcast");

        Assert.Empty(errors.ToList());
        Assert.Equal(new RGooseSecuritySettings("/etc/gridcast/rgoose.keys", 2), section!.RGooseSecurity);
    }

    [Fact]
    public void Validate_NoKeys_NoSecurity()
    {
        var section = GooseSectionReader.Validate(Input(), new ConfigurationErrors());

        Assert.Null(section!.RGooseSecurity);
    }

    [Theory]
    [InlineData("0", "bridge.goose.rgoose.sendKey: '0' must be a key id, a whole number from 1 to 4294967295")]
    [InlineData("two", "bridge.goose.rgoose.sendKey: 'two' must be a key id, a whole number from 1 to 4294967295")]
    public void Validate_BadSendKey_NamesIt(string sendKey, string expected)
    {
        var errors = new ConfigurationErrors();

        Assert.Null(GooseSectionReader.Validate(Input(keys: "k", sendKey: sendKey), errors));

        Assert.Equal([expected], errors.ToList().Select(e => $"{e.Path}: {e.Message}"));
    }

    [Fact]
    public void Validate_SendKeyWithoutKeys_KeysRequired()
    {
        var errors = new ConfigurationErrors();

        Assert.Null(GooseSectionReader.Validate(Input(sendKey: "2"), errors));

        Assert.Equal(["bridge.goose.rgoose.keys: is required with sendKey: the key comes from the key file"], errors.ToList().Select(e => $"{e.Path}: {e.Message}"));
    }

    [Fact]
    public void CheckEnvironment_GoodFileWithTheSendKey_NoError()
    {
        using var files = new TempDirectory();
        files.Write("rgoose.keys", GoodKeys);
        var errors = new ConfigurationErrors();

        GooseSectionReader.CheckEnvironment(Input(keys: "rgoose.keys", sendKey: "1"), new ConfigurationContext(files.Path), errors);

        Assert.Empty(errors.ToList());
    }

    [Fact]
    public void CheckEnvironment_MissingFileBadLineAndAbsentSendKey_EachReported()
    {
        using var files = new TempDirectory();
        files.Write("bad.keys", "2 hmac-sha256-128 hex:30313233343536373839414243444546\n3 aes-128-gcm hex:0011\n");
        files.Write("good.keys", GoodKeys);
        var context = new ConfigurationContext(files.Path);
        var missing = new ConfigurationErrors();
        var bad = new ConfigurationErrors();
        var absent = new ConfigurationErrors();

        GooseSectionReader.CheckEnvironment(Input(keys: "none.keys"), context, missing);
        GooseSectionReader.CheckEnvironment(Input(keys: "bad.keys"), context, bad);
        GooseSectionReader.CheckEnvironment(Input(keys: "good.keys", sendKey: "9"), context, absent);

        Assert.Equal([$"bridge.goose.rgoose.keys: file '{files.Combine("none.keys")}' does not exist"], missing.ToList().Select(e => $"{e.Path}: {e.Message}"));
        Assert.Equal([$"bridge.goose.rgoose.keys: key file '{files.Combine("bad.keys")}': line 2: a key of aes-128-gcm has exactly 16 octets, this one 2"], bad.ToList().Select(e => $"{e.Path}: {e.Message}"));
        Assert.Equal([$"bridge.goose.rgoose.sendKey: key 9 is not in the key file '{files.Combine("good.keys")}'"], absent.ToList().Select(e => $"{e.Path}: {e.Message}"));
    }

    private static GooseSectionInput Input(string? keys = null, string? sendKey = null)
        => new(
            "bridge.goose",
            Text("bridge.goose.interface", "eth1"),
            null,
            null,
            Text("bridge.goose.rgoose.destination", "239.192.0.1:102"),
            null,
            "bridge.goose.rgoose",
            Text("bridge.goose.rgoose.listen", "239.192.0.2:102"),
            keys is null ? null : Text("bridge.goose.rgoose.keys", keys),
            sendKey is null ? null : Text("bridge.goose.rgoose.sendKey", sendKey));

    private static ConfigText Text(string path, string text) => new(text, path);
}
