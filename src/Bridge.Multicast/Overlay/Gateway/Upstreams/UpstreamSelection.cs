using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway.Upstreams;

/// <summary>
/// A leaf gateway's choice of upstream: it uses the first live upstream in the order of
/// preference, asks it for the groups the leaf carries (a hello on the link whose groups are the
/// interest), and returns to the preferred one make-before-break when it comes back.
/// </summary>
/// <remarks>
/// <para>
/// Failing over (the active upstream is down) is immediate. Returning from a live upstream to a
/// preferred one that came back starts an <see cref="UpstreamReturn"/>: a gateway that has just
/// started is not yet on the trees, so the leaf asks it for its whole interest but keeps asking
/// the other one for every group the preferred one has not yet delivered a relay of (and the
/// forwarding sends what the domain publishes in such a group to both, <see cref="UpstreamsFor"/>).
/// A group is confirmed by the first relay of it from the preferred upstream; the other upstream
/// keeps it for <see cref="GatewayOptions.HandoverTime"/> more, because what was already on its
/// way along the longer path still arrives there. A group that sees no traffic is never confirmed
/// and is let go after <see cref="GatewayOptions.UpstreamReturnTime"/>. Once the other upstream
/// holds no group it is released (asked for nothing) and <see cref="UpstreamReturnEnded"/> is raised.
/// </para>
/// <para>
/// Call order: the owner updates the <see cref="OverlayPeerTable"/> first, then calls
/// <see cref="HandleUpstreamUp"/> or <see cref="HandleUpstreamDown"/>; <see cref="HandleRelayFrom"/>
/// for every relay from an upstream, before duplicate suppression (a copy the other upstream
/// delivered first still shows that the preferred one delivers the group);
/// <see cref="HandleInterest"/> whenever the leaf's interest changed; <see cref="HandleTimeout"/>
/// when <see cref="GatewayTimer.UpstreamReturn"/> has expired. After each, it drains
/// <see cref="TryPollTransmit"/> and <see cref="TryPollEvent"/>.
/// </para>
/// <para>
/// Invariants: <see cref="ActiveUpstream"/> is the first configured upstream that is up, or null;
/// a return exists only while both its upstreams are up and the leaf wants a group it holds; the
/// <see cref="GatewayTimer.UpstreamReturn"/> slot holds the return's next release, or is stopped
/// when no return runs; <see cref="UpstreamChanged"/> and <see cref="UpstreamReturnEnded"/> come
/// in the order the changes happened.
/// </para>
/// </remarks>
internal sealed class UpstreamSelection
{
    private readonly GatewayOptions _options;
    private readonly OverlayPeerTable _peers;
    private readonly ControlFrameEncoder _control;
    private readonly GatewayTimerTable _timers;
    private readonly GatewayOutbox _outbox = new();
    private IReadOnlyList<GroupName> _interest = [];
    private UpstreamReturn? _return;

    public UpstreamSelection(GatewayOptions options, OverlayPeerTable peers, ControlFrameEncoder control, GatewayTimerTable timers)
    {
        _options = options;
        _peers = peers;
        _control = control;
        _timers = timers;
    }

    /// <summary>The upstream in use, or null when none is up.</summary>
    public GatewayId? ActiveUpstream { get; private set; }

    /// <summary>During a return, the upstream the leaf came back from; otherwise null.</summary>
    public GatewayId? ReturningFrom => _return?.Previous;

    /// <summary>During a return, the groups the preferred upstream has not delivered yet; otherwise empty.</summary>
    public IReadOnlyCollection<GroupName> UnconfirmedGroups => _return is { } r ? [.. r.Unconfirmed] : [];

    /// <summary>The upstreams for <paramref name="group"/>: the active one, and during a return the previous one while it still holds the group.</summary>
    public GatewayId[] UpstreamsFor(GroupName group)
    {
        if (ActiveUpstream is not { } active)
        {
            return [];
        }

        return _return is { } returning && returning.Holds(group) ? [.. new[] { active, returning.Previous }.Order()] : [active];
    }

    /// <summary>Whether, during a return, the upstream the leaf came back from still holds <paramref name="group"/>.</summary>
    public bool PreviousHolds(GroupName group) => _return is { } returning && returning.Holds(group);

    /// <summary>A link to an upstream came up (the peer table has it already).</summary>
    public void HandleUpstreamUp(TimeSpan now) => Choose(now);

    /// <summary>The link to upstream <paramref name="upstream"/> went down (the peer table no longer has it).</summary>
    public void HandleUpstreamDown(TimeSpan now, GatewayId upstream)
    {
        if (_return?.Previous == upstream)
        {
            EndReturn(now, UpstreamReturnEnd.PreviousDown);
        }

        Choose(now);
    }

    /// <summary>
    /// A relay of <paramref name="group"/> came from upstream <paramref name="from"/>: during a
    /// return, the first from the preferred upstream confirms the group, which the one the leaf
    /// came back from then keeps for one handover time more.
    /// </summary>
    public void HandleRelayFrom(TimeSpan now, GatewayId from, GroupName group)
    {
        if (_return is not { } returning || from != ActiveUpstream || !returning.Confirm(group, now + _options.HandoverTime))
        {
            return;
        }

        if (_options.HandoverTime == TimeSpan.Zero)
        {
            Release(now, returning);
        }

        Arm();
    }

    /// <summary>
    /// The leaf now wants <paramref name="interest"/>, of which <paramref name="added"/> are new:
    /// the active upstream is asked for it; during a return, groups newly wanted wait for
    /// confirmation too and those no longer wanted are not waited for.
    /// </summary>
    public void HandleInterest(TimeSpan now, IReadOnlyList<GroupName> interest, IEnumerable<GroupName> added)
    {
        _interest = interest;
        if (ActiveUpstream is not { } upstream)
        {
            return;
        }

        SendInterest(upstream, interest);
        if (_return is { } returning)
        {
            returning.Follow(interest, added);
            if (returning.IsEmpty)
            {
                EndReturn(now, returning.TimedOut > 0 ? UpstreamReturnEnd.TimedOut : UpstreamReturnEnd.Confirmed);
            }
            else
            {
                SendInterest(returning.Previous, returning.HeldInOrder());
            }

            Arm();
        }
    }

    /// <summary>Lets go of the groups whose time with the upstream the leaf came back from is over.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_timers.IsExpired(GatewayTimer.UpstreamReturn, now) && _return is { } returning)
        {
            Release(now, returning);
            Arm();
        }
    }

    public bool TryPollTransmit(out GatewayTransmit transmit) => _outbox.TryPollTransmit(out transmit);

    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _outbox.TryPollEvent(out gatewayEvent);

    public TimeSpan? PollTimeout() => _timers.Get(GatewayTimer.UpstreamReturn);

    /// <summary>
    /// Makes the first live upstream in the order of preference the active one. Failing over is
    /// immediate; returning from a live upstream to a preferred one starts a return.
    /// </summary>
    private void Choose(TimeSpan now)
    {
        GatewayId? next = null;
        foreach (var upstream in _options.Upstreams)
        {
            if (_peers.IsUp(upstream))
            {
                next = upstream;
                break;
            }
        }

        var previous = ActiveUpstream;
        if (next == previous)
        {
            return;
        }

        ActiveUpstream = next;
        if (_return is { } abandoned)
        {
            // The upstream it was returning to failed: the one it came from still holds the whole
            // interest but the groups already confirmed, and gets it all again below.
            _return = null;
            _outbox.Raise(new UpstreamReturnEnded(abandoned.Previous, previous!.Value, abandoned.Confirmed, abandoned.Unconfirmed.Count(), now - abandoned.Started, UpstreamReturnEnd.PreferredDown));
        }

        if (next is { } chosen)
        {
            SendInterest(chosen, _interest);
            if (previous is { } old && _peers.IsUp(old) && _interest.Count > 0)
            {
                // Make-before-break: the old upstream keeps the whole interest for now.
                _return = new UpstreamReturn(old, now, now + _options.UpstreamReturnTime, _interest);
            }
            else if (previous is { } idle && _peers.IsUp(idle))
            {
                SendInterest(idle, []);
            }
        }

        _outbox.Raise(new UpstreamChanged(previous, next, KeepsPrevious: _return is not null));
        Arm();
    }

    /// <summary>Lets go of the groups whose time is over: the previous upstream is asked for the rest, and when none is left the return ends.</summary>
    private void Release(TimeSpan now, UpstreamReturn returning)
    {
        if (!returning.Release(now))
        {
            return;
        }

        if (returning.IsEmpty)
        {
            EndReturn(now, returning.TimedOut > 0 ? UpstreamReturnEnd.TimedOut : UpstreamReturnEnd.Confirmed);
        }
        else
        {
            SendInterest(returning.Previous, returning.HeldInOrder());
        }
    }

    /// <summary>Ends the return: the upstream the leaf came back from, when still up, is asked for nothing.</summary>
    private void EndReturn(TimeSpan now, UpstreamReturnEnd how)
    {
        var returning = _return!;
        _return = null;
        if (how != UpstreamReturnEnd.PreviousDown)
        {
            SendInterest(returning.Previous, []);
        }

        var unconfirmed = returning.TimedOut + returning.Unconfirmed.Count();
        _outbox.Raise(new UpstreamReturnEnded(returning.Previous, ActiveUpstream!.Value, returning.Confirmed, unconfirmed, now - returning.Started, how));
        Arm();
    }

    private void SendInterest(GatewayId upstream, IReadOnlyList<GroupName> groups)
    {
        var interest = LeafInterestCodec.Encode(new LeafInterest(_options.Id, groups));
        _outbox.Send(GatewayTransmit.ToPeer(upstream, _control.EncodeForPeer(FrameType.Membership, OverlayGateway.LinkGroup, interest)));
    }

    private void Arm() => _timers.SetOrStop(GatewayTimer.UpstreamReturn, _return?.NextDeadline);
}
