using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// Decides when a group socket reports its joined groups to the gateways of its domain: at once
/// after every join or leave, then every <see cref="Interval"/> while any group is joined (so a
/// gateway that restarted, or lost a report, learns the members again within one interval), and
/// one last, empty report when the socket closes, so gateways stop carrying its groups at once
/// rather than when the last report expires. With no group joined it stays quiet: the empty
/// report after the last leave says so once.
/// </summary>
/// <remarks>
/// <para>
/// Sans-IO, like <see cref="GroupEndpoint"/>: the driver passes the time in and sends what it
/// polls out. Call order: <see cref="HandleGroupsChanged"/> after every join or leave;
/// <see cref="HandleTimeout"/> once the deadline of <see cref="PollTimeout"/> has come;
/// <see cref="Close"/> once, when the socket closes; after each of these, drain
/// <see cref="TryPollReport"/> and re-arm the timer from <see cref="PollTimeout"/>.
/// </para>
/// <para>
/// Invariants: single-threaded; <c>now</c> is monotonic. A change is never reported before the
/// driver's next timeout, so several joins in one burst are reported together. Reports are
/// numbered from 1 without gaps. After <see cref="Close"/> nothing is due and later changes are ignored.
/// </para>
/// </remarks>
public sealed class MembershipReportSchedule
{
    private readonly Queue<MembershipReport> _reports = new();
    private GroupName[] _groups = [];
    private TimeSpan? _due;
    private ulong _sequence;
    private bool _closed;

    /// <summary>Creates the schedule of the socket <paramref name="sourceId"/>, repeating every <paramref name="interval"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public MembershipReportSchedule(ulong sourceId, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        SourceId = sourceId;
        Interval = interval;
    }

    /// <summary>The source id the reports name.</summary>
    public ulong SourceId { get; }

    /// <summary>How often a report is repeated while groups are joined.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The groups joined now changed to <paramref name="joined"/>: a report is due at once.</summary>
    public void HandleGroupsChanged(TimeSpan now, IEnumerable<GroupName> joined)
    {
        ArgumentNullException.ThrowIfNull(joined);
        if (_closed)
        {
            return;
        }

        _groups = [.. joined];
        _due = now;
    }

    /// <summary>
    /// The timer fired: when a report is due, queues it with the groups joined now and schedules
    /// the next one an interval later, or none when no group is joined.
    /// </summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_due is not { } due || due > now)
        {
            return;
        }

        Enqueue(_groups);
        _due = _groups.Length > 0 ? now + Interval : null;
    }

    /// <summary>The socket closes: queues a withdrawal when groups are still joined, and stops.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _due = null;
        if (_groups.Length > 0)
        {
            Enqueue([]);
        }
    }

    /// <summary>When <see cref="HandleTimeout"/> is to be called next; null when no report is due.</summary>
    public TimeSpan? PollTimeout() => _due;

    /// <summary>The next report to send, in order.</summary>
    public bool TryPollReport([NotNullWhen(true)] out MembershipReport? report)
        => _reports.TryDequeue(out report);

    private void Enqueue(GroupName[] groups)
        => _reports.Enqueue(new MembershipReport(SourceId, ++_sequence, Interval, groups));
}
