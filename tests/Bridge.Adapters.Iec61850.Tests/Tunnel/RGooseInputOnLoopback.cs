using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>
/// A started <see cref="RGooseInput"/> on loopback as the R-GOOSE input tests use it: it listens
/// at a group address of its own (<see cref="Listen"/>), and one rule, <c>appid=1000 in=rgoose</c>,
/// routes what it takes to a group of its own that <see cref="Subscriber"/> has joined.
/// Datagrams for it come from a <see cref="Publisher"/>.
/// </summary>
internal sealed class RGooseInputOnLoopback : IAsyncDisposable
{
    private static readonly MulticastInterface Loopback = MulticastInterface.Loopback();

    private readonly MulticastSocket _bridge;

    private RGooseInputOnLoopback(MulticastSocket bridge, MulticastSocket subscriber, RGooseInput input, IPEndPoint listen)
    {
        _bridge = bridge;
        Subscriber = subscriber;
        Input = input;
        Listen = listen;
    }

    /// <summary>Where the input listens: send datagrams here.</summary>
    public IPEndPoint Listen { get; }

    /// <summary>A member of the rule's group: what the input routes arrives here.</summary>
    public MulticastSocket Subscriber { get; }

    /// <summary>The input, for its counters.</summary>
    public RGooseInput Input { get; }

    /// <summary>Starts the input with <paramref name="ownSource"/> (none own by default), <paramref name="time"/> (the system's by default) and, for secured R-GOOSE, <paramref name="security"/>.</summary>
    public static RGooseInputOnLoopback Start(Func<IPEndPoint, bool>? ownSource = null, TimeProvider? time = null, RGooseUnprotector? security = null)
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var listen = IPEndPoint.Parse(FreePorts.UniqueIPv4Group()["ham:ip:".Length..]);
        var bridge = MulticastSocket.Create(Loopback);
        var subscriber = MulticastSocket.Create(Loopback);
        subscriber.Join(group);
        var router = new Router(new RoutingTable([Rule("from-wan", "appid=1000 in=rgoose", group)]), bridge);
        var input = new RGooseInput(new RGooseReceiver(listen, Loopback.Index), router, ownSource ?? (_ => false), NullLogger.Instance, time ?? TimeProvider.System, security);
        input.Start();
        return new RGooseInputOnLoopback(bridge, subscriber, input, listen);
    }

    /// <summary>A UDP socket bound to a port of its own on loopback that sends multicast there.</summary>
    public static Socket Publisher()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(Loopback.Index));
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>A to-group rule that captures by the GOOSE <paramref name="endpoint"/>; fails the test when the endpoint does not parse.</summary>
    private static MappingRule Rule(string name, string endpoint, GroupName group)
    {
        Assert.True(GooseEndpoint.TryParse(endpoint, emits: false, out var parsed, out var reason), reason);
        return new MappingRule
        {
            Name = name,
            Endpoint = parsed,
            Groups = [GroupTemplate.Parse(group.ToString())],
            Direction = RuleDirection.ToGroup,
        };
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Input.DisposeAsync();
        await Subscriber.DisposeAsync();
        await _bridge.DisposeAsync();
    }
}
