using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Bridge.Core.Configuration;
using Bridge.Host.Configuration;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Transports.Overlay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Node;

/// <summary>Adds a gateway node (the <c>gateway</c> section of a node configuration) to the host.</summary>
internal static partial class GatewayRegistration
{
    /// <summary>Adds the gateway of <paramref name="config"/>, whose domain side is <paramref name="domainInterface"/>.</summary>
    public static void Add(IServiceCollection services, NodeConfiguration config, MulticastInterface domainInterface)
    {
        ArgumentNullException.ThrowIfNull(config.Gateway);
        ArgumentNullException.ThrowIfNull(domainInterface);
        services.AddSingleton(provider => new GatewayService(
            config,
            domainInterface,
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddHostedService(provider => provider.GetRequiredService<GatewayService>());
    }

    /// <summary>The options of the gateway driver that a validated configuration describes.</summary>
    public static GatewayNodeOptions ToNodeOptions(NodeConfiguration config, OverlayCredentials credentials, ControlPlaneKeys? controlKeys = null)
    {
        var gateway = config.Gateway ?? throw new ArgumentException("the configuration has no gateway section", nameof(config));
        var leaf = gateway.Role == GatewayRole.Leaf;
        var peers = leaf
            ? gateway.Upstreams.Select(static u => new GatewayPeer(new GatewayId(u.Id), EndPointOf(u.Address)))
            : gateway.Peers.Select(static p => new GatewayPeer(new GatewayId(p.Id), p.Address is null ? null : EndPointOf(p.Address)));
        return new GatewayNodeOptions
        {
            Gateway = new GatewayOptions
            {
                Id = new GatewayId(config.Node.Id),
                Role = gateway.Role,
                Carry = gateway.Carry,
                LearnMembers = gateway.LearnMembers,
                Upstreams = leaf ? [.. gateway.Upstreams.Select(static u => new GatewayId(u.Id))] : [],
                SourceId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)),
                Priority = (byte)gateway.Priority,
                HelloInterval = gateway.HelloInterval,
                HoldTime = gateway.HoldTime,
                ControlKeys = controlKeys,
            },
            Credentials = credentials,
            Listen = gateway.Listen,
            Peers = [.. peers],
            AcceptLeaves = gateway.AcceptLeaves,
            Link = new OverlayLinkOptions { HeartbeatInterval = gateway.HeartbeatInterval, DeadInterval = gateway.DeadAfter },

            // Frames of the carried secured groups are verified before they enter the overlay.
            Protections = config.Security?.Protections(config.Groups.Where(g => !g.IsTemplate && gateway.Carry.Contains(g.Name)))
                ?? new Dictionary<Bridge.Multicast.Naming.GroupName, Bridge.Multicast.Security.GroupProtection>(),
        };
    }

    /// <summary>
    /// The control-plane key rings the file names (<c>domain.keyFile</c>, <c>gateway.overlayKeyFile</c>),
    /// read now; null when it names neither, which leaves the control plane unauthenticated.
    /// </summary>
    public static ControlPlaneKeys? LoadControlKeys(NodeConfiguration config, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        var domain = config.Domain.KeyFile is { } domainFile ? ControlKeyFiles.Load(domainFile, config.Domain.KeyRing) : null;
        var overlay = config.Gateway?.OverlayKeyFile is { } overlayFile ? ControlKeyFiles.Load(overlayFile, config.Gateway.OverlayKeyRing) : null;
        return domain is null && overlay is null ? null : new ControlPlaneKeys { Domain = domain, Overlay = overlay, WallClock = time };
    }

    private static EndPoint EndPointOf(HostPort address) =>
        IPAddress.TryParse(address.Host, out var ip) ? new IPEndPoint(ip, address.Port) : new DnsEndPoint(address.Host, address.Port);

    /// <summary>The ids of the gateways this one keeps links to: its peers (transit) or its upstreams (leaf).</summary>
    public static IReadOnlyList<string> ConfiguredPeers(GatewaySection gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return gateway.Role == GatewayRole.Leaf ? [.. gateway.Upstreams.Select(static u => u.Id)] : [.. gateway.Peers.Select(static p => p.Id)];
    }

    /// <summary>Runs the gateway driver for the lifetime of the host.</summary>
    internal sealed partial class GatewayService(NodeConfiguration config, MulticastInterface domainInterface, ILoggerFactory loggers, TimeProvider time) : IHostedService, IAsyncDisposable
    {
        private readonly ILogger _logger = loggers.CreateLogger<GatewayService>();
        private OverlayCredentials? _credentials;
        private IpInterface? _domain;
        private GatewayNode? _node;

        /// <summary>The running gateway driver, for metrics and health; null before it started and after it stopped.</summary>
        public GatewayNode? Node => Volatile.Read(ref _node);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var gateway = config.Gateway!;
            _credentials = OverlayCredentials.Load(gateway.Tls.Certificate, gateway.Tls.Key, gateway.Tls.Authority);
            if (!string.Equals(_credentials.Name, config.Node.Id, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{gateway.Tls.Certificate}: the certificate is issued to '{_credentials.Name}', but node.id is '{config.Node.Id}'; peers check the id against the certificate");
            }

            var controlKeys = LoadControlKeys(config, time);
            if (controlKeys?.Domain is null)
            {
                Log.DomainUnauthenticated(_logger, config.Node.Id);
            }

            if (controlKeys?.Overlay is null)
            {
                Log.OverlayUnauthenticated(_logger, config.Node.Id);
            }

            var options = ToNodeOptions(config, _credentials, controlKeys);
            _domain = new IpInterface(domainInterface, config.Domain.ToIpOptions(), loggers.CreateLogger<IpInterface>());
            _node = new GatewayNode(options, _domain, time, loggers);
            try
            {
                await _node.StartAsync(cancellationToken);
            }
            catch (SocketException e) when (gateway.Listen is { } listen)
            {
                // The socket's own words ("Address already in use") do not say which address.
                throw new IOException($"gateway.listen: cannot listen on {listen}: {e.Message}", e);
            }

            Log.Ready(_logger, config.Node.Id, _node.ListenEndPoint?.ToString() ?? "-", _domain.Id.ToString());
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

        public async ValueTask DisposeAsync()
        {
            if (_node is not null)
            {
                await _node.DisposeAsync();
                _node = null;
            }

            if (_domain is not null)
            {
                await _domain.DisposeAsync();
                _domain = null;
            }

            _credentials?.Dispose();
            _credentials = null;
        }

        private static partial class Log
        {
            [LoggerMessage(450, LogLevel.Information, "Gateway ready {Node}: overlay on {Listen}, domain on {Interface}")]
            public static partial void Ready(ILogger logger, string node, string listen, string @interface);

            [LoggerMessage(451, LogLevel.Warning, "Gateway {Node}: the domain's control plane is unauthenticated (no domain.keyFile): any host on the domain can send election hellos and member reports that count (docs/security.md, Control plane)")]
            public static partial void DomainUnauthenticated(ILogger logger, string node);

            [LoggerMessage(452, LogLevel.Information, "Gateway {Node}: control frames on the overlay links are not tagged (no gateway.overlayKeyFile); only the links' TLS authenticates them (docs/security.md, Control plane)")]
            public static partial void OverlayUnauthenticated(ILogger logger, string node);
        }
    }
}
