using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Tests.Client;

/// <summary>Segmented reports (SubSeqNum, MoreSegmentsFollow) joined back into one, and segments that cannot be.</summary>
public sealed class ReportSegmentJoinerTests
{
    private const ReportOptions Segmented = ReportOptions.SequenceNumber | ReportOptions.EntryId | ReportOptions.Segmentation;

    [Fact]
    public void Add_ReportNotSegmented_PassesUnchanged()
    {
        var joiner = new ReportSegmentJoiner();
        var report = Segment("Events1", 7, part: null, more: null, 0, 1);

        Assert.Same(report, joiner.Add(report));
    }

    [Fact]
    public void Add_ThreeSegments_OneReportWithEveryEntryInDataSetOrder()
    {
        var joiner = new ReportSegmentJoiner();

        var first = joiner.Add(Segment("Events1", 7, 0, true, 2, 0));
        var second = joiner.Add(Segment("Events1", 7, 1, true, 4) with { BufferOverflow = true });
        var whole = joiner.Add(Segment("Events1", 7, 2, false, 1, 3));

        Assert.Null(first);
        Assert.Null(second);
        Assert.NotNull(whole);
        Assert.Equal([0, 1, 2, 3, 4], whole.Entries.Select(e => e.MemberIndex));
        Assert.Equal((7u, (uint?)null, (bool?)null, true), (whole.SequenceNumber!.Value, whole.SubSequenceNumber, whole.MoreSegmentsFollow, whole.BufferOverflow!.Value));
        Assert.Equal(ReportOptions.SequenceNumber | ReportOptions.EntryId, whole.Options);
        Assert.Equal(EntryId(7), whole.EntryId);
        Assert.Equal(0, joiner.SegmentsDropped);
    }

    [Fact]
    public void Add_SegmentsOfTwoBlocksInterleaved_EachJoinedOnItsOwn()
    {
        var joiner = new ReportSegmentJoiner();

        Assert.Null(joiner.Add(Segment("Events1", 1, 0, true, 0)));
        Assert.Null(joiner.Add(Segment("Meas1", 9, 0, true, 3)));
        var events = joiner.Add(Segment("Events1", 1, 1, false, 1));
        var meas = joiner.Add(Segment("Meas1", 9, 1, false, 4));

        Assert.Equal("Events1", events!.ReportId);
        Assert.Equal([0, 1], events.Entries.Select(e => e.MemberIndex));
        Assert.Equal("Meas1", meas!.ReportId);
        Assert.Equal([3, 4], meas.Entries.Select(e => e.MemberIndex));
    }

    [Theory]
    [InlineData(7u, 2u)] // a segment skipped
    [InlineData(8u, 1u)] // the next report began before this one ended
    public void Add_SegmentOutOfSequence_ReportInProgressDroppedAndCounted(uint sequence, uint part)
    {
        var joiner = new ReportSegmentJoiner();
        joiner.Add(Segment("Events1", 7, 0, true, 0));

        var next = joiner.Add(Segment("Events1", sequence, part, false, 2));

        Assert.Null(next);
        Assert.True(joiner.TryPollDropped(out var dropped));
        Assert.Equal((SegmentDropReason.OutOfSequence, "Events1", 1), dropped);
        Assert.True(joiner.TryPollDropped(out var orphan));
        Assert.Equal(SegmentDropReason.FirstSegmentMissing, orphan.Reason);
        Assert.Equal(2, joiner.SegmentsDropped);
    }

    [Fact]
    public void Add_AfterADroppedReport_TheNextJoinsAgain()
    {
        var joiner = new ReportSegmentJoiner();
        joiner.Add(Segment("Events1", 7, 1, true, 0));

        joiner.Add(Segment("Events1", 8, 0, true, 0));
        var whole = joiner.Add(Segment("Events1", 8, 1, false, 1));

        Assert.Equal([0, 1], whole!.Entries.Select(e => e.MemberIndex));
        Assert.Equal(1, joiner.SegmentsDropped);
    }

    [Fact]
    public void Add_SegmentsNamingAMemberTwice_Dropped()
    {
        var joiner = new ReportSegmentJoiner();
        joiner.Add(Segment("Events1", 7, 0, true, 0, 1));

        var whole = joiner.Add(Segment("Events1", 7, 1, false, 1));

        Assert.Null(whole);
        Assert.True(joiner.TryPollDropped(out var dropped));
        Assert.Equal((SegmentDropReason.InconsistentMembers, 2), (dropped.Reason, dropped.Segments));
    }

    [Fact]
    public void Add_MoreSegmentsThanTheDataSetHasMembers_Dropped()
    {
        var joiner = new ReportSegmentJoiner();
        for (var part = 0u; part < 5; part++)
        {
            Assert.Null(joiner.Add(Segment("Events1", 7, part, true, (int)part)));
        }

        Assert.True(joiner.TryPollDropped(out var dropped));
        Assert.Equal((SegmentDropReason.InconsistentMembers, 5), (dropped.Reason, dropped.Segments));
    }

    private static Report Segment(string reportId, uint sequence, uint? part, bool? more, params int[] members)
        => new(
            reportId,
            part is null ? ReportOptions.SequenceNumber | ReportOptions.EntryId : Segmented,
            sequence,
            null,
            null,
            false,
            EntryId(sequence),
            null,
            part,
            more,
            DataSetSize: 5,
            [.. members.Select(m => new ReportEntry(m, null, new MmsInteger(m), null))]);

    private static byte[] EntryId(uint sequence) => [0, 0, 0, 0, 0, 0, 0, (byte)sequence];
}
