using Bridge.Multicast.Aggregation;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// Why an <see cref="OverlayGateway"/> refused an input. Each refusal is raised as
/// <see cref="InputRejected"/> and counted under its reason (<see cref="GatewayCounters.Rejected"/>)
/// and, as before, in one of the summary counters that <see cref="GatewayRejections.SummaryOf"/> names.
/// What the peer or the domain sent wrong is its fault, never ours: none of these throws.
/// </summary>
public enum GatewayRejection
{
    /// <summary>A datagram from the domain is not a GridCast frame; the event's cause is the <see cref="Wire.FrameError"/>.</summary>
    MalformedDatagram,

    /// <summary>An election hello from the domain arrived as a fragment.</summary>
    FragmentedHello,

    /// <summary>An election hello from the domain did not decode; the cause is the <see cref="Election.HelloError"/>.</summary>
    MalformedHello,

    /// <summary>A member report from the domain arrived as a fragment.</summary>
    FragmentedMemberReport,

    /// <summary>A member report from the domain did not decode; the cause is the <see cref="Election.HelloError"/>.</summary>
    MalformedMemberReport,

    /// <summary>A frame came from a gateway that is not (or no longer) a peer; the cause is its <see cref="Wire.FrameType"/>.</summary>
    UnknownPeer,

    /// <summary>A peer sent a frame its kind may not send (or a fragment of a control frame); the cause is its <see cref="Wire.FrameType"/>.</summary>
    UnexpectedFrame,

    /// <summary>A Relay frame did not decode; the cause is the <see cref="RelayError"/>.</summary>
    MalformedRelay,

    /// <summary>A relayed frame names a group that does not parse.</summary>
    RelayGroupInvalid,

    /// <summary>A leaf's interest did not decode; the cause is the <see cref="Election.HelloError"/>.</summary>
    MalformedInterest,

    /// <summary>A leaf's interest names another gateway than the leaf at the other end of the link.</summary>
    InterestFromOtherGateway,

    /// <summary>A Request relay came from a peer that is no parent of requests (a leaf); the cause is <see cref="Wire.FrameType.Request"/>.</summary>
    UnexpectedRequest,

    /// <summary>A PartialAggregate frame from a peer arrived as a fragment: gateways send partials whole on links.</summary>
    FragmentedPartial,

    /// <summary>A PartialAggregate frame from a peer did not decode; the cause is the <see cref="AggregationError"/>.</summary>
    MalformedPartial,

    /// <summary>A link-state advertisement was refused because the database is full (<see cref="Flooding.FloodingOptions.MaxOrigins"/>).</summary>
    OriginRefused,

    /// <summary>An election hello from the domain failed the domain key's checks; the cause is the <see cref="Security.ControlPlane.ControlFrameRejection"/>.</summary>
    UnauthenticatedHello,

    /// <summary>A member report from the domain failed the domain key's checks; the cause is the <see cref="Security.ControlPlane.ControlFrameRejection"/>.</summary>
    UnauthenticatedMemberReport,

    /// <summary>A link-state message from a peer failed the overlay key's checks; the cause is the <see cref="Security.ControlPlane.ControlFrameRejection"/>.</summary>
    UnauthenticatedLinkState,

    /// <summary>A leaf's interest failed the overlay key's checks; the cause is the <see cref="Security.ControlPlane.ControlFrameRejection"/>.</summary>
    UnauthenticatedInterest,

    /// <summary>A PartialAggregate frame from a peer failed the overlay key's checks; the cause is the <see cref="Security.ControlPlane.ControlFrameRejection"/>.</summary>
    UnauthenticatedPartial,
}

/// <summary>How each <see cref="GatewayRejection"/> is counted.</summary>
public static class GatewayRejections
{
    /// <summary>Every reason, in declaration order.</summary>
    public static IReadOnlyList<GatewayRejection> All { get; } = Enum.GetValues<GatewayRejection>();

    /// <summary>
    /// The summary counter of <see cref="GatewayCounters"/> that a refusal for
    /// <paramref name="reason"/> also adds to, by property name; null for
    /// <see cref="GatewayRejection.OriginRefused"/>, which the flooding counts itself.
    /// </summary>
    public static string? SummaryOf(GatewayRejection reason) => reason switch
    {
        GatewayRejection.MalformedDatagram or GatewayRejection.FragmentedHello or GatewayRejection.MalformedHello
            or GatewayRejection.FragmentedMemberReport or GatewayRejection.MalformedMemberReport => nameof(GatewayCounters.NativeMalformed),
        GatewayRejection.UnknownPeer => nameof(GatewayCounters.UnknownPeer),
        GatewayRejection.UnexpectedFrame or GatewayRejection.MalformedRelay or GatewayRejection.RelayGroupInvalid
            or GatewayRejection.MalformedInterest or GatewayRejection.InterestFromOtherGateway
            or GatewayRejection.UnexpectedRequest or GatewayRejection.FragmentedPartial or GatewayRejection.MalformedPartial => nameof(GatewayCounters.PeerRejected),
        GatewayRejection.OriginRefused => null,
        GatewayRejection.UnauthenticatedHello or GatewayRejection.UnauthenticatedMemberReport => nameof(GatewayCounters.NativeUnauthenticated),
        GatewayRejection.UnauthenticatedLinkState or GatewayRejection.UnauthenticatedInterest or GatewayRejection.UnauthenticatedPartial => nameof(GatewayCounters.PeerRejected),
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not a gateway rejection"),
    };
}
