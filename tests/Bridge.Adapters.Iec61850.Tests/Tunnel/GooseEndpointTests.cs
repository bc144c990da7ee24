using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>GOOSE rule endpoints, the capture filter they make, and the checks across rules.</summary>
public sealed class GooseEndpointTests
{
    [Fact]
    public void TryParse_CaptureEndpoint_SelectsByEveryFieldGiven()
    {
        Assert.True(GooseEndpoint.TryParse("appid=0x1001 gocbRef=SUBA1LD0/LLN0$GO$gcbTrip dst=01-0C-CD-01-00-01", false, out var endpoint, out var reason), reason);

        Assert.True(endpoint.Selects(0x1001, MacAddress.Goose(1), "SUBA1LD0/LLN0$GO$gcbTrip"));
        Assert.False(endpoint.Selects(0x1002, MacAddress.Goose(1), "SUBA1LD0/LLN0$GO$gcbTrip"));
        Assert.False(endpoint.Selects(0x1001, MacAddress.Goose(2), "SUBA1LD0/LLN0$GO$gcbTrip"));
        Assert.False(endpoint.Selects(0x1001, MacAddress.Goose(1), "SUBA1LD0/LLN0$GO$gcbOther"));
        Assert.False(endpoint.CanPublish);
    }

    [Fact]
    public void TryParse_EmitEndpoint_ExpandsToItsFraming()
    {
        Assert.True(GooseEndpoint.TryParse("appid=4097 dst=01:0c:cd:01:00:07 priority=6 vlan=10 out=both", true, out var endpoint, out var reason), reason);

        Assert.True(endpoint.TryExpand(new Dictionary<string, string>(), out var address, out _));
        Assert.Equal(new GooseAddress(0x1001, MacAddress.Goose(7), null, new VlanTag(6, false, 10), GooseOutput.Both), address);
        Assert.True(endpoint.CanPublish);
    }

    [Theory]
    [InlineData("appid=0x1001 appid=0x1002", false, "field appid is given twice")]
    [InlineData("colour=red", false, "unknown field 'colour': use appid, gocbRef, dst, priority, vlan, out, in")]
    [InlineData("appid", false, "'appid' is not field=value (write appid=0x1001 gocbRef=IED1LD0/LLN0$GO$gcb1 dst=01-0C-CD-01-00-01)")]
    [InlineData("appid=0x10000", false, "appid '0x10000' must be 0 to 65535 (0x0000 to 0xFFFF)")]
    [InlineData("dst=01-0C-CD-01-00", false, "dst: '01-0C-CD-01-00' is not an Ethernet address (six hex octets separated by '-' or ':')")]
    [InlineData("dst=00-0C-CD-01-00-01", false, "dst '00-0C-CD-01-00-01' is not a multicast address (GOOSE goes to 01-0C-CD-01-00-00 to 01-0C-CD-01-01-FF)")]
    [InlineData("appid=1 priority=4", false, "priority applies to a from-group rule (how frames are re-emitted), not to capture")]
    [InlineData("", false, "give appid, gocbRef or dst: a capture rule selects frames by at least one")]
    [InlineData("appid=1", true, "a from-group rule frames what it re-emits: give appid and dst (as the subscribers' SCL GSE element has them)")]
    [InlineData("appid=1 dst=01-0C-CD-01-00-01 priority=8", true, "priority '8' must be 0 to 7")]
    [InlineData("appid=1 dst=01-0C-CD-01-00-01 vlan=4095", true, "vlan '4095' must be 0 to 4094")]
    [InlineData("appid=1 dst=01-0C-CD-01-00-01 out=wan", true, "out 'wan' must be lan, rgoose or both")]
    public void TryParse_BadEndpoint_NamesTheField(string text, bool emits, string expected)
    {
        Assert.False(GooseEndpoint.TryParse(text, emits, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void CaptureFilter_RulesRestrictingDifferentFields_FiltersOnlyWhatEveryRuleRestricts()
    {
        var table = new RoutingTable([Rule("a", "appid=0x1001 gocbRef=A/LLN0$GO$g1", RuleDirection.ToGroup), Rule("b", "appid=0x1002", RuleDirection.ToGroup)]);

        var filter = GooseTunnelSide.CaptureFilter(table);

        Assert.Equal(new HashSet<ushort> { 0x1001, 0x1002 }, filter.AppIds);
        Assert.Empty(filter.GocbRefs);
        Assert.Empty(filter.Destinations);
    }

    [Fact]
    public void MappingLoops_EmitRuleWhoseFramesACaptureRuleSelects_IsALoop()
    {
        var emit = Rule("emit", "appid=0x1001 dst=01-0C-CD-01-00-01", RuleDirection.FromGroup);
        var capture = Rule("capture", "appid=0x1001", RuleDirection.ToGroup);
        var elsewhere = Rule("elsewhere", "appid=0x2001", RuleDirection.ToGroup);

        var loop = Assert.Single(MappingLoops.Find([emit, capture, elsewhere]));

        Assert.Equal(("emit", "capture"), (loop.Publisher.Name, loop.Reader.Name));
        Assert.Equal("appid=0x1001 dst=01-0C-CD-01-00-01", loop.ShownAddress);
    }

    [Fact]
    public void RuleErrors_BothRuleAndRGooseWithoutDestination_NameTheRules()
    {
        var settings = new GooseSection { Interface = "eth1" };
        var both = Rule("both-ways", "appid=0x1001 dst=01-0C-CD-01-00-01", RuleDirection.Both);
        var rgoose = Rule("to-wan", "appid=0x1001 dst=01-0C-CD-01-00-01 out=rgoose", RuleDirection.FromGroup);

        var problems = GooseSectionReader.RuleErrors([both, rgoose], settings);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("rule 'both-ways': a goose rule is to-group (capture on this LAN) or from-group (re-emit on it), not both", problems[0], StringComparison.Ordinal);
        Assert.Equal("rule 'to-wan': out=rgoose needs bridge.goose.rgoose.destination", problems[1]);
    }

    [Fact]
    public void Validate_HeartbeatBelowFirstIntervalAndUnicastRGoose_NamesEachKey()
    {
        var errors = new ConfigurationErrors();
        var input = new GooseSectionInput("bridge.goose", Text("bridge.goose.interface", "eth1"), Text("bridge.goose.firstInterval", "10ms"), Text("bridge.goose.heartbeat", "5ms"),
            Text("bridge.goose.rgoose.destination", "10.0.0.1:102"), null, "bridge.goose.rgoose");

        Assert.Null(GooseSectionReader.Validate(input, errors));

        Assert.Equal(
            [
                "bridge.goose.heartbeat: heartbeat (5 ms) must be at least firstInterval (10 ms)",
                "bridge.goose.rgoose.destination: '10.0.0.1:102' is not a multicast address (R-GOOSE goes to an IP multicast group, port 102)",
            ],
            errors.ToList().Select(e => $"{e.Path}: {e.Message}"));
    }

    private static ConfigText Text(string path, string text) => new(text, path);

    private static MappingRule Rule(string name, string endpoint, RuleDirection direction)
    {
        Assert.True(GooseEndpoint.TryParse(endpoint, direction != RuleDirection.ToGroup, out var parsed, out var reason), reason);
        return new MappingRule
        {
            Name = name,
            Endpoint = parsed,
            Groups = [GroupTemplate.Parse($"ham:sg:goose.{name}")],
            Direction = direction,
        };
    }
}
