using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>Timing and size limits of overlay links, shared by <see cref="OverlayListener"/> and <see cref="OverlayConnector"/>.</summary>
public sealed record OverlayLinkOptions
{
    /// <summary>How often a link sends a heartbeat probe (docs/wire-format.md §5.1.1); each echo is one round-trip sample.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A link that receives no frame for this long is closed as <see cref="OverlayLinkCloseReason.TimedOut"/>.
    /// The check runs at every heartbeat, so a dead link is noticed within one heartbeat interval after this.
    /// </summary>
    public TimeSpan DeadInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How long a TCP connect plus TLS handshake may take.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest frame a link accepts or sends. It is also the size of a link's receive buffer:
    /// a header announcing more closes the link before its body is read. The default leaves room
    /// for a Relay around the largest datagram frame.
    /// </summary>
    public int MaxFrameSize { get; init; } = FrameCodec.DefaultMaxFrameSize + RelayCodec.MaxOverhead;

    /// <summary>Throws <see cref="ArgumentException"/> for values no link can run with.</summary>
    internal void Validate()
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the heartbeat interval must be positive, not {HeartbeatInterval}", nameof(HeartbeatInterval));
        }

        if (DeadInterval <= HeartbeatInterval)
        {
            throw new ArgumentException($"the dead interval ({DeadInterval}) must be longer than the heartbeat interval ({HeartbeatInterval})", nameof(DeadInterval));
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the handshake timeout must be positive, not {HandshakeTimeout}", nameof(HandshakeTimeout));
        }

        if (MaxFrameSize < FrameCodec.MinFrameSize)
        {
            throw new ArgumentException($"the maximum frame size must be at least {FrameCodec.MinFrameSize} bytes, not {MaxFrameSize}", nameof(MaxFrameSize));
        }
    }
}
