using Microsoft.Extensions.Logging;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>
/// Log messages of the overlay link driver, event ids 301 to 399. As in Kestrel's socket loop, a
/// peer that goes away or misbehaves is information or a warning; only the unexpected is an error.
/// </summary>
internal static partial class OverlayLog
{
    [LoggerMessage(301, LogLevel.Information, "Overlay listener on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(302, LogLevel.Information, "Overlay link to {Peer} at {Remote} is up ({Role})")]
    public static partial void LinkUp(ILogger logger, string peer, string remote, string role);

    [LoggerMessage(303, LogLevel.Warning, "Overlay handshake with {Remote} refused: {Rejection}: {Detail}")]
    public static partial void HandshakeRefused(ILogger logger, string remote, PeerCertificateRejection rejection, string detail);

    [LoggerMessage(304, LogLevel.Information, "Overlay handshake with {Remote} failed ({Error}): {Detail}")]
    public static partial void HandshakeFailed(ILogger logger, string remote, OverlayHandshakeError error, string detail);

    [LoggerMessage(305, LogLevel.Information, "Overlay link to {Peer} closed by the peer{Detail}")]
    public static partial void PeerClosed(ILogger logger, string peer, string detail);

    [LoggerMessage(306, LogLevel.Information, "Overlay link to {Peer} reset: {Detail}")]
    public static partial void Reset(ILogger logger, string peer, string detail);

    [LoggerMessage(307, LogLevel.Warning, "Overlay link to {Peer} timed out: {Detail}")]
    public static partial void TimedOut(ILogger logger, string peer, string detail);

    [LoggerMessage(308, LogLevel.Warning, "Overlay link to {Peer} closed: malformed frame ({FrameError})")]
    public static partial void MalformedFrame(ILogger logger, string peer, Wire.FrameError frameError);

    [LoggerMessage(309, LogLevel.Warning, "Overlay link to {Peer} closed: {Detail}")]
    public static partial void MalformedHeartbeat(ILogger logger, string peer, string detail);

    [LoggerMessage(310, LogLevel.Error, "Overlay link to {Peer} failed unexpectedly: {Detail}")]
    public static partial void Unexpected(ILogger logger, string peer, string detail, Exception? exception);

    [LoggerMessage(311, LogLevel.Debug, "Overlay link to {Peer} closed locally")]
    public static partial void LocalClose(ILogger logger, string peer);

    [LoggerMessage(312, LogLevel.Debug, "Accepting on the overlay listener {EndPoint} failed: {SocketError}")]
    public static partial void AcceptFailed(ILogger logger, string endPoint, string socketError);

    [LoggerMessage(313, LogLevel.Error, "The overlay listener on {EndPoint} stopped unexpectedly")]
    public static partial void ListenerFailed(ILogger logger, string endPoint, Exception exception);
}
