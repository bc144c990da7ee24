using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>
/// Dials overlay peers: a TCP connect and a TLS client handshake with our node certificate, the
/// peer's certificate checked against the overlay CA and the name we dialled.
/// </summary>
/// <remarks>
/// With TLS 1.3 the server checks our certificate after our side of the handshake is done, so a
/// peer that refuses us can yield a link that closes at once (<see cref="OverlayLinkCloseReason.Reset"/>
/// or <see cref="OverlayLinkCloseReason.PeerClosed"/>); the peer logs the real reason.
/// </remarks>
public sealed class OverlayConnector
{
    private readonly OverlayCredentials _credentials;
    private readonly OverlayLinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a connector that dials with <paramref name="credentials"/>.</summary>
    public OverlayConnector(OverlayCredentials credentials, OverlayLinkOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _options = options ?? new OverlayLinkOptions();
        _options.Validate();
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Dials <paramref name="endPoint"/> and expects its certificate to name <paramref name="peerName"/>.
    /// Returns a link to run, or the classified failure (also logged); throws only for cancellation.
    /// </summary>
    public async Task<OverlayHandshakeResult> ConnectAsync(EndPoint endPoint, string peerName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentException.ThrowIfNullOrEmpty(peerName);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using (var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                return new OverlayHandshakeResult { Failure = OverlayHandshake.ConnectFailed(endPoint, e, timeout.IsCancellationRequested, _logger) };
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        return await OverlayHandshake.AuthenticateAsync(socket, _credentials, peerName, _options, _time, _logger, cancellationToken).ConfigureAwait(false);
    }
}
