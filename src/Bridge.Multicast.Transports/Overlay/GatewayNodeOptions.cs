using System.Net;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>An overlay peer of a gateway: its id (its certificate's CN) and, when this side dials it, its address.</summary>
/// <param name="Id">The peer's gateway id.</param>
/// <param name="Address">Where to dial it; null when only the peer dials.</param>
public sealed record GatewayPeer(GatewayId Id, EndPoint? Address);

/// <summary>How a <see cref="GatewayNode"/> runs: the state machine's options and what the driver needs around it.</summary>
public sealed record GatewayNodeOptions
{
    /// <summary>The gateway state machine's options (id, role, carried groups, election).</summary>
    public required GatewayOptions Gateway { get; init; }

    /// <summary>This gateway's certificate and the CA it trusts.</summary>
    public required OverlayCredentials Credentials { get; init; }

    /// <summary>Where a transit gateway accepts overlay links; null accepts none (a leaf).</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>
    /// A transit gateway's peer gateways, or a leaf's upstreams (in <see cref="GatewayOptions.Upstreams"/> order).
    /// Peers with an address are dialled and redialled; the others may dial in.
    /// </summary>
    public IReadOnlyList<GatewayPeer> Peers { get; init; } = [];

    /// <summary>Whether a transit gateway accepts links from authenticated gateways that are not among its peers, as leaves.</summary>
    public bool AcceptLeaves { get; init; } = true;

    /// <summary>Heartbeats, dead interval and frame limit of every link.</summary>
    public OverlayLinkOptions Link { get; init; } = new();

    /// <summary>The first wait before dialling a peer again; it doubles up to <see cref="MaxRedialDelay"/>.</summary>
    public TimeSpan MinRedialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two dials of a peer.</summary>
    public TimeSpan MaxRedialDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Frames queued for one peer before further frames for it are dropped (and counted).</summary>
    public int PeerQueueLength { get; init; } = 4096;

    /// <summary>
    /// Secured groups whose keys this gateway holds: their frames from the domain are verified
    /// before they enter the overlay (docs/security.md). Groups not listed are relayed as they are.
    /// </summary>
    public IReadOnlyDictionary<Naming.GroupName, Security.GroupProtection> Protections { get; init; } = new Dictionary<Naming.GroupName, Security.GroupProtection>();
}
