using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bridge.Host.Certificates;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Transports.Loopback;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Demo;

/// <summary>
/// The demo's network: D in-process multicast domains, each with one transit gateway
/// (<see cref="GatewayNode"/>, the code <c>gridcast run</c> runs), the gateways linked over mutually
/// authenticated TLS on loopback with throw-away development certificates. The head-end's
/// domain (the first) is the hub: every other gateway dials its gateway.
/// </summary>
internal sealed class DemoOverlay : IAsyncDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(50);

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<OverlayCredentials> _credentials = [];
    private readonly GroupName _group;
    private readonly TimeProvider _time;

    private DemoOverlay(int domains, GroupName group, TimeProvider time)
    {
        Domains = [.. Enumerable.Range(0, domains).Select(_ => new LoopbackBus())];
        _group = group;
        _time = time;
    }

    /// <summary>The domains; the head-end is in the first.</summary>
    public IReadOnlyList<LoopbackBus> Domains { get; }

    /// <summary>The id of the gateway of domain <paramref name="index"/> (from 0).</summary>
    private static GatewayId GatewayOf(int index) => new($"gw-{index + 1}");

    public static async Task<DemoOverlay> StartAsync(int domains, GroupName group, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        var overlay = new DemoOverlay(domains, group, time);
        try
        {
            await overlay.StartGatewaysAsync(loggers, cancellationToken);
            return overlay;
        }
        catch
        {
            await overlay.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until the overlay carries the group from the head-end's domain into every other: a
    /// gateway passes on only what it has a tree for, and the trees are built as the gateways
    /// elect and learn each other. A probe socket in the head-end's domain sends a probe every
    /// 50 ms until a probe receiver in each other domain heard one; then the tariff, sent once,
    /// takes the same way.
    /// </summary>
    public async Task WaitUntilCarriedAsync(Action<int> reached, TimeSpan timeout, CancellationToken cancellationToken)
    {
        reached(1);
        if (Domains.Count == 1)
        {
            return;
        }

        var probe = Encoding.UTF8.GetBytes("gridcast demo: is the overlay up?");
        await using var sender = MulticastSocket.Create([Domains[0].Attach("probe-sender")], time: _time);
        var receivers = Domains.Skip(1).Select((d, i) => MulticastSocket.Create([d.Attach($"probe-{i + 2}")], time: _time)).ToList();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var heard = 0;
            var listening = receivers.Select(async r =>
            {
                r.Join(_group);
                await foreach (var message in r.ReceiveAsync(deadline.Token))
                {
                    if (message.Payload.Span.SequenceEqual(probe))
                    {
                        reached(1 + Interlocked.Increment(ref heard));
                        return;
                    }
                }
            }).ToList();
            var all = Task.WhenAll(listening);
            while (!all.IsCompleted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"the gateways did not carry {_group} into every domain within {timeout.TotalSeconds:0.#} s");
                }

                await sender.SendAsync(_group, probe, ContentType.Raw, CancellationToken.None);
                await Task.WhenAny(all, Task.Delay(ProbeInterval, _time, deadline.Token));
            }

            await all;
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        foreach (var credentials in _credentials)
        {
            credentials.Dispose();
        }
    }

    private async Task StartGatewaysAsync(ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        using var authority = DevelopmentCertificates.CreateAuthority("GridCast demo CA", 1, now);
        IPEndPoint? hub = null;
        for (var i = 0; i < Domains.Count; i++)
        {
            var id = GatewayOf(i);
            GatewayPeer[] peers = i == 0
                ? [.. Enumerable.Range(1, Domains.Count - 1).Select(p => new GatewayPeer(GatewayOf(p), null))]
                : [new GatewayPeer(GatewayOf(0), hub)];
            var options = new GatewayNodeOptions
            {
                Gateway = new GatewayOptions
                {
                    Id = id,
                    Role = GatewayRole.Transit,
                    Carry = [_group],
                    SourceId = (ulong)(i + 1),
                    // Fast timers: one gateway per domain, so the election is a formality to get over quickly.
                    HelloInterval = TimeSpan.FromMilliseconds(50),
                    HoldTime = TimeSpan.FromMilliseconds(200),
                },
                Credentials = Credentials(authority, id.Value, now),
                Listen = i == 0 ? new IPEndPoint(IPAddress.Loopback, 0) : null,
                Peers = peers,
                AcceptLeaves = false,
                MinRedialDelay = TimeSpan.FromMilliseconds(20),
                MaxRedialDelay = TimeSpan.FromMilliseconds(200),
            };
            var domainSide = Domains[i].Attach(id.Value, loopback: false);
            _owned.Add(domainSide);
            var node = new GatewayNode(options, domainSide, _time, loggers);
            _owned.Add(node);
            await node.StartAsync(cancellationToken);
            hub ??= node.ListenEndPoint;
        }
    }

    private OverlayCredentials Credentials(X509Certificate2 authority, string name, DateTimeOffset now)
    {
        // A dialling gateway checks the address it dialled against the peer's certificate: every
        // certificate names 127.0.0.1. The PKCS#12 round trip gives the key a form TLS takes on
        // every platform; each credential holds its own copy of the CA, which it disposes.
        using var issued = DevelopmentCertificates.CreateNode(authority, name, [], [IPAddress.Loopback], 1, now);
        var credentials = OverlayCredentials.Create(
            X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null),
            X509CertificateLoader.LoadCertificate(authority.RawData));
        _credentials.Add(credentials);
        return credentials;
    }
}
