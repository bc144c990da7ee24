using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Control;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Tests.Mms.Association;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Iec61850.Tests.Client;

/// <summary>
/// The IEC 61850 client against the test server built on the project's own codecs: what the
/// capture lacks: typed browsing, writes, the control model in all four variants with their
/// refusals, reports over time (integrity, data change, GI, buffered), several clients.
/// </summary>
public sealed class TestServerClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly ObjectReference Events = ObjectReference.Parse("TestLD/LLN0.EventsRCB01[RP]");
    private static readonly ObjectReference EventsBuffered = ObjectReference.Parse("TestLD/LLN0.EventsBRCB01[BR]");

    [Fact]
    public async Task Browse_WithTypes_FollowsMoreFollowsAndTypesEveryAttribute()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample(), new TestServerOptions { NameListPageSize = 10 });
        await using var client = await Connect(server);

        var model = await client.BrowseAsync();

        var device = Assert.Single(model.LogicalDevices);
        Assert.Equal(["GGIO1", "LLN0", "MMXU1"], device.LogicalNodes.Select(n => n.Name));
        var magnitude = model.AllAttributes().Single(a => a.Reference.ToString() == "TestLD/GGIO1.AnIn1.mag.f[MX]");
        Assert.Equal(new MmsFloatingPointType(32, 8), magnitude.Type);
        var spcso1 = device.LogicalNodes[0].DataObjects.Single(d => d.Name == "SPCSO1");
        Assert.Equal(["CF", "CO", "ST"], spcso1.Attributes.Select(a => a.Fc.ToString()).Distinct().Order());
        Assert.Equal(
            ["EventsBRCB01 BR", "EventsRCB01 RP", "MeasRCB01 RP"],
            device.LogicalNodes[1].ReportControlBlocks.Select(b => $"{b.Name} {b.Reference.Fc}").Order());
        Assert.Equal(["TestLD/LLN0.Events", "TestLD/LLN0.Measurements"], device.DataSets.Select(d => d.Reference.ToString()));
        Assert.Equal(4, device.DataSets[0].Members!.Count);
    }

    [Fact]
    public async Task ReadAndWrite_TypedValues_RoundTripAndRefusalsAreNamed()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);
        var setpoint = ObjectReference.Parse("TestLD/GGIO1.SetPt1.setMag.f[SP]");

        await client.WriteAsync(setpoint, 42.5f);
        var written = await client.ReadAsync<float>(setpoint);
        var denied = await Assert.ThrowsAsync<Iec61850AccessException>(() => client.WriteAsync(ObjectReference.Parse("TestLD/GGIO1.AnIn1.mag.f[MX]"), 1f));
        var inconsistent = await Assert.ThrowsAsync<Iec61850AccessException>(() => client.WriteAsync(setpoint, 42));
        var wrongType = await Assert.ThrowsAsync<Iec61850TypeException>(() => client.ReadAsync<bool>(setpoint));
        var noFc = await Assert.ThrowsAsync<ArgumentException>(() => client.ReadAsync(ObjectReference.Parse("TestLD/GGIO1.SetPt1.setMag.f")));
        var many = await client.ReadAsync([setpoint, ObjectReference.Parse("TestLD/LLN0.NoSuch.stVal[ST]")]);

        Assert.Equal(42.5f, written);
        Assert.Equal(DataAccessError.ObjectAccessDenied, denied.Error);
        Assert.Equal(DataAccessError.TypeInconsistent, inconsistent.Error);
        Assert.Contains("floating-point", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("[ST]", noFc.Message, StringComparison.Ordinal);
        Assert.Equal([true, false], many.Select(r => r.IsSuccess));
    }

    [Fact]
    public async Task Operate_DirectNormal_SetsTheStatusAndSendsTheCommandFields()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);

        var control = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO1"));
        await client.OperateAsync(control, MmsBoolean.True, new ControlParameters { OriginatorIdentity = "gridcast"u8.ToArray(), Checks = ControlChecks.InterlockCheck });

        Assert.Equal(ControlModel.DirectNormal, control.Model);
        Assert.True(await client.ReadAsync<bool>(ObjectReference.Parse("TestLD/GGIO1.SPCSO1.stVal[ST]")));
        var command = Assert.Single(server.Commands);
        Assert.Equal(("Oper", "GGIO1$CO$SPCSO1"), (command.Service, command.ControlObject));
        Assert.Equal(OriginatorCategory.RemoteControl, command.Command.OriginatorCategory);
        Assert.Equal("gridcast"u8.ToArray(), command.Command.OriginatorIdentity);
        Assert.Equal(ControlChecks.InterlockCheck, command.Command.Checks);
        Assert.Equal(1, command.Command.ControlNumber);
    }

    [Fact]
    public async Task Operate_SboNormalWithoutSelect_IsRefusedWithLastApplErrorThenWorksAfterSelect()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);
        var control = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO2"));

        var refused = await Assert.ThrowsAsync<Iec61850ControlException>(() => client.OperateAsync(control, MmsBoolean.True));
        await client.SelectAsync(control);
        await client.OperateAsync(control, MmsBoolean.True);

        Assert.Equal(ControlModel.SboNormal, control.Model);
        Assert.Equal(DataAccessError.ObjectAccessDenied, refused.AccessError);
        Assert.Equal(AddCause.ObjectNotSelected, refused.LastApplError!.AddCause);
        Assert.Equal("TestLD/GGIO1$CO$SPCSO2$Oper", refused.LastApplError.ControlObject);
        Assert.True(await client.ReadAsync<bool>(ObjectReference.Parse("TestLD/GGIO1.SPCSO2.stVal[ST]")));
    }

    [Fact]
    public async Task Operate_SboEnhanced_SelectsWithValueOperatesAndWaitsForTheTermination()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);
        var control = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO4"));

        await client.SelectWithValueAsync(control, MmsBoolean.True);
        await client.OperateAsync(control, MmsBoolean.True);

        Assert.Equal(ControlModel.SboEnhanced, control.Model);
        Assert.Equal(["SBOw", "Oper"], server.Commands.Select(c => c.Service));
        Assert.True(await client.ReadAsync<bool>(ObjectReference.Parse("TestLD/GGIO1.SPCSO4.stVal[ST]")));
    }

    [Fact]
    public async Task Operate_DirectEnhancedToTheCurrentPosition_TerminatesNegatively()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);
        var control = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO3"));

        await client.OperateAsync(control, MmsBoolean.True);
        var negative = await Assert.ThrowsAsync<Iec61850ControlException>(() => client.OperateAsync(control, MmsBoolean.True));

        Assert.Null(negative.AccessError);
        Assert.Equal(AddCause.PositionReached, negative.LastApplError!.AddCause);
        Assert.Contains("terminated negatively", negative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operate_TestCommand_IsRefusedBlockedByMode()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);
        var control = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO1"));

        var refused = await Assert.ThrowsAsync<Iec61850ControlException>(() => client.OperateAsync(control, MmsBoolean.True, new ControlParameters { Test = true }));

        Assert.Equal(AddCause.BlockedByMode, refused.LastApplError!.AddCause);
        Assert.False(await client.ReadAsync<bool>(ObjectReference.Parse("TestLD/GGIO1.SPCSO1.stVal[ST]")));
    }

    [Fact]
    public async Task Reports_OverTime_IntegrityDataChangeAndGiArriveDecoded()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var server = TestIedServer.Start(AssociationTests.Sample(), new TestServerOptions { Time = time });
        await using var client = await Connect(server);
        await using var reports = client.ReadReportsAsync().GetAsyncEnumerator();

        var block = await client.EnableReportingAsync(Events, new ReportControlBlockSettings
        {
            Triggers = TriggerOptions.DataChange | TriggerOptions.Integrity | TriggerOptions.GeneralInterrogation,
            IntegrityPeriod = 1000,
            Options = ReportOptions.SequenceNumber | ReportOptions.ReportTimestamp | ReportOptions.ReasonForInclusion | ReportOptions.DataSetName | ReportOptions.DataReference,
        });
        var integrity = new List<Report>();
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            integrity.Add(await Next(reports));
        }

        var control = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO1"));
        await client.OperateAsync(control, MmsBoolean.True);
        var change = await Next(reports);
        await client.TriggerGeneralInterrogationAsync(Events);
        var gi = await Next(reports);

        Assert.Equal("Events1", block.ReportId);
        Assert.Equal([0u, 1u, 2u], integrity.Select(r => r.SequenceNumber!.Value));
        Assert.Equal(time.GetUtcNow().AddSeconds(-1).UtcDateTime, integrity[1].TimeOfEntry!.Value.ToDateTimeOffset().UtcDateTime);
        Assert.All(integrity, r => Assert.Equal(4, r.Entries.Count));
        var entry = Assert.Single(change.Entries);
        Assert.Equal((0, ReasonForInclusion.DataChange, (MmsValue)MmsBoolean.True), (entry.MemberIndex, entry.Reason!.Value, entry.Value));
        Assert.Equal("TestLD/GGIO1.SPCSO1.stVal[ST]", entry.Reference!.ToString());
        Assert.Equal(3u, change.SequenceNumber);
        Assert.All(gi.Entries, e => Assert.Equal(ReasonForInclusion.GeneralInterrogation, e.Reason));
        Assert.Equal([true, false, false, false], gi.Entries.Select(e => ((MmsBoolean)e.Value).Value));
    }

    [Fact]
    public async Task Reports_BufferedBlock_DeliversWhatChangedWhileItWasDisabled()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var client = await Connect(server);
        await client.SetReportControlBlockAsync(EventsBuffered, new ReportControlBlockSettings { Triggers = TriggerOptions.DataChange });
        server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO2$stVal", MmsBoolean.True);
        server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO3$stVal", MmsBoolean.True);
        await using var reports = client.ReadReportsAsync().GetAsyncEnumerator();

        await client.EnableReportingAsync(EventsBuffered);
        var buffered = new[] { await Next(reports), await Next(reports) };
        server.SetValue(TestModel.Device, "GGIO1$ST$SPCSO4$stVal", MmsBoolean.True);
        var live = await Next(reports);

        Assert.Equal([1, 2], buffered.Select(r => r.Entries.Single().MemberIndex));
        Assert.Equal([1UL, 2UL, 3UL], new[] { buffered[0], buffered[1], live }.Select(r => System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(r.EntryId)));
        Assert.Equal(3, live.Entries.Single().MemberIndex);
        var block = await client.ReadReportControlBlockAsync(EventsBuffered);
        Assert.True(block.Buffered);
        Assert.True(block.Enabled);
        Assert.Equal(3UL, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(block.EntryId));
    }

    [Fact]
    public async Task SeveralClients_ShareTheModelButNotABlockOrASelection()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        await using var first = await Connect(server);
        await using var second = await Connect(server);
        await using var reports = first.ReadReportsAsync().GetAsyncEnumerator();

        await first.EnableReportingAsync(Events, new ReportControlBlockSettings { Triggers = TriggerOptions.DataChange });
        var taken = await Assert.ThrowsAsync<Iec61850AccessException>(() => second.EnableReportingAsync(Events));
        var firstSbo = await first.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO2"));
        var secondSbo = await second.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO2"));
        await first.SelectAsync(firstSbo);
        await Assert.ThrowsAsync<Iec61850ControlException>(() => second.SelectAsync(secondSbo));
        var direct = await second.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO1"));
        await second.OperateAsync(direct, MmsBoolean.True);
        var report = await Next(reports);
        var reads = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? first : second).ReadAsync<float>(ObjectReference.Parse("TestLD/MMXU1.TotW.mag.f[MX]"))));

        Assert.Equal(2, server.Associations);
        Assert.Equal(DataAccessError.TemporarilyUnavailable, taken.Error);
        Assert.Equal(MmsBoolean.True, report.Entries.Single().Value);
        Assert.All(reads, r => Assert.Equal(1000f, r));
    }

    [Fact]
    public async Task Reports_NobodyReads_BeyondTheQueueTheyAreDroppedAndCounted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var server = TestIedServer.Start(AssociationTests.Sample(), new TestServerOptions { Time = time });
        await using var client = await Iec61850Client.ConnectAsync(server.EndPoint.Address.ToString(), server.EndPoint.Port, new Iec61850ClientOptions { ReportQueueCapacity = 2 });
        await client.EnableReportingAsync(Events, new ReportControlBlockSettings { Triggers = TriggerOptions.Integrity, IntegrityPeriod = 1000 });

        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await AssociationTests.Until(() => client.Association.ReportsReceived == 5);
        Assert.Equal(3, client.ReportsDropped);
        await using var reports = client.ReadReportsAsync().GetAsyncEnumerator();
        Assert.Equal([0u, 1u], new[] { await Next(reports), await Next(reports) }.Select(r => r.SequenceNumber!.Value));
    }

    [Fact]
    public async Task Reports_AssociationCloses_TheReportStreamEnds()
    {
        await using var server = TestIedServer.Start(AssociationTests.Sample());
        var client = await Connect(server);
        var reading = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var report in client.ReadReportsAsync())
            {
                count++;
            }

            return count;
        });

        await client.CloseAsync();

        Assert.Equal(0, await reading.WaitAsync(Patience));
        await client.DisposeAsync();
    }

    private static async Task<Iec61850Client> Connect(TestIedServer server)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Iec61850Client.ConnectAsync(server.EndPoint.Address.ToString(), server.EndPoint.Port, cancellationToken: timeout.Token);
    }

    private static async Task<Report> Next(IAsyncEnumerator<Report> reports)
    {
        Assert.True(await reports.MoveNextAsync().AsTask().WaitAsync(Patience), "the report stream ended");
        return reports.Current;
    }
}
