using System.Net;
using Bridge.Core.Configuration;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;

namespace Bridge.Host.Node;

/// <summary>A transit gateway's peer.</summary>
/// <param name="Id">The peer's node id (its certificate's CN).</param>
/// <param name="Address">Where to dial it; null when this gateway only accepts the peer's link.</param>
public sealed record PeerDefinition(string Id, HostPort? Address);

/// <summary>A leaf gateway's upstream transit gateway.</summary>
/// <param name="Id">The upstream's node id (its certificate's CN).</param>
/// <param name="Address">Where to dial it.</param>
public sealed record UpstreamDefinition(string Id, HostPort Address);

/// <summary>The PEM files of a gateway's overlay TLS, as absolute paths.</summary>
/// <param name="Certificate">This node's certificate.</param>
/// <param name="Key">Its private key.</param>
/// <param name="Authority">The CA certificate peers' certificates must chain to.</param>
public sealed record TlsFiles(string Certificate, string Key, string Authority);

/// <summary>
/// The <c>gateway</c> section (DESIGN.md §6). Not reloadable yet: the gateway's role, links,
/// certificates and election take part in the overlay's link state and in every peer's view of
/// this node; changing them while running needs the gateway to leave and rejoin the overlay in
/// order, which the gateway does not do yet. A change takes effect at the next start.
/// </summary>
public sealed record GatewaySection
{
    /// <summary>The key of the section.</summary>
    public const string Key = "gateway";

    /// <summary>Transit or leaf.</summary>
    public required GatewayRole Role { get; init; }

    /// <summary>The groups carried between the domain and the overlay.</summary>
    public required IReadOnlyList<GroupName> Carry { get; init; }

    /// <summary>Where a transit gateway accepts links; null for a leaf.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The overlay TLS material.</summary>
    public required TlsFiles Tls { get; init; }

    /// <summary>A transit gateway's peers; empty for a leaf.</summary>
    public required IReadOnlyList<PeerDefinition> Peers { get; init; }

    /// <summary>Whether a transit gateway accepts links from leaf gateways.</summary>
    public bool AcceptLeaves { get; init; }

    /// <summary>Whether the domain's interest in carried groups is learned from GridCast receivers' member reports.</summary>
    public bool LearnMembers { get; init; }

    /// <summary>A leaf gateway's one or two upstreams; empty for a transit gateway.</summary>
    public required IReadOnlyList<UpstreamDefinition> Upstreams { get; init; }

    /// <summary>How often a heartbeat goes over each link.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A link without a heartbeat for this long is dead.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Designated-gateway election priority, 0 to 255; the highest wins.</summary>
    public int Priority { get; init; } = 100;

    /// <summary>How often the gateways of a domain say hello to each other.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A gateway not heard from for this long is gone and the election runs again.</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromMilliseconds(350);

    /// <summary>The key file with the overlay's control-plane ring, as an absolute path; null for untagged control frames on the links.</summary>
    public string? OverlayKeyFile { get; init; }

    /// <summary>The ring's name in that file; null for its only domain ring.</summary>
    public string? OverlayKeyRing { get; init; }
}

/// <summary>The <c>gateway</c> section as bound: the texts of its keys, each with its path.</summary>
/// <param name="Path">The section's path.</param>
public sealed record GatewayInput(string Path)
{
    /// <summary>Whether the section was a mapping; false when it had the wrong shape, which binding reported.</summary>
    public bool Bound { get; init; } = true;

    /// <summary><c>role</c>.</summary>
    public ConfigText? Role { get; init; }

    /// <summary>Whether <c>carry</c> was given.</summary>
    public bool HasCarry { get; init; }

    /// <summary><c>carry</c>: its items that are values; null when it is not a list.</summary>
    public IReadOnlyList<ConfigText>? Carry { get; init; }

    /// <summary><c>learnMembers</c>.</summary>
    public ConfigText? LearnMembers { get; init; }

    /// <summary><c>listen</c>.</summary>
    public ConfigText? Listen { get; init; }

    /// <summary><c>tls</c>, when it is a mapping.</summary>
    public TlsInput? Tls { get; init; }

    /// <summary>Whether <c>peers</c> was given.</summary>
    public bool HasPeers { get; init; }

    /// <summary><c>peers</c>: its items that are mappings; null when it is not a list.</summary>
    public IReadOnlyList<LinkInput>? Peers { get; init; }

    /// <summary><c>acceptLeaves</c>.</summary>
    public ConfigText? AcceptLeaves { get; init; }

    /// <summary>Whether <c>upstreams</c> was given.</summary>
    public bool HasUpstreams { get; init; }

    /// <summary><c>upstreams</c>: its items that are mappings; null when it is not a list.</summary>
    public IReadOnlyList<LinkInput>? Upstreams { get; init; }

    /// <summary>How many items <c>upstreams</c> has, mappings or not.</summary>
    public int UpstreamCount { get; init; }

    /// <summary><c>heartbeat</c>, when it is a mapping: <c>interval</c>, <c>deadAfter</c>.</summary>
    public (ConfigText? Interval, ConfigText? DeadAfter)? Heartbeat { get; init; }

    /// <summary><c>election</c>, when it is a mapping: <c>priority</c>, <c>helloInterval</c>, <c>holdTime</c>.</summary>
    public (ConfigText? Priority, ConfigText? HelloInterval, ConfigText? HoldTime)? Election { get; init; }

    /// <summary><c>overlayKeyFile</c>.</summary>
    public ConfigText? OverlayKeyFile { get; init; }

    /// <summary><c>overlayKeyRing</c>.</summary>
    public ConfigText? OverlayKeyRing { get; init; }

    /// <summary>The path of <paramref name="key"/> in the section.</summary>
    public string PathOf(string key) => ConfigPath.Key(Path, key);
}

/// <summary><c>gateway.tls</c> as bound.</summary>
/// <param name="Path">Its path.</param>
/// <param name="Certificate"><c>certificate</c>.</param>
/// <param name="Key"><c>key</c>.</param>
/// <param name="Authority"><c>authority</c>.</param>
public sealed record TlsInput(string Path, ConfigText? Certificate, ConfigText? Key, ConfigText? Authority);

/// <summary>One item of <c>gateway.peers</c> or <c>gateway.upstreams</c> as bound.</summary>
/// <param name="Path">Its path.</param>
/// <param name="Id"><c>id</c>.</param>
/// <param name="Address"><c>address</c>.</param>
public sealed record LinkInput(string Path, ConfigText? Id, ConfigText? Address);
