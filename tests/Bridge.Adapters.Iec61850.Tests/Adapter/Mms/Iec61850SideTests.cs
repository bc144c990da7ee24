using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bridge.Adapters.Iec61850.Adapter.Mms;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Iec61850.Tests.Adapter.Mms;

/// <summary>
/// The IEC 61850 side against the test IED server: reports reach a group on loopback, group
/// commands become writes and operates the server sees, requests are answered by reads, and an
/// association the IED aborts is made again with back-off.
/// </summary>
public sealed class Iec61850SideTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _events = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private readonly GroupName _meters = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private readonly GroupName _commands = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private TestIedServer _server = null!;
    private MulticastSocket _bridgeSocket = null!;
    private MulticastSocket _subscriber = null!;
    private int _abortNext;

    public Task InitializeAsync()
    {
        _server = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow), new TestServerOptions
        {
            // Aborts the association at the first request after a test asks for it: the IED going away.
            Fault = _ => Interlocked.Exchange(ref _abortNext, 0) == 1 ? FaultAction.Abort : FaultAction.None,
        });
        _bridgeSocket = MulticastSocket.Create(_loopback);
        _subscriber = MulticastSocket.Create(_loopback);
        _subscriber.Join(_events);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _subscriber.DisposeAsync();
        await _bridgeSocket.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Report_DataChangeOnTheIed_ReachesTheGroupAsJson()
    {
        await using var side = await StartAssociatedAsync(Rule("events", "ied=ied1 report=TestLD/LLN0.EventsRCB01[RP] gi=false", "events", "to-group"));

        _server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO1$stVal", MmsBoolean.True);

        var message = await _subscriber.FirstAsync(Patience);
        Assert.Equal(ContentType.Raw, message.ContentType);
        using var json = JsonDocument.Parse(message.Payload);
        var root = json.RootElement;
        Assert.Equal("ied1", root.GetProperty("ied").GetString());
        Assert.Equal("TestLD/LLN0.EventsRCB01[RP]", root.GetProperty("report").GetString());
        Assert.Equal("Events1", root.GetProperty("rptId").GetString());
        var value = Assert.Single(root.GetProperty("values").EnumerateArray());
        Assert.Equal("TestLD/GGIO1.SPCSO1.stVal[ST]", value.GetProperty("ref").GetString());
        Assert.True(value.GetProperty("value").GetBoolean());
        Assert.Equal(["data-change"], value.GetProperty("reason").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1, side.Status().Received);
    }

    [Fact]
    public async Task Report_BufferedBlockAcrossALostAssociation_ResumesAfterTheLastRoutedReportNoneLostNoneTwice()
    {
        // Data change only: no integrity report may come between the test's steps.
        _server.SetValue(TestModel.Device, "LLN0$BR$EventsBRCB01$TrgOps", new MmsBitString(BitString.FromFlags((uint)TriggerOptions.DataChange, 6)));
        await using var side = await StartAssociatedAsync(Rule("events", "ied=ied1 report=TestLD/LLN0.EventsBRCB01[BR] gi=false", "events", "to-group"));
        _server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO1$stVal", MmsBoolean.True);
        var routed = await _subscriber.FirstAsync(Patience);

        // Entry 2 is sent as the link fails and never arrives; entry 3 is buffered while the IED cannot be reached.
        _server.LoseNextReports(1);
        _server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO2$stVal", MmsBoolean.True);
        _server.SetOffline(true);
        await NextAsync(side, Iec61850ConnectionState.Closed);
        await NextAsync(side, Iec61850ConnectionState.ConnectFailed);
        _server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO3$stVal", MmsBoolean.True);
        _server.SetOffline(false);
        await NextAsync(side, Iec61850ConnectionState.Associated);
        var resumed = await _subscriber.TakeAsync(2, Patience);
        _server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO4$stVal", MmsBoolean.True);
        var live = await _subscriber.FirstAsync(Patience);

        Assert.Equal(
            ["SPCSO1", "SPCSO2", "SPCSO3", "SPCSO4"],
            new[] { routed, resumed[0], resumed[1], live }.Select(ChangedMember));
        Assert.Equal(2, _server.Associations);
        Assert.Equal(4, Assert.Single(side.IedStatus()).Reports);
    }

    [Fact]
    public async Task Report_IedSendsTheReportInSegments_OneMessageWithEveryMember()
    {
        await using var segmenting = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow), new TestServerOptions { MaxMembersPerReport = 1 });
        await using var side = Start(Rule("events", "ied=ied1 report=TestLD/LLN0.EventsRCB01[RP]", "events", "to-group"), segmenting.EndPoint.Port);

        // The general interrogation includes all four members: four segments, one report.
        var message = await _subscriber.FirstAsync(Patience);

        using var json = JsonDocument.Parse(message.Payload);
        Assert.Equal(
            ["TestLD/GGIO1.SPCSO1.stVal[ST]", "TestLD/GGIO1.SPCSO2.stVal[ST]", "TestLD/GGIO1.SPCSO3.stVal[ST]", "TestLD/GGIO1.SPCSO4.stVal[ST]"],
            json.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("ref").GetString()));
        Assert.All(json.RootElement.GetProperty("values").EnumerateArray(), v => Assert.Equal(["general-interrogation"], v.GetProperty("reason").EnumerateArray().Select(r => r.GetString())));
        Assert.Equal(1, Assert.Single(side.IedStatus()).Reports);
    }

    [Fact]
    public async Task Poll_Attribute_SendsItsValueToTheGroup()
    {
        await using var side = Start(Rule("power", "ied=ied1 poll=TestLD/MMXU1.TotW.mag.f[MX] every=1m", "events", "to-group"));

        var message = await _subscriber.FirstAsync(Patience);

        Assert.Equal("""{"ied":"ied1","ref":"TestLD/MMXU1.TotW.mag.f[MX]","value":1000}""", Encoding.UTF8.GetString(message.Payload.Span));
    }

    [Fact]
    public async Task PublishFromGroup_WriteRule_WritesTheValueTheServerThenHolds()
    {
        await using var side = await StartAssociatedAsync(Rule("setpoint", "ied=ied1 write=TestLD/GGIO1.SetPt1.setMag.f[SP]", "commands", "from-group"));

        await side.PublishFromGroupAsync(Command("""{"value":49.5}"""));

        var applied = await NextAsync(side, Iec61850ConnectionState.CommandApplied);
        Assert.Equal("TestLD/GGIO1.SetPt1.setMag.f[SP]", applied.Detail);
        lock (_server.Model.Gate)
        {
            Assert.Equal(new MmsFloat32(49.5f), _server.Model.DeviceNamed(TestModel.Device).Find("GGIO1$SP$SetPt1$setMag$f")!.Value);
        }

        Assert.Equal(1, side.Status().Published);
    }

    [Fact]
    public async Task PublishFromGroup_OperateRuleOnSboObject_SelectsAndOperates()
    {
        await using var side = await StartAssociatedAsync(Rule("switch", "ied=ied1 operate=TestLD/GGIO1.SPCSO2", "commands", "from-group"));

        await side.PublishFromGroupAsync(Command("true"));

        await NextAsync(side, Iec61850ConnectionState.CommandApplied);
        var command = Assert.Single(_server.Commands);
        Assert.Equal(("Oper", "GGIO1$CO$SPCSO2"), (command.Service, command.ControlObject));
        Assert.Equal(MmsBoolean.True, command.Command.ControlValue);
        Assert.Equal("gridcast"u8.ToArray(), command.Command.OriginatorIdentity);
    }

    [Fact]
    public async Task PublishFromGroup_OperateTheIedRefuses_IsCountedWithLastApplError()
    {
        // SPCSO3 is direct with enhanced security and off already: the server terminates the operate negatively.
        await using var side = await StartAssociatedAsync(Rule("switch", "ied=ied1 operate=TestLD/GGIO1.SPCSO3", "commands", "from-group"));

        await side.PublishFromGroupAsync(Command("false"));

        var failed = await NextAsync(side, Iec61850ConnectionState.CommandFailed);
        Assert.StartsWith("command_refused:", failed.Detail, StringComparison.Ordinal);
        Assert.Contains("PositionReached", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(1, side.Status().Dropped["command_refused"]);
        Assert.Equal(0, side.Status().Published);
    }

    [Fact]
    public async Task PublishFromGroup_ValueOfTheWrongType_IsCountedMalformedAndNotWritten()
    {
        await using var side = await StartAssociatedAsync(Rule("setpoint", "ied=ied1 write=TestLD/GGIO1.SetPt1.setMag.f[SP]", "commands", "from-group"));

        await side.PublishFromGroupAsync(Command("\"high\""));

        var failed = await NextAsync(side, Iec61850ConnectionState.CommandFailed);
        Assert.Equal("malformed: \"high\" does not fit the attribute's type (FLOAT32)", failed.Detail);
        lock (_server.Model.Gate)
        {
            Assert.Equal(new MmsFloat32(50f), _server.Model.DeviceNamed(TestModel.Device).Find("GGIO1$SP$SetPt1$setMag$f")!.Value);
        }
    }

    [Fact]
    public async Task AnswerAsync_ReadRule_AnswersWithTheIedsValue()
    {
        await using var side = await StartAssociatedAsync(Rule("power", "ied=ied1 read=TestLD/MMXU1.TotW.mag.f[MX]", "meters", "from-group"));

        var first = Assert.Single(await side.AnswerAsync(Request(_meters)).ToListAsync());
        _server.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(1234.5f));
        var second = Assert.Single(await side.AnswerAsync(Request(_meters)).ToListAsync());
        var other = await side.AnswerAsync(Request(_events)).ToListAsync();

        Assert.Equal("1000", Encoding.UTF8.GetString(first.Value.Span));
        Assert.Equal("1234.5", Encoding.UTF8.GetString(second.Value.Span));
        Assert.Equal(("ied1", "ied1"), (first.Device, second.Device));
        Assert.Empty(other);
        Assert.Equal(2, side.Answered);
        var device = Assert.Single(side.Devices);
        Assert.Equal("ied1", device.Name);
        Assert.Equal([_meters], device.Groups);
    }

    [Fact]
    public async Task AnswerAsync_RequestOverLoopback_RequesterAggregatesTheIedsValue()
    {
        // What the host's wiring does for a side that can be asked: a request that reaches the
        // node's socket is answered with the side's value, parsed from its UTF-8 text.
        await using var side = await StartAssociatedAsync(Rule("power", "ied=ied1 read=TestLD/MMXU1.TotW.mag.f[MX]", "meters", "from-group"));
        _server.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(812.25f));
        await using var member = MulticastSocket.Create(_loopback);
        member.Join(_meters);
        using var stop = new CancellationTokenSource(Patience);
        var answering = AnswerOneAsync(member, side, stop.Token);

        var result = await _bridgeSocket.RequestAsync(_meters, new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum }, TimeSpan.FromSeconds(2));
        await answering;

        Assert.Equal(1UL, result.Contributors);
        Assert.Equal(812.25, result.Max);
    }

    [Fact]
    public async Task AnswerAsync_ThreeIedsThenOneStops_OneAnswerPerIedThatCanBeRead()
    {
        await using var second = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        await using var third = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        _server.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(100f));
        second.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(20f));
        third.SetValue(TestModel.Device, "MMXU1$MX$TotW$mag$f", new MmsFloat32(3f));
        await using var side = Start(
            string.Join('\n', Enumerable.Range(1, 3).Select(n => Rule($"power{n}", $"ied=ied{n} read=TestLD/MMXU1.TotW.mag.f[MX]", "meters", "from-group"))),
            extraIeds: [("ied2", second.EndPoint.Port), ("ied3", third.EndPoint.Port)]);
        await AllAssociatedAsync(side, "ied1", "ied2", "ied3");

        var all = await side.AnswerAsync(Request(_meters)).ToListAsync();
        await third.DisposeAsync();
        await NextAsync(side, Iec61850ConnectionState.Closed);
        var withoutThird = await side.AnswerAsync(Request(_meters)).ToListAsync();

        Assert.Equal(["ied1", "ied2", "ied3"], side.Devices.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(side.Devices, d => Assert.Equal([_meters], d.Groups));
        Assert.Equal(
            [("ied1", "100"), ("ied2", "20"), ("ied3", "3")],
            all.Select(a => (a.Device, Encoding.UTF8.GetString(a.Value.Span))).Order());
        Assert.Equal(
            [("ied1", "100"), ("ied2", "20")],
            withoutThird.Select(a => (a.Device, Encoding.UTF8.GetString(a.Value.Span))).Order());
        Assert.Equal(5, side.Answered);
    }

    [Fact]
    public async Task AnswerAsync_ReadOfAMissingAttribute_GivesNoAnswerAndCountsIt()
    {
        await using var side = await StartAssociatedAsync(Rule("power", "ied=ied1 read=TestLD/MMXU9.TotW.mag.f[MX]", "meters", "from-group"));

        var answers = await side.AnswerAsync(Request(_meters)).ToListAsync();

        Assert.Empty(answers);
        Assert.Equal(1, side.Status().Dropped["request_unanswered"]);
    }

    [Fact]
    public async Task IedAbortsTheAssociation_SideReconnectsAndCountsIt()
    {
        await using var side = await StartAssociatedAsync(Rule("power", "ied=ied1 read=TestLD/MMXU1.TotW.mag.f[MX]", "meters", "from-group"));

        Interlocked.Exchange(ref _abortNext, 1);
        var duringAbort = await side.AnswerAsync(Request(_meters)).ToListAsync();
        var closed = await NextAsync(side, Iec61850ConnectionState.Closed);
        await NextAsync(side, Iec61850ConnectionState.Associated);
        var afterReconnect = Assert.Single(await side.AnswerAsync(Request(_meters)).ToListAsync());

        Assert.Empty(duringAbort);
        Assert.Equal("AbortedByPeer", closed.Detail);
        Assert.Equal("1000", Encoding.UTF8.GetString(afterReconnect.Value.Span));
        var status = side.Status();
        Assert.Equal(1, status.Reconnects);
        Assert.Equal(1, status.Dropped["closed_aborted_by_peer"]);
        Assert.True(status.Connected);
        Assert.Equal(2, _server.Associations);
        Assert.Equal(1, Assert.Single(side.IedStatus()).Reconnects);
    }

    [Fact]
    public async Task Instruments_ReadsCommandsAndAnAbort_MeasuredPerIed()
    {
        await using var side = Start(string.Join(
            '\n',
            Rule("power", "ied=ied1 read=TestLD/MMXU1.TotW.mag.f[MX]", "meters", "from-group"),
            Rule("missing", "ied=ied1 read=TestLD/MMXU9.TotW.mag.f[MX]", "events", "from-group"),
            Rule("setpoint", "ied=ied1 write=TestLD/GGIO1.SetPt1.setMag.f[SP]", "commands", "from-group")));
        using var meter = new Meter("test.iec61850." + Guid.NewGuid().ToString("N"));
        Iec61850Instruments.Create(meter, side.IedStatus);
        await NextAsync(side, Iec61850ConnectionState.Associated);

        Assert.Single(await side.AnswerAsync(Request(_meters)).ToListAsync());
        Assert.Empty(await side.AnswerAsync(Request(_events)).ToListAsync());
        await side.PublishFromGroupAsync(Command("49.5"));
        await NextAsync(side, Iec61850ConnectionState.CommandApplied);
        await side.PublishFromGroupAsync(Command("\"not a number\""));
        await NextAsync(side, Iec61850ConnectionState.CommandFailed);
        Interlocked.Exchange(ref _abortNext, 1);
        await side.AnswerAsync(Request(_meters)).ToListAsync();
        await NextAsync(side, Iec61850ConnectionState.Closed);
        await NextAsync(side, Iec61850ConnectionState.Associated);

        var measured = Collect(meter);
        Assert.Equal(1, measured[("gridcast.iec61850.associated", "ied=ied1")]);
        Assert.Equal(1, measured[("gridcast.iec61850.reconnects", "ied=ied1")]);
        Assert.Equal(0, measured[("gridcast.iec61850.connect_failures", "ied=ied1")]);
        Assert.Equal(0, measured[("gridcast.iec61850.reports", "ied=ied1")]);
        Assert.Equal(1, measured[("gridcast.iec61850.commands", "ied=ied1,result=applied")]);
        Assert.Equal(1, measured[("gridcast.iec61850.commands", "ied=ied1,result=malformed")]);
        Assert.Equal(0, measured[("gridcast.iec61850.commands", "ied=ied1,result=refused")]);
        Assert.Equal(1, measured[("gridcast.iec61850.requests", "ied=ied1,result=answered")]);
        Assert.Equal(2, measured[("gridcast.iec61850.requests", "ied=ied1,result=unanswered")]);
        Assert.Equal(1, measured[("gridcast.iec61850.association_closes", "ied=ied1,reason=aborted_by_peer")]);
    }

    [Fact]
    public async Task IedNotListening_ConnectFailsAndIsRetriedWithBackOff()
    {
        var port = _server.EndPoint.Port;
        await _server.DisposeAsync();
        await using var side = Start(Rule("power", "ied=ied1 read=TestLD/MMXU1.TotW.mag.f[MX]", "meters", "from-group"), port);

        var first = await NextAsync(side, Iec61850ConnectionState.ConnectFailed);
        var second = await NextAsync(side, Iec61850ConnectionState.ConnectFailed);

        Assert.Equal("ConnectionFailed", first.Detail);
        Assert.Equal("ConnectionFailed", second.Detail);
        Assert.False(side.Status().Connected);
        Assert.True(Assert.Single(side.IedStatus()).ConnectFailures >= 2);
        Assert.Empty(await side.AnswerAsync(Request(_meters)).ToListAsync());
    }

    private Iec61850Side Start(string rules, int? port = null, IReadOnlyList<(string Name, int Port)>? extraIeds = null)
    {
        var indented = string.Join('\n', rules.Split('\n').Select(l => "    " + l));
        var extra = string.Concat((extraIeds ?? []).Select(i => string.Create(CultureInfo.InvariantCulture, $"\n      {i.Name}: {{ address: \"127.0.0.1:{i.Port}\", requestTimeout: 10s }}")));
        var (bridge, errors) = Iec61850BridgeConfig.Read(string.Create(CultureInfo.InvariantCulture, $$"""
            groups:
              events: { uri: "{{_events}}" }
              meters: { uri: "{{_meters}}" }
              commands: { uri: "{{_commands}}" }
            bridge:
              iec61850:
                ieds:
                  ied1: { address: "127.0.0.1:{{port ?? _server.EndPoint.Port}}", requestTimeout: 10s }{{extra}}
                reconnectDelay: 10ms
                maxReconnectDelay: 40ms
              rules:
            {{indented}}
            """));
        Assert.True(bridge is not null, string.Join('\n', errors));
        return new Iec61850Side(bridge.Adapter<Iec61850Section>()!, new Router(bridge.ToRoutingTable(), _bridgeSocket), NullLoggerFactory.Instance, TimeProvider.System);
    }

    // A rule as the YAML list item Start places under rules: (join several with newlines).
    private static string Rule(string name, string endpoint, string group, string direction) => $"""
        - name: {name}
          iec61850: {endpoint}
          group: {group}
          direction: {direction}
        """;

    /// <summary>Starts the side with <paramref name="rules"/> and waits for its first IED to associate.</summary>
    private async Task<Iec61850Side> StartAssociatedAsync(string rules)
    {
        var side = Start(rules);
        try
        {
            await NextAsync(side, Iec61850ConnectionState.Associated);
            return side;
        }
        catch
        {
            await side.DisposeAsync();
            throw;
        }
    }

    private GroupMessage Command(string json) => new(_commands, Encoding.UTF8.GetBytes(json), ContentType.Raw, 1, 1, DateTimeOffset.UtcNow);

    private static GroupRequest Request(GroupName group) => new(group, new RequestSpec(ReadOnlyMemory<byte>.Empty, ContentType.Raw), TimeSpan.FromSeconds(10));

    private static async Task AnswerOneAsync(MulticastSocket member, Iec61850Side side, CancellationToken cancellationToken)
    {
        await foreach (var incoming in member.RequestsAsync(cancellationToken))
        {
            var answer = Assert.Single(await side.AnswerAsync(new GroupRequest(incoming.Group, new RequestSpec(ReadOnlyMemory<byte>.Empty, ContentType.Raw), TimeSpan.FromSeconds(1)), cancellationToken).ToListAsync(cancellationToken));
            await member.ReplyAsync(incoming, double.Parse(Encoding.UTF8.GetString(answer.Value.Span), CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
            return;
        }
    }

    /// <summary>The data object of the one value a data-change report carries (<c>SPCSO2</c>).</summary>
    private static string ChangedMember(GroupMessage message)
    {
        using var json = JsonDocument.Parse(message.Payload);
        var reference = Assert.Single(json.RootElement.GetProperty("values").EnumerateArray()).GetProperty("ref").GetString()!;
        return reference.Split('.')[1];
    }

    /// <summary>Every measurement of <paramref name="meter"/>'s observable instruments now, by instrument and tags (<c>k=v</c>, in order, comma-separated).</summary>
    private static Dictionary<(string Instrument, string Tags), long> Collect(Meter meter)
    {
        var measured = new Dictionary<(string, string), long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var text = string.Join(',', tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            measured[(instrument.Name, text)] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return measured;
    }

    private static async Task AllAssociatedAsync(Iec61850Side side, params string[] ieds)
    {
        var waiting = ieds.ToHashSet(StringComparer.Ordinal);
        while (waiting.Count > 0)
        {
            waiting.Remove((await NextAsync(side, Iec61850ConnectionState.Associated)).Ied);
        }
    }

    private static async Task<Iec61850ConnectionEvent> NextAsync(Iec61850Side side, Iec61850ConnectionState state)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var next = await side.Events.ReadAsync(timeout.Token);
            if (next.State == state)
            {
                return next;
            }
        }
    }
}
