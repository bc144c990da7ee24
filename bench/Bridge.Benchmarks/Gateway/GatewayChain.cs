using System.Diagnostics;
using System.Net;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Transports.Loopback;
using Bridge.Multicast.Transports.Overlay;

namespace Bridge.Benchmarks.Gateway;

/// <summary>
/// Domain A — g1 — g2 — … — gk — domain B, in one process: every gateway a real
/// <see cref="GatewayNode"/> (transit) whose domain is its own <see cref="LoopbackBus"/>, each
/// gateway dialling the next over mutually authenticated TLS on 127.0.0.1 (listeners on free
/// ports). g1 and gk carry <see cref="Group"/>; the gateways between them carry nothing and only
/// forward. A sender interface on domain A sends encoded frames; a receiver interface on domain B
/// hands what arrives to <see cref="Received"/>.
/// </summary>
internal sealed class GatewayChain : IAsyncDisposable
{
    /// <summary>The group the chain carries from domain A to domain B.</summary>
    public static readonly GroupName Group = GroupName.Parse("ham:sg:bench.gateway");

    private readonly BenchmarkCertificates _certificates = new();
    private readonly List<OverlayCredentials> _credentials = [];
    private readonly List<LoopbackInterface> _interfaces = [];
    private readonly List<GatewayNode> _nodes = [];
    private readonly LoopbackInterface _sender;
    private readonly LoopbackInterface _receiver;

    private GatewayChain(LoopbackInterface sender, LoopbackInterface receiver)
    {
        _sender = sender;
        _receiver = receiver;
    }

    /// <summary>Raised on domain B's receive loop for every datagram of the group that arrives there.</summary>
    public event Action<ReadOnlyMemory<byte>>? Received;

    /// <summary>The gateways, g1 first.</summary>
    public IReadOnlyList<GatewayNode> Nodes => _nodes;

    /// <summary>Builds and starts a chain of <paramref name="gateways"/> gateways (2 or more); they link up in the background.</summary>
    public static async Task<GatewayChain> StartAsync(int gateways)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gateways, 2);
        var domainA = new LoopbackBus();
        var domainB = new LoopbackBus();
        var chain = new GatewayChain(domainA.Attach("sender"), domainB.Attach("receiver"));
        chain._receiver.Join(Group);
        chain._receiver.Start((_, datagram, _) =>
        {
            chain.Received?.Invoke(datagram);
            return ValueTask.CompletedTask;
        });

        // The last gateway starts first, so that each one knows the listening port of the next it dials.
        IPEndPoint? next = null;
        var started = new List<GatewayNode>();
        for (var i = gateways; i >= 1; i--)
        {
            var id = new GatewayId($"g{i}");
            var credentials = chain._certificates.CreateNode(id.Value);
            chain._credentials.Add(credentials);
            var domain = i == 1 ? domainA : i == gateways ? domainB : new LoopbackBus();
            var domainInterface = domain.Attach(id.Value, loopback: false);
            chain._interfaces.Add(domainInterface);
            var peers = new List<GatewayPeer>();
            if (i < gateways)
            {
                peers.Add(new GatewayPeer(new GatewayId($"g{i + 1}"), next));
            }

            if (i > 1)
            {
                peers.Add(new GatewayPeer(new GatewayId($"g{i - 1}"), null));
            }

            var node = new GatewayNode(
                new GatewayNodeOptions
                {
                    Gateway = new GatewayOptions
                    {
                        Id = id,
                        Carry = i == 1 || i == gateways ? [Group] : [],
                        SourceId = (ulong)i,
                        HelloInterval = TimeSpan.FromMilliseconds(20),
                        HoldTime = TimeSpan.FromMilliseconds(60),
                    },
                    Credentials = credentials,
                    Listen = i > 1 ? new IPEndPoint(IPAddress.Loopback, 0) : null,
                    Peers = peers,
                    AcceptLeaves = false,
                    Link = new OverlayLinkOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(250), DeadInterval = TimeSpan.FromSeconds(2) },
                    MinRedialDelay = TimeSpan.FromMilliseconds(50),
                    MaxRedialDelay = TimeSpan.FromMilliseconds(500),
                },
                domainInterface);
            started.Insert(0, node);
            await node.StartAsync();
            next = node.ListenEndPoint;
        }

        chain._nodes.AddRange(started);
        return chain;
    }

    /// <summary>Sends one Data frame of the group into domain A, as a publisher there would.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> frame) => _sender.SendAsync(Group, frame);

    /// <summary>
    /// Sends probes from <paramref name="source"/> every 50 ms until one arrives on domain B;
    /// returns how long that took. The probes use up sequence numbers of the source, so they never
    /// collide with later frames.
    /// </summary>
    public async Task<TimeSpan> WaitForPathAsync(FrameSource source, TimeSpan timeout)
    {
        var arrived = 0;
        void OnReceived(ReadOnlyMemory<byte> datagram) => Interlocked.Exchange(ref arrived, 1);
        Received += OnReceived;
        try
        {
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref arrived) == 0)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"no probe crossed {_nodes.Count} gateways in {timeout.TotalSeconds:F0} s");
                }

                await SendAsync(source.Next());
                await Task.Delay(50);
            }

            return clock.Elapsed;
        }
        finally
        {
            Received -= OnReceived;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var domainInterface in _interfaces)
        {
            await domainInterface.DisposeAsync();
        }

        await _sender.DisposeAsync();
        await _receiver.DisposeAsync();
        foreach (var credentials in _credentials)
        {
            credentials.Dispose();
        }

        _certificates.Dispose();
    }
}
