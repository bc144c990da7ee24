using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Replay;

/// <summary>
/// The client against a real stack's bytes: a replay of the libiec61850 server's recorded answers.
/// Every request the client sends must be one the recorded clients sent, so these tests also
/// show that the client asks what a third-party client asks, encoded the same way.
/// </summary>
public sealed class ReplayTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Browse_NamesOnly_FindsTheRecordedModelAndDataSets()
    {
        await using var replay = ReplayServer.Start(0);
        await using var client = await Connect(replay);

        var model = await client.BrowseAsync(new BrowseOptions { IncludeTypes = false });

        Assert.Empty(replay.Unmatched);
        var device = Assert.Single(model.LogicalDevices);
        Assert.Equal("simpleIOGenericIO", device.Name);
        Assert.Equal(["GGIO1", "LLN0", "LPHD1"], device.LogicalNodes.Select(n => n.Name).Order());
        var ggio = device.LogicalNodes.Single(n => n.Name == "GGIO1");
        Assert.Contains(ggio.DataObjects, d => d.Name == "AnIn1" && d.Attributes.Any(a => a.Name == "mag" && a.Fc == FunctionalConstraint.MX && a.Components.Any(c => c.Name == "f")));
        var mod = ggio.DataObjects.Single(d => d.Name == "Mod");
        Assert.Contains(mod.Attributes, a => a.Name == "ctlModel" && a.Fc == FunctionalConstraint.CF);
        Assert.Contains(mod.Attributes, a => a.Name == "stVal" && a.Fc == FunctionalConstraint.ST);
        var lln0 = device.LogicalNodes.Single(n => n.Name == "LLN0");
        Assert.Contains(lln0.ReportControlBlocks, b => b.Name == "EventsRCB01" && !b.Buffered);
        Assert.Contains(lln0.ReportControlBlocks, b => b.Buffered);
        Assert.Equal(["LLN0.Events", "LLN0.Events2", "LLN0.Measurements"], device.DataSets.Select(d => d.Reference.ToString()["simpleIOGenericIO/".Length..]));
        Assert.Equal(
            ["GGIO1.SPCSO1.stVal[ST]", "GGIO1.SPCSO2.stVal[ST]", "GGIO1.SPCSO3.stVal[ST]", "GGIO1.SPCSO4.stVal[ST]"],
            device.DataSets[0].Members!.Select(m => m.ToString()["simpleIOGenericIO/".Length..]));
    }

    [Fact]
    public async Task ReadWriteAndReports_RecordedSession_TakesThe13RecordedReports()
    {
        await using var replay = ReplayServer.Start(0, 1);
        await using var client = await Connect(replay);
        var rcb = ObjectReference.Parse("simpleIOGenericIO/LLN0.EventsRCB01[RP]");

        var magnitude = await client.ReadAsync<float>(ObjectReference.Parse("simpleIOGenericIO/GGIO1.AnIn1.mag.f[MX]"));
        await client.WriteAsync(ObjectReference.Parse("simpleIOGenericIO/GGIO1.NamPlt.vendor[DC]"), "libiec61850.com");
        var events = await client.ReadDataSetAsync(ObjectReference.Parse("simpleIOGenericIO/LLN0.Events"));
        var block = await client.EnableReportingAsync(rcb, new ReportControlBlockSettings
        {
            Triggers = TriggerOptions.DataUpdate | TriggerOptions.Integrity | TriggerOptions.GeneralInterrogation,
            IntegrityPeriod = 5000,
        });
        await client.TriggerGeneralInterrogationAsync(rcb);
        var reports = await Take(client.ReadReportsAsync(), 13);
        await client.DisableReportingAsync(rcb);

        Assert.Empty(replay.Unmatched);
        Assert.Equal(0.42738f, magnitude, 5);
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.IsType<MmsBoolean>(e.Value));
        Assert.Equal(("Events1", 1000u, "simpleIOGenericIO/LLN0$Events"), (block.ReportId, block.IntegrityPeriod, block.DataSet));
        Assert.Equal(Enumerable.Range(0, 13).Select(i => (uint?)i), reports.Select(r => r.SequenceNumber));
        Assert.All(reports[0].Entries, e => Assert.Equal(ReasonForInclusion.GeneralInterrogation, e.Reason));
        Assert.All(reports.Skip(1).SelectMany(r => r.Entries), e => Assert.Equal(ReasonForInclusion.Integrity, e.Reason));
        Assert.All(reports, r => Assert.Equal(
            ["GGIO1.SPCSO1.stVal[ST]", "GGIO1.SPCSO2.stVal[ST]", "GGIO1.SPCSO3.stVal[ST]", "GGIO1.SPCSO4.stVal[ST]"],
            r.Entries.Select(e => e.Reference!.ToString()["simpleIOGenericIO/".Length..])));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.TimeOfEntry!.Value.ToDateTimeOffset() < p.Second.TimeOfEntry!.Value.ToDateTimeOffset()));
    }

    [Fact]
    public async Task IdentifyReadFailureAndClose_RecordedSession_EndsWithConcludeAndRelease()
    {
        await using var replay = ReplayServer.Start(2);
        var client = await Connect(replay);

        var identity = await client.IdentifyAsync();
        var vendor = await client.ReadAsync<string>(ObjectReference.Parse("simpleIOGenericIO/GGIO1.NamPlt.vendor[DC]"));
        var missing = await Assert.ThrowsAsync<Iec61850AccessException>(() => client.ReadAsync(ObjectReference.Parse("simpleIOGenericIO/GGIO1.NoSuchDO.stVal[ST]")));
        var closed = await client.CloseAsync();

        Assert.Empty(replay.Unmatched);
        Assert.Equal(("MZ", "basic io", "1.4.2"), (identity.VendorName, identity.ModelName, identity.Revision));
        Assert.Equal("libiec61850.com", vendor);
        Assert.Equal(Bridge.Adapters.Iec61850.Mms.Pdu.DataAccessError.ObjectNonExistent, missing.Error);
        Assert.Equal(MmsCloseReason.Concluded, closed);
        Assert.Equal(MmsCloseReason.Concluded, (await client.Closed).Reason);
        Assert.Equal(5, client.Association.Negotiated.MaxServOutstandingCalling);
        Assert.Equal(8192, client.Association.Negotiated.TpduSize);
    }

    [Fact]
    public async Task Control_RecordedDirectNormalObject_ReadsItsModelAndOperType()
    {
        await using var replay = ReplayServer.Start(3);
        await using var client = await Connect(replay);

        var control = await client.GetControlObjectAsync(ObjectReference.Parse("simpleIOGenericIO/GGIO1.SPCSO1"));
        var sbo = await client.GetControlObjectAsync(ObjectReference.Parse("simpleIOGenericIO/GGIO1.SPCSO2"));
        await client.SelectAsync(sbo);

        Assert.Empty(replay.Unmatched);
        Assert.Equal(Bridge.Adapters.Iec61850.Client.Control.ControlModel.DirectNormal, control.Model);
        Assert.Equal(Bridge.Adapters.Iec61850.Client.Control.ControlModel.SboNormal, sbo.Model);
        Assert.False(control.HasOperateTime);
        Assert.True(control.HasCheck);
    }

    private static async Task<Iec61850Client> Connect(ReplayServer replay)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Iec61850Client.ConnectAsync(replay.EndPoint.Address.ToString(), replay.EndPoint.Port, cancellationToken: timeout.Token);
    }

    private static async Task<List<Report>> Take(IAsyncEnumerable<Report> reports, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var taken = new List<Report>();
        await foreach (var report in reports.WithCancellation(timeout.Token))
        {
            taken.Add(report);
            if (taken.Count == count)
            {
                break;
            }
        }

        return taken;
    }
}
