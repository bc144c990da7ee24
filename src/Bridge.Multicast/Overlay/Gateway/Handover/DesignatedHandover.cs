using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway.Membership;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Gateway.Handover;

/// <summary>
/// Make-before-break when a transit gateway stands down for a group its successor in the domain
/// takes over: it keeps wanting the group, and keeps delivering it (held back, see
/// <see cref="Forwarding.GatewayForwarding"/>), until <see cref="GatewayOptions.HandoverTime"/>
/// after the successor's own advertisement of the group reached the link-state database (by then
/// the ingress gateways have it too, and what they sent along the old trees has arrived), or for
/// twice the hold time and the handover time if that never comes, plus the longest member report
/// hold when members are learned (a successor that learns members must first hear a report).
/// Meanwhile both gateways may deliver a frame; receivers drop the second copy by (source,
/// sequence), as they do any duplicate.
/// </summary>
/// <remarks>
/// <para>
/// Call order: <see cref="HandleStoodDown"/> and <see cref="HandleBecameDesignated"/> for the
/// election's events, <see cref="HandleAdvertisement"/> for each origin whose advertisement
/// changed the database, <see cref="HandleTimeout"/> when <see cref="GatewayTimer.HandoverEnd"/>
/// has expired. Each returns whether the set of covered groups changed, and so what the gateway
/// wants. It sends nothing and raises no event itself.
/// </para>
/// <para>
/// Invariants: a group is covered only on a transit gateway that carries it and stood down for it
/// to a successor that did not yet advertise it; the <see cref="GatewayTimer.HandoverEnd"/> slot
/// holds the earliest end of a covered group, or is stopped when none is covered.
/// </para>
/// </remarks>
internal sealed class DesignatedHandover
{
    private readonly GatewayOptions _options;
    private readonly IReadOnlyDictionary<string, GroupName> _carried;
    private readonly LinkStateFlooding? _flooding;
    private readonly DomainMembership _membership;
    private readonly GatewayTimerTable _timers;
    private readonly Dictionary<GroupName, Cover> _covered = [];

    public DesignatedHandover(GatewayOptions options, IReadOnlyDictionary<string, GroupName> carried, LinkStateFlooding? flooding, DomainMembership membership, GatewayTimerTable timers)
    {
        _options = options;
        _carried = carried;
        _flooding = flooding;
        _membership = membership;
        _timers = timers;
    }

    /// <summary>How many groups this gateway stood down for and still covers.</summary>
    public int Count => _covered.Count;

    /// <summary>Whether this gateway still covers <paramref name="group"/> for its successor.</summary>
    public bool Covers(GroupName group) => _covered.ContainsKey(group);

    /// <summary>The election made this gateway stand down for <paramref name="group"/> in favour of <paramref name="successor"/>.</summary>
    public bool HandleStoodDown(TimeSpan now, GroupName group, GatewayId? successor)
    {
        if (_flooding is null || successor is not { } heir || !_carried.ContainsKey(group.WireName) || Advertises(heir, group))
        {
            return false;
        }

        var limit = (2 * _options.HoldTime) + _options.HandoverTime + (_options.LearnMembers ? _membership.LongestReportHold : TimeSpan.Zero);
        _covered[group] = new Cover(heir, now + limit, SuccessorSeen: false);
        Arm();
        return true;
    }

    /// <summary>This gateway is designated for <paramref name="group"/> again: nothing is left to cover.</summary>
    public bool HandleBecameDesignated(GroupName group)
    {
        if (!_covered.Remove(group))
        {
            return false;
        }

        Arm();
        return true;
    }

    /// <summary>
    /// The advertisement of <paramref name="origin"/> changed the database: the handovers to it
    /// whose group it now advertises end the handover time from now (or sooner, as before).
    /// </summary>
    public void HandleAdvertisement(TimeSpan now, GatewayId origin)
    {
        List<(GroupName, Cover)>? seen = null;
        foreach (var (group, cover) in _covered)
        {
            if (cover.Successor == origin && !cover.SuccessorSeen && Advertises(origin, group))
            {
                (seen ??= []).Add((group, cover));
            }
        }

        if (seen is null)
        {
            return;
        }

        foreach (var (group, cover) in seen)
        {
            var end = now + _options.HandoverTime;
            _covered[group] = cover with { Until = cover.Until < end ? cover.Until : end, SuccessorSeen = true };
        }

        Arm();
    }

    /// <summary>Ends the handovers whose time is over; whether any.</summary>
    public bool HandleTimeout(TimeSpan now)
    {
        if (!_timers.IsExpired(GatewayTimer.HandoverEnd, now))
        {
            return false;
        }

        var ended = _covered.Where(c => c.Value.Until <= now).Select(static c => c.Key).ToList();
        foreach (var group in ended)
        {
            _covered.Remove(group);
        }

        Arm();
        return ended.Count > 0;
    }

    public TimeSpan? PollTimeout() => _timers.Get(GatewayTimer.HandoverEnd);

    /// <summary>
    /// Whether <paramref name="gateway"/> advertises <paramref name="group"/> and is reachable: a
    /// gateway that died and restarts may still have its old advertisement in the database, which
    /// names the group but whose links its neighbours have dropped.
    /// </summary>
    private bool Advertises(GatewayId gateway, GroupName group)
    {
        var database = _flooding!.Database;
        return database.TryGet(gateway, out var advertisement)
            && advertisement.Groups.Contains(group)
            && advertisement.Links.Any(link => database.IsUsable(gateway, link.Neighbor));
    }

    /// <summary>Handovers change a few times per failure, so the earliest end is found when they do, not when the table is read.</summary>
    private void Arm()
    {
        TimeSpan? earliest = null;
        foreach (var cover in _covered.Values)
        {
            if (earliest is not { } e || cover.Until < e)
            {
                earliest = cover.Until;
            }
        }

        _timers.SetOrStop(GatewayTimer.HandoverEnd, earliest);
    }

    /// <summary>A group covered for <paramref name="Successor"/> until <paramref name="Until"/>; shortened once the successor advertises it.</summary>
    private readonly record struct Cover(GatewayId Successor, TimeSpan Until, bool SuccessorSeen);
}
