using System.Net;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Transports.Loopback;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Multicast.Tests.Api;

/// <summary>The RFC 7046 calls of <see cref="MulticastSocket"/> over the in-process bus and real IP sockets on loopback.</summary>
public sealed class MulticastSocketApiTests : IAsyncLifetime
{
    private readonly List<MulticastSocket> _sockets = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendAsync_OverBus_EveryJoinedSocketReceivesWithItsInterface()
    {
        var bus = new LoopbackBus();
        var group = GroupName.Parse("ham:sg:ami.tariff.rtp");
        var headEnd = Track(MulticastSocket.Create([bus.Attach("head-end")]));
        var meters = Enumerable.Range(1, 3).Select(i => Track(MulticastSocket.Create([bus.Attach($"meter-{i}")]))).ToList();
        meters.ForEach(m => m.Join(group));

        await headEnd.SendAsync(group, "0.2841"u8.ToArray(), ContentType.Raw);

        for (var i = 0; i < meters.Count; i++)
        {
            var message = await meters[i].FirstAsync();
            Assert.Equal(group, message.Group);
            Assert.Equal("0.2841", Text(message));
            Assert.Equal(headEnd.SourceId, message.SourceId);
            Assert.Equal($"loopback:meter-{i + 1}", message.Interface);
        }
    }

    [Fact]
    public async Task SendAsync_MessageAboveAtomicSize_IsFragmentedAndArrivesWhole()
    {
        var bus = new LoopbackBus(atomicMessageSize: 256);
        var group = GroupName.Parse("ham:sg:vpp.schedule");
        var sender = Track(MulticastSocket.Create([bus.Attach("scheduler")]));
        var receiver = Track(MulticastSocket.Create([bus.Attach("plant")]));
        receiver.Join(group);
        var schedule = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();

        await sender.SendAsync(group, schedule, ContentType.Raw);

        var message = await receiver.FirstAsync();
        Assert.Equal(schedule, message.Payload.ToArray());
        Assert.Equal(256, receiver.GetAtomicMessageSize(new InterfaceId("loopback", "plant")));
        Assert.True(sender.Counters.FramesSent > 5000 / 256, $"only {sender.Counters.FramesSent} frames for 5000 bytes over 256-byte datagrams");
    }

    [Fact]
    public async Task SendAsync_SocketOnIpAndBus_ReachesMembersOfBothTechnologiesOnce()
    {
        var bus = new LoopbackBus();
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var gateway = Track(MulticastSocket.Create([new IpInterface(MulticastInterface.Loopback()), bus.Attach("gateway")]));
        var onIp = Track(MulticastSocket.Create(MulticastInterface.Loopback()));
        var onBus = Track(MulticastSocket.Create([bus.Attach("device")]));
        onIp.Join(group);
        onBus.Join(group);

        await gateway.SendAsync(group, "setpoint 4.2 kW"u8.ToArray(), ContentType.Raw);
        await gateway.SendAsync(group, "setpoint 3.9 kW"u8.ToArray(), ContentType.Raw);

        Assert.Equal(["setpoint 4.2 kW", "setpoint 3.9 kW"], (await onIp.TakeAsync(2)).Select(Text));
        Assert.Equal(["setpoint 4.2 kW", "setpoint 3.9 kW"], (await onBus.TakeAsync(2)).Select(Text));
        Assert.Equal([new InterfaceId("ip", MulticastInterface.Loopback().Name), new InterfaceId("loopback", "gateway")], gateway.GetInterfaces());
    }

    [Fact]
    public async Task Receive_SameMessageOverTwoInterfaces_IsDeliveredOnce()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var bus = new LoopbackBus();
        var sender = Track(MulticastSocket.Create([new IpInterface(MulticastInterface.Loopback()), bus.Attach("sender")]));
        var receiver = Track(MulticastSocket.Create([new IpInterface(MulticastInterface.Loopback()), bus.Attach("receiver")]));
        receiver.Join(group);

        await sender.SendAsync(group, "first"u8.ToArray(), ContentType.Raw);
        await sender.SendAsync(group, "second"u8.ToArray(), ContentType.Raw);

        // Each message arrives twice (IP and bus); had the first duplicate passed, "first" would show twice.
        Assert.Equal(["first", "second"], (await receiver.TakeAsync(2)).Select(Text));
    }

    [Fact]
    public async Task Join_SourceSpecificOnIp_HearsOnlyItsSource()
    {
        var port = FreePorts.Udp();
        var fromLoopback = GroupName.Parse($"ham:ip:232.7.1.1@127.0.0.1:{port}");
        var fromElsewhere = GroupName.Parse($"ham:ip:232.7.1.1@127.0.0.9:{port}");
        var marker = GroupName.Parse($"ham:ip:239.193.252.1:{port}");
        var sender = Track(MulticastSocket.Create(MulticastInterface.Loopback()));
        var listening = Track(MulticastSocket.Create(MulticastInterface.Loopback()));
        var other = Track(MulticastSocket.Create(MulticastInterface.Loopback()));
        listening.Join(fromLoopback);
        other.Join(fromElsewhere);
        other.Join(marker);

        await sender.SendAsync(fromLoopback, "from 127.0.0.1"u8.ToArray(), ContentType.Raw);
        await sender.SendAsync(marker, "marker"u8.ToArray(), ContentType.Raw);

        var heard = await listening.FirstAsync();
        Assert.Equal("from 127.0.0.1", Text(heard));
        Assert.Equal(IPAddress.Loopback, heard.From!.Address);
        // The SSM datagram went first from the same socket: had the other source filter let it in, it would come first.
        Assert.Equal("marker", Text(await other.FirstAsync()));
    }

    [Fact]
    public void Join_GroupNoInterfaceCanCarry_ThrowsNamingInterfaces()
    {
        var socket = Track(MulticastSocket.Create(MulticastInterface.Loopback()));

        var error = Assert.Throws<ArgumentException>(() => socket.Join(GroupName.Parse("ham:ip:[ff15::7]:5000")));

        Assert.Contains("ham:ip:[ff15::7]:5000", error.Message, StringComparison.Ordinal);
        Assert.Contains("ip:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceCalls_AnswerFromState()
    {
        var bus = new LoopbackBus();
        var socket = Track(MulticastSocket.Create([bus.Attach("a")]));
        Track(MulticastSocket.Create([bus.Attach("b")]));
        var id = new InterfaceId("loopback", "a");
        var joined = GroupName.Parse("ham:sg:dsm.class-b");
        var sending = GroupName.Parse("ham:sg:ami.readings");

        socket.Join(joined);
        Assert.Equal([id], socket.RegisterSource(sending));
        socket.Join(sending);

        Assert.Equal(
            [new GroupMembership(sending, Joined: true, SourceRegistered: true), new GroupMembership(joined, Joined: true, SourceRegistered: false)],
            socket.GroupSet(id));
        Assert.Equal(["b"], socket.NeighborSet(id));
        Assert.Empty(socket.ChildrenSet(joined, id));
        Assert.Empty(socket.ParentSet(joined, id));
        Assert.False(socket.DesignatedHost(joined, id));

        socket.Leave(sending);
        socket.DeregisterSource(sending);
        Assert.Equal([new GroupMembership(joined, Joined: true, SourceRegistered: false)], socket.GroupSet(id));

        await socket.DeleteInterfaceAsync(id);
        Assert.Empty(socket.GetInterfaces());
        Assert.Throws<ArgumentException>(() => socket.GroupSet(id));
    }

    [Fact]
    public async Task Events_WhenEnabled_ReportJoinsLeavesAndNewSources()
    {
        var bus = new LoopbackBus();
        var group = GroupName.Parse("ham:sg:vpp.state");
        var observer = Track(MulticastSocket.Create([bus.Attach("observer")]));
        var peer = Track(MulticastSocket.Create([bus.Attach("peer")]));
        observer.Join(group);    // before events are on: not reported
        observer.EnableEvents();

        peer.Join(group);
        await peer.SendAsync(group, "state"u8.ToArray(), ContentType.Raw);
        await observer.FirstAsync();
        peer.Leave(group);
        observer.Leave(group);

        var events = new List<MembershipEvent>();
        using var timeout = new CancellationTokenSource(GroupReceiving.DefaultPatience);
        await foreach (var membershipEvent in observer.EventsAsync(timeout.Token))
        {
            events.Add(membershipEvent);
            if (events.Count == 4)
            {
                break;
            }
        }

        var at = new InterfaceId("loopback", "observer");
        Assert.Equal(
            [
                new MembershipEvent(MembershipEventKind.Join, group, at, "peer"),
                new MembershipEvent(MembershipEventKind.NewSource, group, at, peer.SourceId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)),
                new MembershipEvent(MembershipEventKind.Leave, group, at, "peer"),
                new MembershipEvent(MembershipEventKind.Leave, group, at, MembershipEvent.LocalMember),
            ],
            events);
    }

    private MulticastSocket Track(MulticastSocket socket)
    {
        _sockets.Add(socket);
        return socket;
    }

    private static string Text(GroupMessage message) => Encoding.UTF8.GetString(message.Payload.Span);
}
