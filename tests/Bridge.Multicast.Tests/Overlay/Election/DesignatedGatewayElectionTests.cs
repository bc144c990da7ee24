using System.Globalization;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Election;

/// <summary>
/// <see cref="DesignatedGatewayElection"/> driven by hand, one input at a time: startup, hellos,
/// peers that arrive, change and go silent, priorities, commands, malformed input and misuse.
/// </summary>
public sealed class DesignatedGatewayElectionTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId Self = new("gw-self");
    private static readonly GatewayId Other = new("gw-other");

    private static readonly GroupName[] Groups =
        Enumerable.Range(0, 20).Select(i => GroupName.Parse(string.Create(CultureInfo.InvariantCulture, $"ham:sg:grid.feeder{i}"))).ToArray();

    /// <summary>The groups <see cref="Other"/> wins against <see cref="Self"/> at equal priority.</summary>
    private static readonly GroupName[] OthersShare =
        Groups.Where(g => DesignationRule.Choose(g, [new(Self, 100), new(Other, 100)]) == Other).ToArray();

    [Fact]
    public void Groups_SplitBetweenTwoGateways_BothHaveAShare()
    {
        Assert.InRange(OthersShare.Length, 1, Groups.Length - 1);
    }

    [Fact]
    public void Start_Alone_SaysHelloAtOnceAndClaimsEveryGroupOnlyAfterTheStartupWait()
    {
        var election = Started(out var startEvents);

        Assert.True(election.TryPollTransmit(out var hello));
        Assert.True(GatewayHelloCodec.TryDecode(hello.Span, out var decoded, out _));
        Assert.False(decoded.Ready);
        Assert.Equal(Groups.Length, decoded.Groups.Count);
        Assert.False(election.TryPollTransmit(out _));
        Assert.Empty(Drain(election));
        Assert.Equal(100 * Ms, election.PollTimeout());

        election.HandleTimeout(349 * Ms);
        Assert.False(election.IsReady);
        Assert.Empty(election.DesignatedGroups);

        election.HandleTimeout(350 * Ms);

        Assert.True(election.IsReady);
        Assert.Equal(Groups.Select(g => new BecameDesignated(g)), Drain(election).Cast<BecameDesignated>().OrderBy(e => Array.IndexOf(Groups, e.Group)));
        Assert.True(election.TryPollTransmit(out hello));
        Assert.True(GatewayHelloCodec.TryDecode(hello.Span, out decoded, out _));
        Assert.True(decoded.Ready);
        Assert.Empty(startEvents);
    }

    [Fact]
    public void Start_NoStartupWait_ClaimsAtOnce()
    {
        var election = new DesignatedGatewayElection(new ElectionOptions { Id = Self, StartupWait = TimeSpan.Zero });
        election.Serve(Groups[0]);

        election.Start(5 * Ms);

        Assert.True(election.IsReady);
        Assert.Equal([new BecameDesignated(Groups[0])], Drain(election));
    }

    [Fact]
    public void HandleTimeout_Hellos_OnePerIntervalAtTheIntervalCadence()
    {
        var election = new DesignatedGatewayElection(new ElectionOptions { Id = Self, HelloInterval = 40 * Ms, HoldTime = 130 * Ms, StartupWait = TimeSpan.Zero });
        election.Start(TimeSpan.Zero);
        var sentAt = new List<TimeSpan>();

        for (var now = TimeSpan.Zero; now <= 200 * Ms; now = election.PollTimeout()!.Value)
        {
            if (now > TimeSpan.Zero)
            {
                election.HandleTimeout(now);
            }

            while (election.TryPollTransmit(out _))
            {
                sentAt.Add(now);
            }
        }

        Assert.Equal([0 * Ms, 40 * Ms, 80 * Ms, 120 * Ms, 160 * Ms, 200 * Ms], sentAt);
        Assert.Equal(sentAt.Count, election.Counters.HellosSent);
    }

    [Fact]
    public void HandleHello_NewPeer_RaisesPeerUpAndAnswersAtOnce()
    {
        var election = Ready();

        election.HandleHello(400 * Ms, Hello(Other, ready: false));

        Assert.Equal([new PeerUp(Other)], Drain(election));
        Assert.True(election.TryPollTransmit(out _));
        var peer = Assert.Single(election.Peers);
        Assert.Equal(new ElectionPeer(Other, 100, false, 750 * Ms, Groups.Length), peer);

        election.HandleHello(500 * Ms, Hello(Other, ready: false));

        Assert.Empty(Drain(election));
        Assert.False(election.TryPollTransmit(out _));
        Assert.Equal(850 * Ms, Assert.Single(election.Peers).ExpiresAt);
    }

    [Fact]
    public void HandleHello_PeerNotYetReady_KeepsTheGroupsItWouldWin()
    {
        var election = Ready();

        election.HandleHello(400 * Ms, Hello(Other, ready: false));

        Assert.Equal(Groups, election.DesignatedGroups.OrderBy(g => Array.IndexOf(Groups, g)));
        Assert.All(Groups, g => Assert.Equal(Self, election.DesignatedGatewayOf(g)));
    }

    [Fact]
    public void HandleHello_PeerBecomesReady_HandsOverExactlyItsShareNamingIt()
    {
        var election = Ready();
        election.HandleHello(400 * Ms, Hello(Other, ready: false));
        Drain(election);

        election.HandleHello(700 * Ms, Hello(Other, ready: true));

        Assert.Equal(OthersShare.Select(g => new StoodDown(g, Other)), Drain(election).OrderBy(e => Array.IndexOf(Groups, ((StoodDown)e).Group)));
        Assert.Equal(Groups.Except(OthersShare), election.DesignatedGroups.OrderBy(g => Array.IndexOf(Groups, g)));
        Assert.All(OthersShare, g => Assert.Equal(Other, election.DesignatedGatewayOf(g)));
    }

    [Fact]
    public void HandleTimeout_PeerSilentForTheHoldTimeItAnnounced_PeerDownThenTakesItsShareBack()
    {
        var election = Ready();
        election.HandleHello(400 * Ms, Hello(Other, ready: true, holdMs: 500));
        Drain(election);

        AdvanceHellosUntil(election, 899 * Ms);
        Assert.Single(election.Peers);
        Assert.Empty(Drain(election));
        Assert.Equal(900 * Ms, election.PollTimeout());

        election.HandleTimeout(900 * Ms);

        var events = Drain(election);
        Assert.Equal(new PeerDown(Other), events[0]);
        Assert.Equal(OthersShare.Select(g => new BecameDesignated(g)), events.Skip(1).OrderBy(e => Array.IndexOf(Groups, ((BecameDesignated)e).Group)));
        Assert.Empty(election.Peers);
        Assert.Equal(1, election.Counters.PeersExpired);
    }

    [Fact]
    public void HandleHello_HigherPriorityPeer_StandsDownFromEveryGroupItServes()
    {
        var election = Ready();

        election.HandleHello(400 * Ms, Hello(Other, ready: true, priority: 200, groups: Groups[..5]));

        Assert.Equal(Groups[..5].Select(g => new StoodDown(g, Other)), Drain(election).Skip(1).OrderBy(e => Array.IndexOf(Groups, ((StoodDown)e).Group)));
        Assert.Equal(Groups[5..], election.DesignatedGroups.OrderBy(g => Array.IndexOf(Groups, g)));
    }

    [Fact]
    public void HandleHello_PeerStopsServingAGroup_TakesItBack()
    {
        var election = Ready();
        election.HandleHello(400 * Ms, Hello(Other, ready: true));
        Drain(election);
        var group = OthersShare[0];

        election.HandleHello(500 * Ms, Hello(Other, ready: true, groups: Groups.Where(g => g != group).ToArray()));

        Assert.Equal([new BecameDesignated(group)], Drain(election));
    }

    [Fact]
    public void HandleHello_PeerRestartsNotReady_TakesItsShareBackUntilItIsReady()
    {
        var election = Ready();
        election.HandleHello(400 * Ms, Hello(Other, ready: true));
        Drain(election);

        election.HandleHello(500 * Ms, Hello(Other, ready: false));

        Assert.Equal(OthersShare.Length, Drain(election).OfType<BecameDesignated>().Count());
        Assert.Equal(Groups.Length, election.DesignatedGroups.Count);
    }

    [Theory]
    [MemberData(nameof(GatewayHelloCodecTests.Malformed), MemberType = typeof(GatewayHelloCodecTests))]
    public void HandleHello_Malformed_CountedRaisedAndDroppedWithoutThrowing(string name)
    {
        var malformed = MalformedHellos.Named(name);
        var election = Ready();
        var designated = election.DesignatedGroups;

        election.HandleHello(400 * Ms, malformed.Bytes);

        Assert.Equal([new HelloRejected(malformed.Expected, malformed.Bytes.Length)], Drain(election));
        Assert.Equal(1, election.Counters.HellosRejected);
        Assert.Equal(1, election.Counters.RejectedBy(malformed.Expected));
        Assert.Equal(0, election.Counters.HellosReceived);
        Assert.Empty(election.Peers);
        Assert.Equal(designated, election.DesignatedGroups);
        Assert.False(election.TryPollTransmit(out _));
    }

    [Fact]
    public void HandleHello_OwnHelloLoopedBack_IgnoredAndCounted()
    {
        var election = Ready();

        election.HandleHello(400 * Ms, Hello(Self, ready: true, priority: 255));

        Assert.Empty(Drain(election));
        Assert.Empty(election.Peers);
        Assert.Equal(1, election.Counters.OwnHellosIgnored);
        Assert.Equal(Groups.Length, election.DesignatedGroups.Count);
    }

    [Fact]
    public void StopServing_WhileDesignated_StandsDownNamingTheSuccessorAndSaysHello()
    {
        var election = Ready();
        election.HandleHello(400 * Ms, Hello(Other, ready: true));
        Drain(election);
        var mine = Groups.Except(OthersShare).First();

        election.StopServing(mine);

        Assert.Equal([new StoodDown(mine, Other)], Drain(election));
        Assert.True(election.TryPollTransmit(out var hello));
        Assert.True(GatewayHelloCodec.TryDecode(hello.Span, out var decoded, out _));
        Assert.DoesNotContain(decoded.Groups, g => g == mine);
        Assert.False(election.IsDesignated(mine));
        Assert.Equal(Other, election.DesignatedGatewayOf(mine));
    }

    [Fact]
    public void Serve_AfterStart_CompetesAtOnceAndSaysHello()
    {
        var election = Ready();
        var group = GroupName.Parse("ham:sg:grid.new");

        election.Serve(group);
        election.Serve(group);

        Assert.Equal([new BecameDesignated(group)], Drain(election));
        Assert.True(election.TryPollTransmit(out _));
        Assert.False(election.TryPollTransmit(out _));
    }

    [Fact]
    public void HandleHello_BeforeStart_Throws()
    {
        var election = new DesignatedGatewayElection(new ElectionOptions { Id = Self });

        Assert.Throws<InvalidOperationException>(() => election.HandleHello(TimeSpan.Zero, Hello(Other, ready: true)));
        Assert.Throws<InvalidOperationException>(() => election.HandleTimeout(TimeSpan.Zero));
        Assert.Null(election.PollTimeout());
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        var election = Started(out _);

        Assert.Throws<InvalidOperationException>(() => election.Start(Ms));
    }

    [Theory]
    [InlineData(0, 350)]
    [InlineData(100, 100)]
    [InlineData(100, 99)]
    [InlineData(100, 65_536)]
    [InlineData(0.5, 350)]
    public void Constructor_TimesOutOfRange_Throws(double intervalMs, double holdMs)
    {
        var options = new ElectionOptions { Id = Self, HelloInterval = TimeSpan.FromMilliseconds(intervalMs), HoldTime = TimeSpan.FromMilliseconds(holdMs) };

        Assert.ThrowsAny<ArgumentException>(() => new DesignatedGatewayElection(options));
    }

    [Fact]
    public void Constructor_NoIdOrNegativeStartupWait_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => new DesignatedGatewayElection(new ElectionOptions { Id = default }));
        Assert.ThrowsAny<ArgumentException>(() => new DesignatedGatewayElection(new ElectionOptions { Id = Self, StartupWait = -Ms }));
    }

    private static DesignatedGatewayElection Started(out List<ElectionEvent> events)
    {
        var election = new DesignatedGatewayElection(new ElectionOptions { Id = Self });
        foreach (var group in Groups)
        {
            election.Serve(group);
        }

        election.Start(TimeSpan.Zero);
        events = Drain(election);
        return election;
    }

    /// <summary>Started at 0, past its startup wait at 350 ms, designated for every group, nothing left to poll.</summary>
    private static DesignatedGatewayElection Ready()
    {
        var election = Started(out _);
        AdvanceHellosUntil(election, 350 * Ms);
        Drain(election);
        Assert.True(election.IsReady);
        return election;
    }

    /// <summary>Fires every deadline up to <paramref name="until"/>, draining hellos.</summary>
    private static void AdvanceHellosUntil(DesignatedGatewayElection election, TimeSpan until)
    {
        while (election.TryPollTransmit(out _))
        {
        }

        while (election.PollTimeout() is { } next && next <= until)
        {
            election.HandleTimeout(next);
            while (election.TryPollTransmit(out _))
            {
            }
        }
    }

    private static List<ElectionEvent> Drain(DesignatedGatewayElection election)
    {
        var events = new List<ElectionEvent>();
        while (election.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    private static byte[] Hello(GatewayId id, bool ready, byte priority = 100, GroupName[]? groups = null, int holdMs = 350) =>
        GatewayHelloCodec.Encode(new GatewayHello(id, priority, ready, 100 * Ms, TimeSpan.FromMilliseconds(holdMs), groups ?? Groups));
}
