using Bridge.Core.Configuration;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Tests.Configuration;

/// <summary>The <c>groups</c> section: bound, then validated, every error with its path.</summary>
public sealed class GroupsSectionReaderTests
{
    [Fact]
    public void Validate_Groups_GiveDefinitionsWithoutTheSettingsLaterIssuesAdd()
    {
        var (catalog, groups, errors) = Read("""
            tariff: { uri: "ham:sg:tariff.{region}", lastValue: { refresh: 2s } }
            events: { uri: "ham:sg:dr.events", lastValue: true }
            """);

        Assert.Empty(errors);
        Assert.NotNull(groups);
        Assert.Equal(["tariff", "events"], groups.Select(g => g.Id));
        Assert.True(groups[0].IsTemplate);
        Assert.Equal(new LastValueSettings(TimeSpan.FromSeconds(2)), groups[0].LastValue);
        Assert.Equal(GroupName.Parse("ham:sg:dr.events"), groups[1].Name);
        Assert.All(groups, g => Assert.Equal((null, null, null), (g.Security, g.Reliability, g.Aggregation)));
        Assert.True(catalog.IsDeclared("events"));
    }

    [Theory]
    [InlineData("reliable: true", true)]
    [InlineData("reliable: false", false)]
    [InlineData("lastValue: true", false)]
    public void Validate_ReliableKey_GivesTheGroupReliabilityOnlyWhenTrue(string setting, bool reliable)
    {
        var (_, groups, errors) = Read($"commands: {{ uri: \"ham:sg:dr.commands\", {setting} }}");

        Assert.Empty(errors);
        Assert.Equal(reliable, Assert.Single(groups!).Reliability is not null);
    }

    [Fact]
    public void Validate_ReliableNotABoolean_IsAnErrorWithItsPath()
    {
        var (_, groups, errors) = Read("commands: { uri: \"ham:sg:dr.commands\", reliable: sometimes }");

        Assert.Null(groups);
        Assert.StartsWith("groups.commands.reliable: ", Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The settings reserved for later issues have no keys yet: writing one is an error, not a
    /// silent no-op. (<c>security</c> was one until issue 17 gave it its keys; see
    /// <see cref="Bind_SecurityMappingWithUnknownKey_IsAnUnknownKey"/> and the node file's tests.)
    /// </summary>
    [Theory]
    [InlineData("reliability")]
    [InlineData("aggregation")]
    public void Bind_KeyOfAReservedSetting_IsAnUnknownKey(string key)
    {
        var (_, groups, errors) = Read($"tariff: {{ uri: \"ham:sg:tariff\", {key}: {{ mode: on }} }}");

        Assert.NotNull(groups);
        Assert.Equal([$"groups.tariff.{key}: unknown key (expected uri, lastValue, security, reliable)"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Bind_SecurityMappingWithUnknownKey_IsAnUnknownKey()
    {
        var (_, groups, errors) = Read("tariff: { uri: \"ham:sg:tariff\", security: { mode: on } }");

        Assert.Null(groups);
        Assert.Equal(["groups.tariff.security.mode: 'on' is not one of none, authenticate, encrypt, sign"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Validate_SecurityModeWithReplayWindows_OnTheDefinition()
    {
        var (_, groups, errors) = Read("tariff: { uri: \"ham:sg:tariff\", security: { mode: sign, window: 32, maxAge: 2s } }");

        Assert.Empty(errors);
        var security = Assert.Single(groups!).Security!;
        Assert.Equal(Bridge.Multicast.Security.GroupSecurityMode.Sign, security.Mode);
        Assert.Equal((32, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)), (security.Replay.Window, security.Replay.MaxAge, security.Replay.MaxAhead));
    }

    [Fact]
    public void Validate_BadGroups_ReportsEachWithItsPathAndKeepsTheValidOnesForReferences()
    {
        var (catalog, groups, errors) = Read("""
            "bad id": { uri: "ham:sg:x" }
            wrong: { uri: "ham:ip:1.2.3.4" }
            fine: { uri: "ham:sg:fine", lastValue: { every: 1s } }
            """);

        Assert.Null(groups);
        Assert.Equal(
            [
                "groups.fine.lastValue.every: unknown key (expected refresh)",
                "groups.bad id: group id 'bad id' must be 1 to 128 characters of A-Z a-z 0-9 . _ -",
                $"groups.wrong.uri: {ParserError("ham:ip:1.2.3.4")}",
                "groups.fine.lastValue.refresh: is required (or write lastValue: true for every 30s)",
            ],
            errors.Select(e => e.ToString()));
        var unknown = new ConfigurationErrors();
        Assert.Null(catalog.Reference(new ConfigText("wrong", "x"), unknown));
        Assert.Null(catalog.Reference(new ConfigText("nowhere", "y"), unknown));
        Assert.Equal(["y: unknown group 'nowhere'"], unknown.ToList().Select(e => e.ToString()));
    }

    private static (GroupCatalog Catalog, IReadOnlyList<GroupDefinition>? Groups, IReadOnlyList<ConfigurationError> Errors) Read(string yaml)
    {
        var errors = new ConfigurationErrors();
        var root = ConfigurationTreeReader.Read(yaml, ConfigurationFormat.Yaml, errors);
        var (catalog, groups) = GroupsSectionReader.Validate(GroupsSectionReader.Bind(root, errors), present: true, errors);
        return (catalog, groups, errors.ToList());
    }

    private static string ParserError(string uri)
    {
        Assert.False(GroupName.TryParse(uri, out _, out var error));
        return error;
    }
}
