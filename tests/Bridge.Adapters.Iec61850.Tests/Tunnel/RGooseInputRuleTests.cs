using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>The <c>in=</c> field of capture rules, <c>rgoose.listen</c>, and the loop check across media.</summary>
public sealed class RGooseInputRuleTests
{
    [Theory]
    [InlineData("appid=0x1001 in=rgoose", GooseOutput.RGoose)]
    [InlineData("gocbRef=IED1LD0/LLN0$GO$gcb1 in=both", GooseOutput.Both)]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01 in=lan", GooseOutput.Lan)]
    [InlineData("appid=0x1001", GooseOutput.Lan)]
    public void TryParse_CaptureRuleWithIn_TakesFromThatMedium(string text, GooseOutput expected)
    {
        Assert.True(GooseEndpoint.TryParse(text, emits: false, out var endpoint, out var reason), reason);

        Assert.Equal(expected, endpoint.Input);
        Assert.True(endpoint.TakesFrom(expected));
    }

    [Theory]
    [InlineData("appid=0x1001 in=wan", false, "in 'wan' must be lan, rgoose or both")]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01 in=rgoose", false, "dst selects Ethernet frames: an in=rgoose rule selects R-GOOSE by appid and gocbRef")]
    [InlineData("dst=01-0C-CD-01-00-01 in=both", false, "dst selects Ethernet frames: an in=both rule selects R-GOOSE by appid and gocbRef")]
    [InlineData("in=rgoose", false, "give appid, gocbRef or dst: a capture rule selects frames by at least one")]
    [InlineData("appid=1 dst=01-0C-CD-01-00-01 in=rgoose", true, "in applies to a to-group rule (where frames are captured), not to re-emit: use out")]
    public void TryParse_BadIn_NamesTheField(string text, bool emits, string expected)
    {
        Assert.False(GooseEndpoint.TryParse(text, emits, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryMatch_RGooseAddressAgainstLanAndRGooseRules_OnlyRulesTakingRGooseSelectIt()
    {
        var received = new GooseAddress(0x1001, default, "IED1LD0/LLN0$GO$gcb1", null, GooseOutput.RGoose);

        Assert.True(Capture("appid=0x1001 in=rgoose").TryMatch(received, out _));
        Assert.True(Capture("appid=0x1001 in=both").TryMatch(received, out _));
        Assert.False(Capture("appid=0x1001").TryMatch(received, out _));
        Assert.False(Capture("appid=0x1002 in=rgoose").TryMatch(received, out _));
    }

    [Fact]
    public void ToString_ReceivedRGooseAddress_ShowsTheMediumInsteadOfAMac()
    {
        var received = new GooseAddress(0x1001, default, "IED1LD0/LLN0$GO$gcb1", null, GooseOutput.RGoose);
        var emitted = new GooseAddress(0x1001, MacAddress.Parse("01-0C-CD-01-00-01"), null, null, GooseOutput.RGoose);

        Assert.Equal("appid=0x1001 in=rgoose gocbRef=IED1LD0/LLN0$GO$gcb1", received.ToString());
        Assert.Equal("appid=0x1001 dst=01-0C-CD-01-00-01", emitted.ToString());
    }

    [Fact]
    public void TryMatch_CapturedLanAddress_NotTakenByAnRGooseOnlyRule()
    {
        var captured = new GooseAddress(0x1001, MacAddress.Parse("01-0C-CD-01-00-01"), "IED1LD0/LLN0$GO$gcb1");

        Assert.False(Capture("appid=0x1001 in=rgoose").TryMatch(captured, out _));
        Assert.True(Capture("appid=0x1001 in=lan").TryMatch(captured, out _));
    }

    [Fact]
    public void MappingLoops_InRGooseAndOutRGooseOfOneAppId_IsALoop()
    {
        var emit = Rule("emit", "appid=0x1001 dst=01-0C-CD-01-00-01 out=rgoose", RuleDirection.FromGroup);
        var capture = Rule("capture", "appid=0x1001 in=rgoose", RuleDirection.ToGroup);

        var loop = Assert.Single(MappingLoops.Find([emit, capture]));

        Assert.Equal(("emit", "capture"), (loop.Publisher.Name, loop.Reader.Name));
    }

    [Theory]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01 out=rgoose", "appid=0x1001")]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01", "appid=0x1001 in=rgoose")]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01 out=both", "appid=0x2002 in=both")]
    public void MappingLoops_MediaOrStreamsThatDoNotMeet_NoLoop(string emitText, string captureText)
    {
        var emit = Rule("emit", emitText, RuleDirection.FromGroup);
        var capture = Rule("capture", captureText, RuleDirection.ToGroup);

        Assert.Empty(MappingLoops.Find([emit, capture]));
    }

    [Theory]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01 out=both", "appid=0x1001 in=rgoose")]
    [InlineData("appid=0x1001 dst=01-0C-CD-01-00-01", "appid=0x1001 in=both")]
    public void MappingLoops_BothOnEitherSide_IsALoop(string emitText, string captureText)
    {
        var emit = Rule("emit", emitText, RuleDirection.FromGroup);
        var capture = Rule("capture", captureText, RuleDirection.ToGroup);

        Assert.Single(MappingLoops.Find([emit, capture]));
    }

    [Fact]
    public void RuleErrors_InRGooseWithoutListen_NamesTheRule()
    {
        var settings = new GooseSection { Interface = "eth1" };
        var rule = Rule("from-wan", "appid=0x1001 in=rgoose", RuleDirection.ToGroup);

        var problems = GooseSectionReader.RuleErrors([rule], settings);

        Assert.Equal(["rule 'from-wan': in=rgoose needs bridge.goose.rgoose.listen"], problems);
    }

    [Fact]
    public void RuleErrors_InRGooseWithListen_None()
    {
        var settings = new GooseSection { Interface = "eth1", RGooseListen = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("239.192.0.12"), 102) };
        var rule = Rule("from-wan", "appid=0x1001 in=rgoose", RuleDirection.ToGroup);

        Assert.Empty(GooseSectionReader.RuleErrors([rule], settings));
    }

    [Fact]
    public void Validate_ListenWithoutDestination_ListensAndSendsNothing()
    {
        var errors = new ConfigurationErrors();
        var input = new GooseSectionInput("bridge.goose", Text("bridge.goose.interface", "eth1"), null, null, null, null, "bridge.goose.rgoose", Text("bridge.goose.rgoose.listen", "239.192.0.12:102"));

        var section = GooseSectionReader.Validate(input, errors);

        Assert.Empty(errors.ToList());
        Assert.NotNull(section);
        Assert.Null(section.RGoose);
        Assert.Equal(System.Net.IPEndPoint.Parse("239.192.0.12:102"), section.RGooseListen);
    }

    [Fact]
    public void Validate_UnicastListenAndNeitherKey_NameEachProblem()
    {
        var unicast = new ConfigurationErrors();
        var neither = new ConfigurationErrors();

        Assert.Null(GooseSectionReader.Validate(new GooseSectionInput("bridge.goose", Text("bridge.goose.interface", "eth1"), null, null, null, null, "bridge.goose.rgoose", Text("bridge.goose.rgoose.listen", "10.0.0.1:102")), unicast));
        Assert.Null(GooseSectionReader.Validate(new GooseSectionInput("bridge.goose", Text("bridge.goose.interface", "eth1"), null, null, null, null, "bridge.goose.rgoose"), neither));

        Assert.Equal(
            ["bridge.goose.rgoose.listen: '10.0.0.1:102' is not a multicast address (R-GOOSE is received on an IP multicast group, port 102)"],
            unicast.ToList().Select(e => $"{e.Path}: {e.Message}"));
        Assert.Equal("bridge.goose.rgoose.destination", Assert.Single(neither.ToList()).Path);
    }

    private static ConfigText Text(string path, string text) => new(text, path);

    private static GooseEndpoint Capture(string text)
    {
        Assert.True(GooseEndpoint.TryParse(text, emits: false, out var endpoint, out var reason), reason);
        return endpoint;
    }

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
