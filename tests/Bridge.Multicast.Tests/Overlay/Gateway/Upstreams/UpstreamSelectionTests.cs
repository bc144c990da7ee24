using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Gateway.Upstreams;
using Bridge.Multicast.Overlay.Routing;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Upstreams;

/// <summary>
/// A leaf's upstream selection on its own: the first live upstream is used, failover is at once,
/// the return to the preferred one keeps the other until each group is confirmed (or the return
/// time ends), and the <see cref="GatewayTimer.UpstreamReturn"/> slot runs exactly while a return does.
/// </summary>
public sealed class UpstreamSelectionTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId Up1 = new("gw-core1");
    private static readonly GatewayId Up2 = new("gw-core2");
    private static readonly GroupName Group = GatewayWorld.Group;
    private static readonly GroupName Second = GroupName.Parse("ham:sg:outage.notice");
    private static readonly GatewayOptions Options = new() { Id = new("home-1"), Role = GatewayRole.Leaf, Upstreams = [Up1, Up2], Carry = [Group, Second] };

    [Fact]
    public void HandleUpstreamUp_OnlyTheSecond_UsedAndAskedForTheInterest()
    {
        var (selection, peers, timers) = Create();
        selection.HandleInterest(TimeSpan.Zero, [Group], [Group]);
        Assert.Empty(Sent(selection)); // no upstream yet: nobody to ask

        peers.Add(Up2, PeerKind.Upstream);
        selection.HandleUpstreamUp(Ms);

        Assert.Equal(Up2, selection.ActiveUpstream);
        Assert.Equal([[Group]], InterestsTo(Sent(selection), Up2));
        Assert.Equal(new UpstreamChanged(null, Up2, KeepsPrevious: false), Assert.Single(Events(selection)));
        Assert.Equal([Up2], selection.UpstreamsFor(Group));
        Assert.Null(timers.Get(GatewayTimer.UpstreamReturn));
    }

    [Fact]
    public void HandleUpstreamDown_TheActiveOne_FailsOverAtOnce()
    {
        var (selection, peers, timers) = Create();
        selection.HandleInterest(TimeSpan.Zero, [Group], [Group]);
        peers.Add(Up1, PeerKind.Upstream);
        peers.Add(Up2, PeerKind.Upstream);
        selection.HandleUpstreamUp(TimeSpan.Zero);
        Sent(selection);
        Events(selection);

        peers.Remove(Up1, out _);
        selection.HandleUpstreamDown(Ms, Up1);

        Assert.Equal(Up2, selection.ActiveUpstream);
        Assert.Equal([[Group]], InterestsTo(Sent(selection), Up2));
        Assert.Equal(new UpstreamChanged(Up1, Up2, KeepsPrevious: false), Assert.Single(Events(selection)));
        Assert.Null(selection.ReturningFrom);
        Assert.Null(timers.Get(GatewayTimer.UpstreamReturn));
    }

    [Fact]
    public void HandleUpstreamUp_PreferredComesBack_ReturnStartsWithTheTimerAtTheReturnTime()
    {
        var (selection, _, timers, now) = OnSecond([Group, Second]);

        var sent = Sent(selection);

        Assert.Equal((Up1, Up2), (selection.ActiveUpstream, selection.ReturningFrom));
        Assert.Equal([[Group, Second]], InterestsTo(sent, Up1));
        Assert.Empty(InterestsTo(sent, Up2)); // the other keeps everything for now
        Assert.Equal([Group, Second], selection.UnconfirmedGroups.OrderBy(static g => g.WireName, StringComparer.Ordinal));
        Assert.Equal(now + Options.UpstreamReturnTime, timers.Get(GatewayTimer.UpstreamReturn));
        Assert.Equal([Up1, Up2], selection.UpstreamsFor(Group));
        Assert.True(selection.PreviousHolds(Second));
    }

    [Fact]
    public void HandleRelayFrom_ThePreferred_ConfirmsAndTheOtherLetsGoOneHandoverTimeLater()
    {
        var (selection, _, timers, now) = OnSecond([Group, Second]);
        Sent(selection);
        Events(selection);

        selection.HandleRelayFrom(now + Ms, Up2, Group); // the old upstream confirms nothing
        Assert.Equal(2, selection.UnconfirmedGroups.Count);
        selection.HandleRelayFrom(now + (2 * Ms), Up1, Group);

        Assert.Equal([Second], selection.UnconfirmedGroups);
        Assert.Equal(now + (2 * Ms) + Options.HandoverTime, timers.Get(GatewayTimer.UpstreamReturn));

        selection.HandleTimeout(now + (2 * Ms) + Options.HandoverTime);
        Assert.Equal([[Second]], InterestsTo(Sent(selection), Up2)); // asked for the rest only
        Assert.False(selection.PreviousHolds(Group));
        Assert.Equal(now + Options.UpstreamReturnTime, timers.Get(GatewayTimer.UpstreamReturn));
    }

    [Fact]
    public void HandleTimeout_ReturnTimeOver_UnconfirmedLetGoAndTheReturnEndsTimedOut()
    {
        var (selection, _, timers, now) = OnSecond([Group]);
        Sent(selection);
        Events(selection);

        selection.HandleTimeout(now + Options.UpstreamReturnTime - Ms);
        Assert.Equal(Up2, selection.ReturningFrom);

        selection.HandleTimeout(now + Options.UpstreamReturnTime);

        Assert.Null(selection.ReturningFrom);
        Assert.Equal([[]], InterestsTo(Sent(selection), Up2)); // released
        Assert.Equal(new UpstreamReturnEnded(Up2, Up1, 0, 1, Options.UpstreamReturnTime, UpstreamReturnEnd.TimedOut), Assert.Single(Events(selection)));
        Assert.Null(timers.Get(GatewayTimer.UpstreamReturn));
    }

    [Fact]
    public void HandleUpstreamDown_ThePreviousDuringAReturn_EndsWithoutAskingIt()
    {
        var (selection, peers, timers, now) = OnSecond([Group]);
        Sent(selection);
        Events(selection);

        peers.Remove(Up2, out _);
        selection.HandleUpstreamDown(now + Ms, Up2);

        Assert.Empty(InterestsTo(Sent(selection), Up2));
        Assert.Equal(UpstreamReturnEnd.PreviousDown, Assert.IsType<UpstreamReturnEnded>(Assert.Single(Events(selection))).How);
        Assert.Equal(Up1, selection.ActiveUpstream);
        Assert.Null(timers.Get(GatewayTimer.UpstreamReturn));
    }

    [Fact]
    public void HandleInterest_DuringAReturn_NewGroupsWaitAndDroppedOnesAreNotWaitedFor()
    {
        var (selection, _, _, now) = OnSecond([Group]);
        Sent(selection);

        selection.HandleInterest(now + Ms, [Second], [Second]);

        var sent = Sent(selection);
        Assert.Equal([[Second]], InterestsTo(sent, Up1));
        Assert.Equal([[Second]], InterestsTo(sent, Up2));
        Assert.Equal([Second], selection.UnconfirmedGroups);
    }

    [Fact]
    public void HandleInterest_EveryHeldGroupDropped_TheReturnEndsConfirmed()
    {
        var (selection, _, timers, now) = OnSecond([Group]);
        Sent(selection);
        Events(selection);

        selection.HandleInterest(now + Ms, [], []);

        Assert.Equal([[]], InterestsTo(Sent(selection), Up2));
        Assert.Equal(UpstreamReturnEnd.Confirmed, Assert.IsType<UpstreamReturnEnded>(Assert.Single(Events(selection))).How);
        Assert.Null(timers.Get(GatewayTimer.UpstreamReturn));
    }

    private static (UpstreamSelection Selection, OverlayPeerTable Peers, GatewayTimerTable Timers) Create()
    {
        var peers = new OverlayPeerTable();
        var timers = new GatewayTimerTable();
        return (new UpstreamSelection(Options, peers, new ControlFrameEncoder(1), timers), peers, timers);
    }

    /// <summary>A leaf on its second upstream, wanting <paramref name="interest"/>, when the preferred one comes back.</summary>
    private static (UpstreamSelection Selection, OverlayPeerTable Peers, GatewayTimerTable Timers, TimeSpan Now) OnSecond(GroupName[] interest)
    {
        var (selection, peers, timers) = Create();
        peers.Add(Up2, PeerKind.Upstream);
        selection.HandleUpstreamUp(TimeSpan.Zero);
        selection.HandleInterest(TimeSpan.Zero, interest, interest);
        Sent(selection);
        Events(selection);

        var now = 100 * Ms;
        peers.Add(Up1, PeerKind.Upstream);
        selection.HandleUpstreamUp(now);
        Assert.Equal(new UpstreamChanged(Up2, Up1, KeepsPrevious: true), Assert.Single(Events(selection)));
        return (selection, peers, timers, now);
    }

    private static List<GatewayTransmit> Sent(UpstreamSelection selection)
    {
        var sent = new List<GatewayTransmit>();
        while (selection.TryPollTransmit(out var transmit))
        {
            sent.Add(transmit);
        }

        return sent;
    }

    private static List<GatewayEvent> Events(UpstreamSelection selection)
    {
        var events = new List<GatewayEvent>();
        while (selection.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }
}
