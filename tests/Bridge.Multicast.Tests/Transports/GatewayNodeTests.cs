using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Transports;
using Bridge.Multicast.Transports.Loopback;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Transports;

/// <summary>
/// Two real <see cref="GatewayNode"/>s joined by a TLS overlay link on loopback, each over its own
/// in-process domain (a <see cref="LoopbackBus"/>): a group spans both domains, and the RFC 7046
/// service calls of the overlay module answer from the gateways' state.
/// </summary>
public sealed class GatewayNodeTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly string[] BothUsages = [OverlayCredentials.ServerAuthOid, OverlayCredentials.ClientAuthOid];
    private static readonly GroupName Tariff = GroupName.Parse("ham:sg:tariff.north");
    private static readonly GatewayId West = new("gw-west");
    private static readonly GatewayId East = new("gw-east");
    private static readonly GatewayId Home = new("home-17");
    private static readonly GatewayId North = new("gw-north");

    private readonly DateTimeOffset _notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
    private readonly X509Certificate2 _authority;
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly LoopbackBus _westDomain = new();
    private readonly LoopbackBus _eastDomain = new();
    private readonly LoopbackBus _northDomain = new();
    private int _started;

    public GatewayNodeTests()
    {
        _authority = TestCertificates.Authority("Overlay CA", _notBefore);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _authority.Dispose();
    }

    [Fact]
    public async Task Message_PublishedInOneDomain_ReachesTheOtherThroughTheOverlay_AndBack()
    {
        var (west, east) = await StartPairAsync();
        var westSocket = Socket(_westDomain.Attach("west-host"));
        var eastSocket = Socket(_eastDomain.Attach("east-host"));
        westSocket.Join(Tariff);
        eastSocket.Join(Tariff);

        var first = await SendUntilReceivedAsync(westSocket, eastSocket, "tariff 0.31");
        Assert.Equal("tariff 0.31", Encoding.UTF8.GetString(first.Payload.Span));

        var back = await SendUntilReceivedAsync(eastSocket, westSocket, "ack from east");
        Assert.Equal("ack from east", Encoding.UTF8.GetString(back.Payload.Span));

        // Each message entered the overlay at one gateway and came out at the other (the state
        // a gateway shows is refreshed every 20 ms).
        await WaitForAsync(() => west.State.Counters is { NativeIngress: >= 1, DomainDeliveries: >= 1 } && east.State.Counters is { NativeIngress: >= 1, DomainDeliveries: >= 1 }, "both gateways show ingress and delivery");
        Assert.Equal(0, west.State.Counters.PeerRejected + east.State.Counters.PeerRejected);
    }

    [Fact]
    public async Task ServiceCalls_OfTheOverlayModule_AnswerFromTheGatewayState()
    {
        var (west, east) = await StartPairAsync();
        var westSocket = Socket(_westDomain.Attach("west-host"));
        var eastSocket = Socket(_eastDomain.Attach("east-host"));
        westSocket.Join(Tariff);
        eastSocket.Join(Tariff);
        await SendUntilReceivedAsync(westSocket, eastSocket, "probe");

        var overlay = new OverlayInterface(west);
        var gatewaySocket = MulticastSocket.Create([overlay]);
        _owned.Add(gatewaySocket);
        await WaitForAsync(() => gatewaySocket.ChildrenSet(Tariff, overlay.Id).Count == 1, "west's tree reaches east");

        Assert.Equal(["gw-east"], gatewaySocket.NeighborSet(overlay.Id));
        Assert.Equal(["gw-east"], gatewaySocket.ChildrenSet(Tariff, overlay.Id));
        Assert.True(gatewaySocket.DesignatedHost(Tariff, overlay.Id));
        Assert.False(gatewaySocket.DesignatedHost(GroupName.Parse("ham:sg:not.carried"), overlay.Id));

        // East's messages reach west along east's tree, whose parent at west is east.
        await SendUntilReceivedAsync(eastSocket, westSocket, "from east");
        await WaitForAsync(() => gatewaySocket.ParentSet(Tariff, overlay.Id).Count == 1, "west learns its parent for east's messages");
        Assert.Equal(["gw-east"], gatewaySocket.ParentSet(Tariff, overlay.Id));

        // A socket on the gateway host sends into the overlay and receives from it.
        gatewaySocket.Join(Tariff);
        var fromGateway = await SendUntilReceivedAsync(gatewaySocket, eastSocket, "from the gateway host");
        Assert.Equal("from the gateway host", Encoding.UTF8.GetString(fromGateway.Payload.Span));
        var toGateway = await SendUntilReceivedAsync(eastSocket, gatewaySocket, "to the gateway host");
        Assert.Equal("to the gateway host", Encoding.UTF8.GetString(toGateway.Payload.Span));
        _ = east;
    }

    [Fact]
    public async Task LinkLost_TheDiallerRedials_AndDeliveryResumes()
    {
        var (west, east) = await StartPairAsync();
        var westSocket = Socket(_westDomain.Attach("west-host"));
        var eastSocket = Socket(_eastDomain.Attach("east-host"));
        westSocket.Join(Tariff);
        eastSocket.Join(Tariff);
        await SendUntilReceivedAsync(westSocket, eastSocket, "before");

        // Restarting west drops the link; east keeps dialling the same address until the new west answers.
        var port = west.ListenEndPoint!.Port;
        await west.DisposeAsync();
        var reborn = await StartGatewayAsync(West, _westDomain, new IPEndPoint(IPAddress.Loopback, port), new GatewayPeer(East, null));
        var after = await SendUntilReceivedAsync(westSocket, eastSocket, "after");
        Assert.Equal("after", Encoding.UTF8.GetString(after.Payload.Span));
        Assert.Contains(West, east.State.Neighbors);
        Assert.Contains(East, reborn.State.Neighbors);
    }

    [Fact]
    public async Task LeafGateway_GetsWhatItAsksItsUpstreamFor_AndWhatItsHomeSendsEntersTheOverlay()
    {
        var west = await StartGatewayAsync(West, _westDomain, new IPEndPoint(IPAddress.Loopback, 0));
        var home = await StartGatewayAsync(Home, _eastDomain, null, [West], new GatewayPeer(West, west.ListenEndPoint));
        var westSocket = Socket(_westDomain.Attach("west-host"));
        var homeSocket = Socket(_eastDomain.Attach("home-host"));
        westSocket.Join(Tariff);
        homeSocket.Join(Tariff);

        var down = await SendUntilReceivedAsync(westSocket, homeSocket, "tariff for the home");
        Assert.Equal("tariff for the home", Encoding.UTF8.GetString(down.Payload.Span));
        var up = await SendUntilReceivedAsync(homeSocket, westSocket, "meter reading from the home");
        Assert.Equal("meter reading from the home", Encoding.UTF8.GetString(up.Payload.Span));

        // The leaf is outside the link-state: the upstream's database holds only itself.
        await WaitForAsync(() => home.State.ActiveUpstream == West && west.State.Neighbors.Contains(Home), "the leaf is attached");
        Assert.Equal(1, west.State.Gateways);
        Assert.Equal(0, home.State.Gateways);
        Assert.Contains(Tariff, west.State.Interest);
    }

    [Fact]
    public async Task LearnMembers_AGroupIsCarriedIntoADomainOnlyWhileAReceiverThereReportsIt()
    {
        var west = await StartGatewayAsync(West, _westDomain, new IPEndPoint(IPAddress.Loopback, 0), new GatewayPeer(East, null));
        var east = await StartGatewayAsync(East, _eastDomain, null, [], learnMembers: true, new GatewayPeer(West, west.ListenEndPoint));
        var westSocket = Socket(_westDomain.Attach("west-host"));
        westSocket.Join(Tariff);
        await WaitForAsync(() => east.State.Neighbors.Contains(West) && east.State.Designated.Contains(Tariff), "east is up and designated");
        Assert.DoesNotContain(Tariff, east.State.Interest); // nobody in east's domain listens

        // A receiver joins in the east and reports it: east wants the group, and it flows.
        var eastSocket = MulticastSocket.Create([_eastDomain.Attach("east-host")], new MulticastSocketOptions { MemberReports = new(MemberReportFormat.Default, TimeSpan.FromMilliseconds(200)) });
        eastSocket.Join(Tariff);
        await WaitForAsync(() => east.State.Interest.Contains(Tariff), "east learns its member");
        var message = await SendUntilReceivedAsync(westSocket, eastSocket, "tariff for a reporting member");
        Assert.Equal("tariff for a reporting member", Encoding.UTF8.GetString(message.Payload.Span));

        // The receiver goes: its last report withdraws the group.
        await eastSocket.DisposeAsync();
        await WaitForAsync(() => !east.State.Interest.Contains(Tariff), "east forgets the group");
        Assert.True(east.State.Counters.MemberReports >= 2);
    }

    [Fact]
    public async Task RequestAsync_ThreeDomains_ResultAggregatesEveryDomainThroughTheGateways()
    {
        var (west, _, _) = await StartStarAsync();
        Answer(_westDomain, "west-meter-1", 1);
        Answer(_westDomain, "west-meter-2", 2);
        Answer(_eastDomain, "east-meter-1", 10);
        Answer(_eastDomain, "east-meter-2", 20);
        Answer(_northDomain, "north-meter-1", 100);
        var headEnd = Socket(_westDomain.Attach("head-end"));
        var spec = new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum };

        var result = await headEnd.RequestAsync(Tariff, spec, TimeSpan.FromSeconds(2));

        Assert.Equal((5UL, 133.0), (result.Count, result.Sum));
        Assert.Equal(0U, result.MissingSubtreeCount);
        Assert.Equal(3U, result.PartialsMerged); // west's, with east's and north's in it
        Assert.Equal(1, headEnd.Aggregation.PartialsAccepted);
        Assert.Equal(2, headEnd.Aggregation.RepliesAccepted);
        await WaitForAsync(() => west.State.Counters is { RequestIngress: 1, PartialsToDomain: 1 } && west.State.Aggregation.PartialsAccepted == 2, "the ingress shows the request and the partials");
    }

    [Fact]
    public async Task RequestAsync_AGatewayDisposedMidRequest_ResultByTheDeadlineWithItsSubtreeMissing()
    {
        var (_, _, north) = await StartStarAsync();
        Answer(_westDomain, "west-meter-1", 1);
        Answer(_eastDomain, "east-meter-1", 10);
        var northMeter = Socket(_northDomain.Attach("north-meter-1"));
        northMeter.Join(Tariff);
        var headEnd = Socket(_westDomain.Attach("head-end"));
        var spec = new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum };

        var result = headEnd.RequestAsync(Tariff, spec, TimeSpan.FromSeconds(3));

        // North's gateway has carried the request into its domain; it fails before it answers.
        using var patience = new CancellationTokenSource(Patience);
        await using (var requests = northMeter.RequestsAsync(patience.Token).GetAsyncEnumerator(patience.Token))
        {
            Assert.True(await requests.MoveNextAsync());
        }

        await north.DisposeAsync();
        var aggregate = await result.WaitAsync(Patience);

        Assert.Equal((2UL, 11.0), (aggregate.Count, aggregate.Sum));
        Assert.Equal(1U, aggregate.MissingSubtreeCount);
        Assert.Equal([North], aggregate.MissingSubtrees);
    }

    [Fact]
    public async Task RequestAsync_ASocketAnswersForThreeDevicesOneSilent_TheSilentDeviceIsNamedMissing()
    {
        var west = await StartGatewayAsync(West, _westDomain, new IPEndPoint(IPAddress.Loopback, 0), new GatewayPeer(East, null));
        var east = await StartGatewayAsync(East, _eastDomain, null, [], learnMembers: true, new GatewayPeer(West, west.ListenEndPoint));
        await WaitForAsync(() => east.State.Neighbors.Contains(West) && east.State.Designated.Contains(Tariff), "east is up and designated");

        // A bridge in the east answers for three devices (IEDs, say) under ids of their own; the third cannot be read.
        const ulong Bay1 = 0xB1, Bay2 = 0xB2, Bay3 = 0xB3;
        var bridge = MulticastSocket.Create([_eastDomain.Attach("east-bridge")], new MulticastSocketOptions { MemberReports = new(MemberReportFormat.Default, TimeSpan.FromMilliseconds(200)) });
        _owned.Add(bridge);
        bridge.SetDevices(new Dictionary<ulong, IReadOnlyCollection<GroupName>> { [Bay1] = [Tariff], [Bay2] = [Tariff], [Bay3] = [Tariff] });
        bridge.Join(Tariff);
        await WaitForAsync(() => east.State.Interest.Contains(Tariff), "east learns the devices");
        using var stop = new CancellationTokenSource();
        var answering = AnswerForDevicesAsync(bridge, [(Bay1, 10), (Bay2, 32)], stop.Token);
        var headEnd = Socket(_westDomain.Attach("head-end"));
        var spec = new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum, WantMissingIds = true };

        var result = await headEnd.RequestAsync(Tariff, spec, TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await answering;

        Assert.Equal((2UL, 42.0), (result.Count, result.Sum));
        Assert.Equal(1UL, result.MissingCount);
        Assert.Equal([Bay3], result.MissingMemberIds); // the bridge itself is no member there: its devices are
    }

    [Fact]
    public async Task SetDevices_ADeviceDropped_IsWithdrawnFromTheGateway()
    {
        var east = await StartGatewayAsync(East, _eastDomain, null, [], learnMembers: true);

        // Reports held for 35 s: the device can only be forgotten within the test's patience by a withdrawal.
        var bridge = MulticastSocket.Create([_eastDomain.Attach("east-bridge")], new MulticastSocketOptions { MemberReports = new(MemberReportFormat.Default, TimeSpan.FromSeconds(10)) });
        _owned.Add(bridge);
        bridge.SetDevices(new Dictionary<ulong, IReadOnlyCollection<GroupName>> { [0xB1] = [Tariff] });
        await WaitForAsync(() => east.State.Interest.Contains(Tariff), "east learns the device");

        bridge.SetDevices(new Dictionary<ulong, IReadOnlyCollection<GroupName>>());

        await WaitForAsync(() => !east.State.Interest.Contains(Tariff), "east forgets the device");
    }

    private static async Task AnswerForDevicesAsync(MulticastSocket bridge, (ulong Member, double Value)[] devices, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in bridge.RequestsAsync(cancellationToken))
            {
                foreach (var (member, value) in devices)
                {
                    await bridge.ReplyForAsync(request, member, value, cancellationToken: cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The test is over.
        }
    }

    /// <summary>
    /// West (listening) with East and North dialling it, each over its own domain, and waits until
    /// the tree of West's ingress reaches both and each is designated for the group at home.
    /// </summary>
    private async Task<(GatewayNode West, GatewayNode East, GatewayNode North)> StartStarAsync()
    {
        var west = await StartGatewayAsync(West, _westDomain, new IPEndPoint(IPAddress.Loopback, 0), new GatewayPeer(East, null), new GatewayPeer(North, null));
        var east = await StartGatewayAsync(East, _eastDomain, null, new GatewayPeer(West, west.ListenEndPoint));
        var north = await StartGatewayAsync(North, _northDomain, null, new GatewayPeer(West, west.ListenEndPoint));
        await WaitForAsync(
            () => west.State.Children.TryGetValue(Tariff, out var children) && children.Count == 2
                && west.State.Designated.Contains(Tariff) && east.State.Designated.Contains(Tariff) && north.State.Designated.Contains(Tariff),
            "West's tree reaches East and North");
        return (west, east, north);
    }

    /// <summary>A member of the group in <paramref name="domain"/> that answers every request with <paramref name="value"/> until the test ends.</summary>
    private void Answer(LoopbackBus domain, string name, double value)
    {
        var member = Socket(domain.Attach(name));
        member.Join(Tariff);
        var stop = new CancellationTokenSource();
        var answering = AnswerEveryRequestAsync(member, value, stop.Token);
        _owned.Add(new AsyncDisposer(async () =>
        {
            await stop.CancelAsync();
            await answering;
            stop.Dispose();
        }));
    }

    private static async Task AnswerEveryRequestAsync(MulticastSocket member, double value, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in member.RequestsAsync(cancellationToken))
            {
                await member.ReplyAsync(request, value, cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is over.
        }
    }

    private async Task<(GatewayNode West, GatewayNode East)> StartPairAsync()
    {
        var west = await StartGatewayAsync(West, _westDomain, new IPEndPoint(IPAddress.Loopback, 0), new GatewayPeer(East, null));
        var east = await StartGatewayAsync(East, _eastDomain, null, new GatewayPeer(West, west.ListenEndPoint));
        return (west, east);
    }

    private Task<GatewayNode> StartGatewayAsync(GatewayId id, LoopbackBus domain, IPEndPoint? listen, params GatewayPeer[] peers)
        => StartGatewayAsync(id, domain, listen, upstreams: [], learnMembers: false, peers);

    private Task<GatewayNode> StartGatewayAsync(GatewayId id, LoopbackBus domain, IPEndPoint? listen, GatewayId[] upstreams, params GatewayPeer[] peers)
        => StartGatewayAsync(id, domain, listen, upstreams, learnMembers: false, peers);

    private async Task<GatewayNode> StartGatewayAsync(GatewayId id, LoopbackBus domain, IPEndPoint? listen, GatewayId[] upstreams, bool learnMembers, params GatewayPeer[] peers)
    {
        var options = new GatewayNodeOptions
        {
            Gateway = new GatewayOptions
            {
                Id = id,
                Role = upstreams.Length > 0 ? GatewayRole.Leaf : GatewayRole.Transit,
                Upstreams = upstreams,
                Carry = [Tariff],
                LearnMembers = learnMembers,
                SourceId = (ulong)id.Value.Length,
                HelloInterval = TimeSpan.FromMilliseconds(50),
                HoldTime = TimeSpan.FromMilliseconds(200),
            },
            Credentials = Credentials(id.Value),
            Listen = listen,
            Peers = peers,
            Link = new OverlayLinkOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100), DeadInterval = TimeSpan.FromMilliseconds(1000) },
            MinRedialDelay = TimeSpan.FromMilliseconds(20),
            MaxRedialDelay = TimeSpan.FromMilliseconds(200),
        };
        var domainInterface = domain.Attach($"{id}-{++_started}", loopback: false);
        _owned.Add(domainInterface);
        var node = new GatewayNode(options, domainInterface);
        _owned.Add(node);
        await node.StartAsync();
        return node;
    }

    private MulticastSocket Socket(ITechnologyInterface domain)
    {
        var socket = MulticastSocket.Create([domain]);
        _owned.Add(socket);
        return socket;
    }

    private OverlayCredentials Credentials(string name)
    {
        using var node = TestCertificates.Node(_authority, name, _notBefore, BothUsages);
        var credentials = OverlayCredentials.Create(X509CertificateLoader.LoadPkcs12(node.Export(X509ContentType.Pkcs12), null), _authority);
        _owned.Add(new Disposer(credentials.Dispose));
        return credentials;
    }

    /// <summary>
    /// Sends <paramref name="text"/> from <paramref name="from"/> every 50 ms until <paramref name="to"/>
    /// receives it: the gateways elect and learn their trees first, and what is sent before that is
    /// not carried. Returns the first copy received.
    /// </summary>
    private static async Task<GroupMessage> SendUntilReceivedAsync(MulticastSocket from, MulticastSocket to, string text)
    {
        using var deadline = new CancellationTokenSource(Patience);
        var payload = Encoding.UTF8.GetBytes(text);
        await using var receiving = to.ReceiveAsync(deadline.Token).GetAsyncEnumerator(deadline.Token);
        var next = receiving.MoveNextAsync().AsTask();
        while (true)
        {
            await from.SendAsync(Tariff, payload, ContentType.Raw, deadline.Token);
            var tick = Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            while (await Task.WhenAny(next, tick) == next)
            {
                Assert.True(await next, "the receiving socket stopped");
                var message = receiving.Current;
                if (message.Payload.Span.SequenceEqual(payload))
                {
                    return message;
                }

                next = receiving.MoveNextAsync().AsTask();
            }

            deadline.Token.ThrowIfCancellationRequested();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
        }
    }

    private sealed class AsyncDisposer(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }

    private sealed class Disposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
