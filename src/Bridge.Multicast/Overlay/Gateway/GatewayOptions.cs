using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Security.ControlPlane;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>Where a gateway stands in the overlay (DESIGN.md §6).</summary>
public enum GatewayRole
{
    /// <summary>A provider gateway: takes part in link-state routing and may serve leaf gateways.</summary>
    Transit,

    /// <summary>A home gateway: attaches to one or two upstream transit gateways and stays out of the link-state.</summary>
    Leaf,
}

/// <summary>What the gateway at the other end of an overlay link is to this one.</summary>
public enum PeerKind
{
    /// <summary>A transit gateway: a link of the link-state overlay.</summary>
    Gateway,

    /// <summary>A leaf gateway this transit gateway serves.</summary>
    Leaf,

    /// <summary>An upstream transit gateway of this leaf gateway.</summary>
    Upstream,
}

/// <summary>How an <see cref="OverlayGateway"/> behaves.</summary>
public sealed record GatewayOptions
{
    /// <summary>The well-known group on which the gateways of a domain exchange their election hellos.</summary>
    public static GroupName DefaultControlGroup { get; } = GroupName.Parse("ham:sg:gridcast.gateways");

    /// <summary>This gateway's id: unique in the overlay, and the CN of its certificate.</summary>
    public required GatewayId Id { get; init; }

    /// <summary>Transit or leaf.</summary>
    public GatewayRole Role { get; init; } = GatewayRole.Transit;

    /// <summary>
    /// The groups this gateway carries between its domain and the overlay: it takes their frames
    /// from the domain (when designated) and brings their frames from the overlay into it.
    /// </summary>
    public IReadOnlyList<GroupName> Carry { get; init; } = [];

    /// <summary>A leaf's upstream gateways, preferred first. Ignored for a transit gateway.</summary>
    public IReadOnlyList<GatewayId> Upstreams { get; init; } = [];

    /// <summary>The well-known group on which GridCast receivers report the groups they have joined.</summary>
    public static GroupName DefaultMembersGroup { get; } = GroupName.Parse("ham:sg:gridcast.members");

    /// <summary>
    /// Whether the domain's interest is learned from member reports (receivers that report the
    /// groups they joined, on <see cref="MembersGroup"/>) instead of assumed for every carried
    /// group. Plain IP receivers send no reports: leave this off where they are the members.
    /// </summary>
    public bool LearnMembers { get; init; }

    /// <summary>The group of the domain's member reports.</summary>
    public GroupName MembersGroup { get; init; } = DefaultMembersGroup;

    /// <summary>The group of the domain's election hellos.</summary>
    public GroupName ControlGroup { get; init; } = DefaultControlGroup;

    /// <summary>The source id of the frames this gateway itself sends (its hellos); the driver draws it at random.</summary>
    public ulong SourceId { get; init; }

    /// <summary>Priority in the election of designated gateways, 0 to 255 (higher wins).</summary>
    public byte Priority { get; init; } = 100;

    /// <summary>Time between election hellos.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a silent gateway of the domain still counts as alive; with <see cref="HelloInterval"/>
    /// it bounds the failover time.
    /// </summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromMilliseconds(350);

    /// <summary>
    /// How long a gateway that stood down for a group keeps covering it after its successor's
    /// advertisement arrived: frames sent along the old trees still reach it meanwhile, and it
    /// sends into the domain those the successor has not (make-before-break). A leaf that returns
    /// to its preferred upstream likewise keeps a group with the other one this long after the
    /// preferred one first delivered it.
    /// </summary>
    public TimeSpan HandoverTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a leaf that returns to its preferred upstream keeps asking the other one for the
    /// groups the preferred one has not delivered yet: <see cref="HandoverTime"/> plus twice the
    /// <see cref="HoldTime"/>, the bound of a designated gateway's handover. A group without
    /// traffic is never confirmed, and this ends its wait.
    /// </summary>
    public TimeSpan UpstreamReturnTime => HandoverTime + (2 * HoldTime);

    /// <summary>How long a starting gateway listens before it claims groups; the hold time when null.</summary>
    public TimeSpan? StartupWait { get; init; }

    /// <summary>Link-state flooding timers (transit gateways).</summary>
    public FloodingOptions Flooding { get; init; } = new();

    /// <summary>Sequence numbers remembered per (group, source) for duplicate suppression.</summary>
    public int DuplicateWindow { get; init; } = 4096;

    /// <summary>Fragments remembered per (group, source) for duplicate suppression.</summary>
    public int FragmentHistory { get; init; } = 8192;

    /// <summary>The most (group, source) pairs remembered; past it the least recently used is forgotten.</summary>
    public int MaxSources { get; init; } = 65_536;

    /// <summary>A (group, source) pair not heard for this long is forgotten.</summary>
    public TimeSpan SourceIdleTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The keys that authenticate the gateway's control frames on its domain and its links
    /// (docs/security.md, "Control plane"); null, or a null ring, leaves that side unauthenticated.
    /// </summary>
    public ControlPlaneKeys? ControlKeys { get; init; }

    /// <summary>The hop margin, linger and bounds of the gateway's aggregator (the reverse channel, docs/aggregation.md).</summary>
    public AggregatorOptions Aggregation { get; init; } = new();

    /// <summary>The election settings these options imply.</summary>
    public ElectionOptions ElectionOptions => new()
    {
        Id = Id,
        Priority = Priority,
        HelloInterval = HelloInterval,
        HoldTime = HoldTime,
        StartupWait = StartupWait,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting no gateway can run with.</summary>
    public void Validate()
    {
        GatewayId.ThrowIfDefault(Id, nameof(Id));
        ArgumentNullException.ThrowIfNull(Carry);
        ArgumentNullException.ThrowIfNull(Upstreams);
        ArgumentNullException.ThrowIfNull(ControlGroup);
        ElectionOptions.Validate();
        if (Role == GatewayRole.Leaf && Upstreams.Count is < 1 or > 2)
        {
            throw new ArgumentException($"A leaf gateway needs one or two upstream gateways, not {Upstreams.Count}.", nameof(Upstreams));
        }

        if (Upstreams.Contains(Id))
        {
            throw new ArgumentException($"Gateway {Id} cannot be its own upstream.", nameof(Upstreams));
        }

        if (Carry.Contains(ControlGroup) || Carry.Contains(MembersGroup))
        {
            throw new ArgumentException($"The control groups {ControlGroup} and {MembersGroup} cannot be carried.", nameof(Carry));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateWindow, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(FragmentHistory, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSources, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SourceIdleTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(HandoverTime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(Aggregation);
        Aggregation.Validate();
        ControlKeys?.Window.Validate();
    }
}
