using Bridge.Adapters.Iec61850.Adapter.Mms;
using Bridge.Adapters.Iec61850.Client;

namespace Bridge.Adapters.Iec61850.Tests.Adapter.Mms;

/// <summary>The <c>iec61850:</c> rule endpoint and the <c>bridge.iec61850</c> section, parsed and validated.</summary>
public sealed class Iec61850EndpointTests
{
    [Theory]
    [InlineData("ied=ied1 report=LD0/LLN0.EventsRCB01[RP]", Iec61850Action.Report, "LD0/LLN0.EventsRCB01[RP]")]
    [InlineData("ied=ied1 report=LD0/LLN0$BR$brcb01", Iec61850Action.Report, "LD0/LLN0.brcb01[BR]")]
    [InlineData("ied=ied1 poll=LD0/MMXU1.TotW.mag.f[MX] every=2s", Iec61850Action.Poll, "LD0/MMXU1.TotW.mag.f[MX]")]
    [InlineData("ied=ied1 write=LD0/GGIO1.SetPt1.setMag.f fc=SP", Iec61850Action.Write, "LD0/GGIO1.SetPt1.setMag.f[SP]")]
    [InlineData("ied=ied1 operate=LD0/GGIO1.SPCSO1", Iec61850Action.Operate, "LD0/GGIO1.SPCSO1")]
    [InlineData("ied=ied1 read=LD0/MMXU1$MX$TotW$mag$f", Iec61850Action.Read, "LD0/MMXU1.TotW.mag.f[MX]")]
    public void TryParse_ValidEndpoint_GivesActionAndReference(string text, Iec61850Action action, string reference)
    {
        Assert.True(Iec61850Endpoint.TryParse(text, out var endpoint, out var reason), reason);
        Assert.Equal(action, endpoint.Action);
        Assert.Equal(reference, endpoint.Reference.ToString());
        Assert.Equal(new Iec61850Address("ied1", reference), endpoint.Address);
    }

    [Theory]
    [InlineData("report=LD0/LLN0.EventsRCB01[RP]", "ied is required: the name of an IED in bridge.iec61850.ieds (ied=ied1)")]
    [InlineData("ied=ied1", "give one of report, poll, write, operate or read with a reference (report=LD0/LLN0.EventsRCB01[RP])")]
    [InlineData("ied=ied1 read=LD0/A.b[MX] write=LD0/A.b[SP]", "give one of report, poll, write, operate or read, not write and read")]
    [InlineData("ied=ied1 report=LD0/LLN0.EventsRCB01[ST]", "report 'LD0/LLN0.EventsRCB01[ST]' must name a report control block with FC RP (unbuffered) or BR (buffered): LD/LN.Name[RP]")]
    [InlineData("ied=ied1 read=LD0/MMXU1.TotW.mag.f", "read 'LD0/MMXU1.TotW.mag.f' needs a functional constraint: write LD/LN.DO.DA[FC] or add fc=MX (ST, SP, CF...)")]
    [InlineData("ied=ied1 read=LD0/MMXU1.TotW.mag.f[MX] fc=ST", "read 'LD0/MMXU1.TotW.mag.f[MX]' has its functional constraint already; leave out fc=ST")]
    [InlineData("ied=ied1 write=LD0/GGIO1.SPCSO1 every=1s fc=SP", "every applies to poll")]
    [InlineData("ied=ied1 poll=LD0/MMXU1.TotW.mag.f[MX] every=10ms", "every '10ms' must be a duration of at least 100ms (5s, 1m)")]
    [InlineData("ied=ied1 read=LD0/A.b[MX] colour=red", "unknown field 'colour': use ied, one of report, poll, write, operate, read, and fc, every, gi")]
    [InlineData("ied=ied1 operate", "'operate' is not field=value (write ied=ied1 report=LD0/LLN0.EventsRCB01[RP])")]
    public void TryParse_InvalidEndpoint_NamesTheField(string text, string expected)
    {
        Assert.False(Iec61850Endpoint.TryParse(text, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryParseEndpoint_ReportRuleThatPublishes_SaysItsDirectionIsToGroup()
    {
        Assert.False(Iec61850AdapterKind.Instance.TryParseEndpoint("ied=ied1 report=LD0/LLN0.EventsRCB01[RP]", publishes: true, out _, out var reason));
        Assert.Equal("a report rule carries the IED's values to its groups, so its direction is to-group", reason);
    }

    [Fact]
    public void Read_ValidSection_GivesIedsAndRules()
    {
        var (bridge, errors) = Iec61850BridgeConfig.Read("""
            groups:
              events: { uri: "ham:sg:events" }
              meters: { uri: "ham:sg:meters" }
            bridge:
              iec61850:
                ieds:
                  ied1: { address: 10.0.0.5:102, requestTimeout: 2s }
                  ied2: { address: 10.0.0.6:102 }
                reconnectDelay: 500ms
                maxReconnectDelay: 30s
              rules:
                - name: events
                  iec61850: ied=ied1 report=LD0/LLN0.EventsRCB01[RP]
                  group: events
                  direction: to-group
                - name: power
                  iec61850: ied=ied2 read=LD0/MMXU1.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
            """);

        Assert.Empty(errors);
        var section = bridge!.Adapter<Iec61850Section>()!;
        Assert.Equal(["ied1", "ied2"], section.Ieds.Select(i => i.Name));
        Assert.Equal(TimeSpan.FromSeconds(2), section.Ieds[0].RequestTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), section.ReconnectDelay);
        Assert.Equal(2, bridge.Rules.Count);
    }

    [Fact]
    public void Read_BadSectionAndRules_ListsEveryErrorWithItsRule()
    {
        var (_, errors) = Iec61850BridgeConfig.Read("""
            groups:
              events: { uri: "ham:sg:events" }
              meters: { uri: "ham:sg:meters" }
            bridge:
              iec61850:
                ieds:
                  ied1: { address: 10.0.0.5, connectTimeout: soon }
                  ied2: { address: 10.0.0.6:102 }
                reconnectDelay: 5s
                maxReconnectDelay: 1s
              rules:
                - name: events
                  iec61850: ied=ied1 report=LD0/LLN0.EventsRCB01[XX]
                  group: events
                  direction: to-group
                - name: power
                  iec61850: ied=ied9 read=LD0/MMXU1.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
                - name: power-again
                  iec61850: ied=ied2 read=LD0/MMXU2.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
                - name: power-twice
                  iec61850: ied=ied2 read=LD0/MMXU3.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
            """);

        Assert.Contains(errors, e => e.ToString() == "bridge.iec61850.ieds.ied1.address: '10.0.0.5' is not host:port");
        Assert.Contains(errors, e => e.ToString() == "bridge.iec61850.ieds.ied1.connectTimeout: 'soon' is not a duration (use 250ms, 2s, 1m or 00:00:01)");
        Assert.Contains(errors, e => e.ToString() == "bridge.iec61850.maxReconnectDelay: must not be shorter than reconnectDelay (00:00:05)");
        Assert.Contains(errors, e => e.Path == "bridge.rules[events].iec61850" && e.Message.Contains("functional constraint in [..]", StringComparison.Ordinal));
    }

    [Fact]
    public void RuleErrors_UnknownIedAndSecondReadOfAGroup_NameTheRules()
    {
        var (bridge, errors) = Iec61850BridgeConfig.Read("""
            groups:
              meters: { uri: "ham:sg:meters" }
            bridge:
              iec61850:
                ieds:
                  ied2: { address: 10.0.0.6:102 }
              rules:
                - name: power
                  iec61850: ied=ied9 read=LD0/MMXU1.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
                - name: power-again
                  iec61850: ied=ied2 read=LD0/MMXU2.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
                - name: power-twice
                  iec61850: ied=ied2 read=LD0/MMXU3.TotW.mag.f[MX]
                  group: meters
                  direction: from-group
                - name: setpoint
                  iec61850: ied=ied2 write=LD0/GGIO1.SetPt1.setMag.f[SP]
                  group: meters
                  direction: both
            """);

        Assert.Null(bridge);
        Assert.Equal(
            [
                "bridge.rules[power].iec61850: IED 'ied9' is not in bridge.iec61850.ieds (ied2)",
                "bridge.rules[power-twice].iec61850: rule 'power-again' answers requests of the same group for IED 'ied2' already: an IED answers a request with one value",
                "bridge.rules[setpoint].iec61850: a write rule applies its groups' commands to the IED, so its direction is from-group",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void FromItem_ReportBlockInMmsForm_IsTheSameReferenceAsTheIec61850Form()
        => Assert.Equal(ObjectReference.Parse("LD0/LLN0.brcb01[BR]"), ObjectReference.FromItem("LD0", "LLN0$BR$brcb01"));
}
