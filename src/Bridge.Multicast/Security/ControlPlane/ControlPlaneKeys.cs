using Bridge.Multicast.Security.Keys;

namespace Bridge.Multicast.Security.ControlPlane;

/// <summary>
/// The keys a gateway tags and checks its control frames with (docs/security.md, "Control
/// plane"): the domain's ring for what it sends and hears on its multicast domain (election
/// hellos, member reports, partials into the domain) and the overlay's for what crosses its links
/// (link state, a leaf's interest, partials). A ring left null leaves that side unauthenticated,
/// as before keys existed.
/// </summary>
public sealed record ControlPlaneKeys
{
    /// <summary>The domain's HMAC-SHA256-128 ring; null for an unauthenticated domain side.</summary>
    public KeyRing? Domain { get; init; }

    /// <summary>The overlay's HMAC-SHA256-128 ring; null for unauthenticated control frames on the links (which TLS still authenticates per link).</summary>
    public KeyRing? Overlay { get; init; }

    /// <summary>The wall clock for the timestamps on the wire and their check (the protocol's own timing stays monotonic).</summary>
    public required TimeProvider WallClock { get; init; }

    /// <summary>How old a control frame may be, and how many senders' replay windows are kept.</summary>
    public ControlFrameWindow Window { get; init; } = new();

    /// <summary>An authenticator for the domain ring, or null.</summary>
    public ControlFrameAuthenticator? ForDomain() => Domain is null ? null : new ControlFrameAuthenticator(Domain, WallClock, Window);

    /// <summary>An authenticator for the overlay ring, or null.</summary>
    public ControlFrameAuthenticator? ForOverlay() => Overlay is null ? null : new ControlFrameAuthenticator(Overlay, WallClock, Window);
}
