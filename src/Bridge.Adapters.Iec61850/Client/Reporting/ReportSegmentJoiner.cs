namespace Bridge.Adapters.Iec61850.Client.Reporting;

/// <summary>Why segments of a report were given up (<see cref="ReportSegmentJoiner"/>).</summary>
public enum SegmentDropReason
{
    /// <summary>A segment that does not follow the one before: another SqNum, or a SubSeqNum that skips or repeats.</summary>
    OutOfSequence,

    /// <summary>A segment other than the first (SubSeqNum above 0) with no report in progress: its first segment was missed.</summary>
    FirstSegmentMissing,

    /// <summary>The segments name a data set member twice, or more members than the data set has.</summary>
    InconsistentMembers,
}

/// <summary>
/// Joins a report that the IED sent in segments back into one report. IEC 61850-7-2 §17.2.3.2
/// and 8-1 §17.2.3.2 let a server split a report too large for one MMS PDU: every segment carries
/// the report's SqNum, SubSeqNum counts the segments from 0, and MoreSegmentsFollow is true on all
/// but the last. A report that is not segmented passes unchanged. Pure and single-threaded: the
/// client feeds it from its receive loop, in arrival order.
/// </summary>
/// <remarks>
/// The joined report has the header of its first segment (RptID, SqNum, TimeOfEntry, DatSet,
/// EntryID, ConfRev), BufOvfl true if any segment said so, the entries of every segment in data
/// set order, and no SubSeqNum, MoreSegmentsFollow or segmentation option. Segments of different
/// RptIDs may interleave. A segment out of sequence ends the report in progress, whose segments
/// are dropped (<see cref="SegmentsDropped"/>, <see cref="TryPollDropped"/>): half a report would tell a
/// group that the other members did not change.
/// </remarks>
public sealed class ReportSegmentJoiner
{
    private readonly Dictionary<string, InProgress> _inProgress = new(StringComparer.Ordinal);
    private readonly List<(SegmentDropReason Reason, string ReportId, int Segments)> _dropped = [];

    /// <summary>Segments given up so far.</summary>
    public long SegmentsDropped { get; private set; }

    /// <summary>Reports whose segments were given up since the last <see cref="TryPollDropped"/>, with why.</summary>
    public bool TryPollDropped(out (SegmentDropReason Reason, string ReportId, int Segments) dropped)
    {
        if (_dropped.Count == 0)
        {
            dropped = default;
            return false;
        }

        dropped = _dropped[0];
        _dropped.RemoveAt(0);
        return true;
    }

    /// <summary>Takes one decoded report or segment; returns the whole report once it is complete, else null.</summary>
    public Report? Add(Report segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var part = segment.SubSequenceNumber ?? 0;
        var more = segment.MoreSegmentsFollow ?? false;
        if (_inProgress.TryGetValue(segment.ReportId, out var progress)
            && (progress.First.SequenceNumber != segment.SequenceNumber || progress.NextPart != part))
        {
            _inProgress.Remove(segment.ReportId);
            Drop(SegmentDropReason.OutOfSequence, segment.ReportId, progress.Parts.Count);
            progress = null;
        }

        if (progress is null)
        {
            if (part != 0)
            {
                Drop(SegmentDropReason.FirstSegmentMissing, segment.ReportId, 1);
                return null;
            }

            if (!more)
            {
                return segment;
            }

            _inProgress[segment.ReportId] = new InProgress(segment);
            return null;
        }

        progress.Parts.Add(segment);
        if (more)
        {
            // Each segment includes at least one member, so a data set of N members never needs more than N.
            if (progress.Parts.Count >= Math.Max(1, progress.First.DataSetSize))
            {
                _inProgress.Remove(segment.ReportId);
                Drop(SegmentDropReason.InconsistentMembers, segment.ReportId, progress.Parts.Count);
            }

            return null;
        }

        _inProgress.Remove(segment.ReportId);
        return Join(progress.Parts);
    }

    private Report? Join(List<Report> parts)
    {
        var first = parts[0];
        var entries = parts.SelectMany(p => p.Entries).OrderBy(e => e.MemberIndex).ToList();
        var distinct = entries.Select(e => e.MemberIndex).Distinct().Count();
        if (distinct != entries.Count || entries.Count > first.DataSetSize || parts.Any(p => p.DataSetSize != first.DataSetSize))
        {
            Drop(SegmentDropReason.InconsistentMembers, first.ReportId, parts.Count);
            return null;
        }

        return first with
        {
            Options = first.Options & ~ReportOptions.Segmentation,
            BufferOverflow = parts.Any(p => p.BufferOverflow == true) ? true : first.BufferOverflow,
            SubSequenceNumber = null,
            MoreSegmentsFollow = null,
            Entries = entries,
        };
    }

    private void Drop(SegmentDropReason reason, string reportId, int segments)
    {
        SegmentsDropped += segments;
        _dropped.Add((reason, reportId, segments));
    }

    private sealed class InProgress(Report first)
    {
        public Report First { get; } = first;

        public List<Report> Parts { get; } = [first];

        public uint NextPart => (uint)Parts.Count;
    }
}
