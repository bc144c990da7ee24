using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>Why an overlay link closed.</summary>
public enum OverlayLinkCloseReason
{
    /// <summary>We closed it: <see cref="OverlayLink.DisposeAsync"/> or the owner's cancellation.</summary>
    LocalClose,

    /// <summary>The peer ended the TCP stream.</summary>
    PeerClosed,

    /// <summary>The connection broke: a TCP reset, an abort, or a TLS record that failed to decrypt.</summary>
    Reset,

    /// <summary>No frame arrived for the dead interval.</summary>
    TimedOut,

    /// <summary>The peer sent bytes that are not a valid frame; <see cref="OverlayLinkClosure.FrameError"/> names why.</summary>
    MalformedFrame,

    /// <summary>The peer sent a link heartbeat whose payload is not one of docs/wire-format.md §5.1.1.</summary>
    MalformedHeartbeat,

    /// <summary>A failure not foreseen here, such as an exception from the owner's handler; logged as an error.</summary>
    Unexpected,
}

/// <summary>How an overlay link ended: the reason, the frame error for a malformed frame, and a sentence for people.</summary>
public sealed record OverlayLinkClosure(OverlayLinkCloseReason Reason, FrameError FrameError, string Detail, Exception? Exception = null)
{
    /// <inheritdoc/>
    public override string ToString() => Reason == OverlayLinkCloseReason.MalformedFrame ? $"{Reason} ({FrameError}): {Detail}" : $"{Reason}: {Detail}";
}
