using System.Text.Json;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;
using Bridge.Host.Tests.Configuration;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;

namespace Bridge.Host.Tests.Iec61850;

/// <summary><c>gridcast run --config</c> with an IEC 61850 side, the test IED server as the IED.</summary>
public sealed class Iec61850BridgeTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly ConfigurationFiles _files = new();
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13];
    private TestIedServer _server = null!;

    public Task InitializeAsync()
    {
        _server = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_IedReportsAndGroupCommands_ReportReachesTheGroupAndCommandIsWritten()
    {
        var path = _files.Write("edge-iec61850.yaml", $$"""
            node:
              id: edge-iec61850
            groups:
              events:
                uri: ham:sg:{{_prefix}}.events
              setpoints:
                uri: ham:sg:{{_prefix}}.setpoints
            bridge:
              iec61850:
                ieds:
                  ied1: { address: "127.0.0.1:{{_server.EndPoint.Port}}" }
              rules:
                - name: events
                  iec61850: ied=ied1 report=TestLD/LLN0.EventsRCB01[RP] gi=false
                  group: events
                  direction: to-group
                - name: setpoint
                  iec61850: ied=ied1 write=TestLD/GGIO1.SetPt1.setMag.f[SP]
                  group: setpoints
                  direction: from-group
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("IEC 61850 IED ied1 (127.0.0.1", StringComparison.Ordinal) && l.Contains("associated", StringComparison.Ordinal), Patience);
        await using var sub = GridcastCli.Start("sub", $"ham:sg:{_prefix}.events", "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        _server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO4$stVal", MmsBoolean.True);

        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + node.Transcript());
        using var report = JsonDocument.Parse(JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement.GetProperty("payload").GetString()!);
        var value = Assert.Single(report.RootElement.GetProperty("values").EnumerateArray());
        Assert.Equal("TestLD/GGIO1.SPCSO4.stVal[ST]", value.GetProperty("ref").GetString());
        Assert.True(value.GetProperty("value").GetBoolean());

        var (published, pub) = await GridcastCli.RunAsync(Patience, "pub", $"ham:sg:{_prefix}.setpoints", "47.25");
        await using var _ = pub;
        Assert.True(published == 0, pub.Transcript());
        await node.WaitForLineAsync(l => l.Contains("write of TestLD/GGIO1.SetPt1.setMag.f[SP] with", StringComparison.Ordinal), Patience);
        lock (_server.Model.Gate)
        {
            Assert.Equal(new MmsFloat32(47.25f), _server.Model.DeviceNamed(TestModel.Device).Find("GGIO1$SP$SetPt1$setMag$f")!.Value);
        }
    }

    [Fact]
    public async Task Run_RequestToTheReadRulesGroup_GetsTheIedsValueAndNoReplyOnceTheIedIsGone()
    {
        var group = GroupName.Parse($"ham:sg:{_prefix}.power");
        var path = _files.Write("edge-iec61850-read.yaml", $$"""
            node:
              id: edge-iec61850-read
            groups:
              power:
                uri: {{group}}
            bridge:
              iec61850:
                ieds:
                  ied1: { address: "127.0.0.1:{{_server.EndPoint.Port}}" }
                reconnectDelay: 100ms
              rules:
                - name: power
                  iec61850: ied=ied1 read=TestLD/MMXU1.TotW.mag.f[MX]
                  group: power
                  direction: from-group
            """);
        _server.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(731.5f));
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("IEC 61850 IED ied1 (127.0.0.1", StringComparison.Ordinal) && l.Contains("associated", StringComparison.Ordinal), Patience);
        await using var asker = MulticastSocket.Create(MulticastInterface.Loopback());
        var spec = new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min };

        var answered = await asker.RequestAsync(group, spec, TimeSpan.FromSeconds(2));

        Assert.True(answered.Contributors == 1, node.Transcript());
        Assert.Equal(731.5, answered.Min);

        await _server.DisposeAsync();
        await node.WaitForLineAsync(l => l.Contains("the association closed", StringComparison.Ordinal), Patience);
        var unanswered = await asker.RequestAsync(group, spec, TimeSpan.FromSeconds(2));

        Assert.Equal(0UL, unanswered.Contributors);
    }
    [Fact]
    public async Task Run_RequestToTheGroupOfThreeIeds_CountsEachIedAndAStoppedIedIsMissing()
    {
        await using var second = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        await using var third = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        _server.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(100.5f));
        second.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(20f));
        third.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(3.25f));
        var group = GroupName.Parse($"ham:sg:{_prefix}.feeder");
        var path = _files.Write("edge-iec61850-feeder.yaml", $$"""
            node:
              id: edge-iec61850-feeder
            groups:
              feeder:
                uri: {{group}}
            bridge:
              iec61850:
                ieds:
                  bay1: { address: "127.0.0.1:{{_server.EndPoint.Port}}" }
                  bay2: { address: "127.0.0.1:{{second.EndPoint.Port}}" }
                  bay3: { address: "127.0.0.1:{{third.EndPoint.Port}}" }
                reconnectDelay: 100ms
              rules:
                - name: bay1-power
                  iec61850: ied=bay1 read=TestLD/MMXU1.TotW.mag.f[MX]
                  group: feeder
                  direction: from-group
                - name: bay2-power
                  iec61850: ied=bay2 read=TestLD/MMXU1.TotW.mag.f[MX]
                  group: feeder
                  direction: from-group
                - name: bay3-power
                  iec61850: ied=bay3 read=TestLD/MMXU1.TotW.mag.f[MX]
                  group: feeder
                  direction: from-group
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        foreach (var bay in new[] { "bay1", "bay2", "bay3" })
        {
            await node.WaitForLineAsync(l => l.Contains($"IEC 61850 IED {bay} (127.0.0.1", StringComparison.Ordinal) && l.Contains("associated", StringComparison.Ordinal), Patience);
        }

        await using var asker = MulticastSocket.Create(MulticastInterface.Loopback());
        var spec = new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum };

        var all = await asker.RequestAsync(group, spec, TimeSpan.FromSeconds(2));

        Assert.True(all.Contributors == 3, node.Transcript());
        Assert.Equal(123.75, all.Sum);

        // Each IED is a member of its own, under an id the node logs, which --missing-ids would list.
        var ids = new List<string>();
        foreach (var bay in new[] { "bay1", "bay2", "bay3" })
        {
            var line = await node.WaitForLineAsync(l => l.Contains($"iec61850 device {bay} as member ", StringComparison.Ordinal), Patience);
            ids.Add(line.Split("as member ")[1][..16]);
        }

        Assert.Equal(3, ids.Distinct().Count());

        await third.DisposeAsync();
        await node.WaitForLineAsync(l => l.Contains("IED bay3 ", StringComparison.Ordinal) && l.Contains("the association closed", StringComparison.Ordinal), Patience);
        var (exit, request) = await GridcastCli.RunAsync(Patience, "request", group.ToString(), "--aggregate", "count,sum", "--deadline", "2s", "--json");
        await using var _ = request;

        Assert.True(exit == 0, request.Transcript() + node.Transcript());
        using var result = JsonDocument.Parse(string.Concat(request.StandardOutput));
        Assert.Equal(2, result.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(120.5, result.RootElement.GetProperty("sum").GetDouble());
    }
}
