using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway.Membership;

/// <summary>
/// Which carried groups the gateway's own domain wants, learned from the member reports its
/// receivers multicast on <see cref="GatewayOptions.MembersGroup"/> (with
/// <see cref="GatewayOptions.LearnMembers"/>); without learning, the domain wants every group.
/// </summary>
/// <remarks>
/// <para>
/// A report is a gateway hello (wire-format §5.1.2) whose id names the receiver and whose groups
/// are those it has joined; it holds for the hold time it announces, and replaces the receiver's
/// previous report, so an empty report is a leave. At most <see cref="GatewayOptions.MaxSources"/>
/// receivers are remembered; a report from one more is counted but not kept.
/// </para>
/// <para>
/// Call order: <see cref="HandleReport"/> for each frame on the members group;
/// <see cref="HandleTimeout"/> when <see cref="GatewayTimer.MemberExpiry"/> has expired; after
/// either, the owner drains <see cref="TryPollEvent"/> (refused reports) and, when the call
/// returned true, recomputes what the gateway wants. <see cref="PollTimeout"/> is the
/// <see cref="GatewayTimer.MemberExpiry"/> slot of the shared table.
/// </para>
/// <para>
/// Invariants: the <see cref="GatewayTimer.MemberExpiry"/> slot holds the earliest expiry of a
/// remembered report, or is stopped when none is; <see cref="HasReportedMembers"/> is true for a
/// group exactly while a remembered, unexpired report names it. Expiries wait in a queue ordered
/// by time, where a refreshed report leaves its older entry behind; the queue is compacted
/// before it grows past twice the reports it stands for.
/// </para>
/// </remarks>
internal sealed class DomainMembership
{
    private readonly GatewayOptions _options;
    private readonly GatewayTimerTable _timers;
    private readonly GatewayCounters _counters;
    private readonly GatewayOutbox _outbox = new();
    private readonly Dictionary<GatewayId, MemberReport> _members = [];
    private readonly Dictionary<GroupName, int> _reporting = [];
    private readonly PriorityQueue<GatewayId, TimeSpan> _expiries = new();

    public DomainMembership(GatewayOptions options, GatewayTimerTable timers, GatewayCounters counters)
    {
        _options = options;
        _timers = timers;
        _counters = counters;
    }

    /// <summary>The longest hold time a report has announced yet: how long a successor may need to hear one.</summary>
    public TimeSpan LongestReportHold { get; private set; }

    /// <summary>How many receivers have a report remembered now.</summary>
    public int Members => _members.Count;

    /// <summary>Whether the domain wants <paramref name="group"/>: always, unless members are learned, then while a live report names it.</summary>
    public bool HasReportedMembers(GroupName group) => !_options.LearnMembers || _reporting.ContainsKey(group);

    /// <summary>
    /// The member ids (the source ids in the reports' <c>member-</c> ids) whose live report names
    /// <paramref name="group"/>, for the aggregation of a request in this domain; null when members
    /// are not learned, and so not known.
    /// </summary>
    public IReadOnlyCollection<ulong>? MemberIdsOf(GroupName group)
    {
        if (!_options.LearnMembers)
        {
            return null;
        }

        var ids = new List<ulong>();
        foreach (var (member, report) in _members)
        {
            if (report.Groups.Contains(group) && TryParseMemberId(member.Value, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>
    /// A frame arrived on the members group. A fragment or a payload that is not a member report is
    /// refused, counted and raised; a report is remembered. Returns whether a report was taken,
    /// and so the domain's wants may have changed.
    /// </summary>
    public bool HandleReport(TimeSpan now, in GridCastFrame frame)
    {
        if (frame.IsFragment)
        {
            Reject(GatewayRejection.FragmentedMemberReport, null);
            return false;
        }

        if (!MemberReportCodec.TryDecode(frame.Payload.Span, out var report, out var error))
        {
            Reject(GatewayRejection.MalformedMemberReport, error);
            return false;
        }

        // The frame's source names the member (wire-format §5.1.2.1); the report carries no id.
        var memberId = MemberReportFormat.MemberId(frame.SourceId);
        _counters.MemberReports++;
        if (report.Groups.Count == 0)
        {
            Forget(memberId);
        }
        else if (_members.Count < _options.MaxSources || _members.ContainsKey(memberId))
        {
            Forget(memberId);
            var expiresAt = now + report.HoldTime;
            var member = new MemberReport([.. report.Groups], expiresAt);
            _members[memberId] = member;
            foreach (var group in member.Groups)
            {
                _reporting[group] = _reporting.GetValueOrDefault(group) + 1;
            }

            _expiries.Enqueue(memberId, expiresAt);
            if (report.HoldTime > LongestReportHold)
            {
                LongestReportHold = report.HoldTime;
            }
        }

        Compact();
        Arm();
        return true;
    }

    /// <summary>Forgets the reports whose hold time has run out; whether any.</summary>
    public bool HandleTimeout(TimeSpan now)
    {
        if (!_timers.IsExpired(GatewayTimer.MemberExpiry, now))
        {
            return false;
        }

        var expired = false;
        while (_expiries.TryPeek(out var member, out var at) && at <= now)
        {
            _expiries.Dequeue();
            if (_members.TryGetValue(member, out var report) && report.ExpiresAt <= now)
            {
                Forget(member);
                expired = true;
            }
        }

        Arm();
        return expired;
    }

    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _outbox.TryPollEvent(out gatewayEvent);

    public TimeSpan? PollTimeout() => _timers.Get(GatewayTimer.MemberExpiry);

    /// <summary>Reads <c>member-</c> and 16 hexadecimal digits (wire-format §5.1.2); other reporters have no member id to count.</summary>
    private static bool TryParseMemberId(string id, out ulong memberId)
    {
        const string Prefix = "member-";
        memberId = 0;
        return id.Length == Prefix.Length + 16
            && id.StartsWith(Prefix, StringComparison.Ordinal)
            && ulong.TryParse(id.AsSpan(Prefix.Length), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out memberId);
    }

    private void Forget(GatewayId member)
    {
        if (!_members.Remove(member, out var report))
        {
            return;
        }

        foreach (var group in report.Groups)
        {
            var left = _reporting[group] - 1;
            if (left == 0)
            {
                _reporting.Remove(group);
            }
            else
            {
                _reporting[group] = left;
            }
        }
    }

    /// <summary>Drops stale entries at the head, so the slot holds the earliest live expiry.</summary>
    private void Arm()
    {
        while (_expiries.TryPeek(out var member, out var at) && !(_members.TryGetValue(member, out var report) && report.ExpiresAt == at))
        {
            _expiries.Dequeue();
        }

        _timers.SetOrStop(GatewayTimer.MemberExpiry, _expiries.TryPeek(out _, out var next) ? next : null);
    }

    /// <summary>A receiver that reports often leaves an entry per report behind; rebuild once they outnumber the live ones.</summary>
    private void Compact()
    {
        if (_expiries.Count <= (2 * _members.Count) + 16)
        {
            return;
        }

        _expiries.Clear();
        foreach (var (member, report) in _members)
        {
            _expiries.Enqueue(member, report.ExpiresAt);
        }
    }

    private void Reject(GatewayRejection reason, Enum? cause)
    {
        _counters.CountRejection(reason);
        _outbox.Raise(new InputRejected(null, reason, cause));
    }

    /// <summary>The groups a reporting member of the domain has joined, until <paramref name="ExpiresAt"/>.</summary>
    private readonly record struct MemberReport(HashSet<GroupName> Groups, TimeSpan ExpiresAt);
}
