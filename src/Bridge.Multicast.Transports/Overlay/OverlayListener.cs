using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>
/// Accepts overlay links: TCP connections on one end point, each authenticated by a TLS server
/// handshake that requires a client certificate of the overlay CA (<see cref="OverlayCredentials"/>).
/// </summary>
/// <remarks>
/// <see cref="Start"/> binds and begins accepting; handshakes run concurrently, each bounded by
/// <see cref="OverlayLinkOptions.HandshakeTimeout"/>, so a peer that connects and says nothing
/// holds up no one. <see cref="AcceptAsync"/> returns each outcome in the order handshakes end: a
/// link to run, or a classified failure (also logged). Up to 64 outcomes wait for the owner;
/// beyond that, finished handshakes wait too. A failed handshake never stops the listener.
/// </remarks>
public sealed class OverlayListener : IAsyncDisposable
{
    private const int PendingOutcomes = 64;

    private readonly OverlayCredentials _credentials;
    private readonly IPEndPoint _endPoint;
    private readonly OverlayLinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<OverlayHandshakeResult> _outcomes = Channel.CreateBounded<OverlayHandshakeResult>(
        new BoundedChannelOptions(PendingOutcomes) { SingleReader = false, SingleWriter = false });

    private Socket? _socket;
    private Task? _acceptLoop;

    /// <summary>Prepares a listener on <paramref name="endPoint"/> (port 0 picks a free port); nothing is bound until <see cref="Start"/>.</summary>
    public OverlayListener(OverlayCredentials credentials, IPEndPoint endPoint, OverlayLinkOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(endPoint);
        _options = options ?? new OverlayLinkOptions();
        _options.Validate();
        _credentials = credentials;
        _endPoint = endPoint;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The bound end point; available after <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_socket?.LocalEndPoint ?? throw new InvalidOperationException("the overlay listener is not started");

    /// <summary>Binds, listens and starts accepting. Throws <see cref="SocketException"/> when the end point cannot be bound.</summary>
    public void Start()
    {
        if (_socket is not null)
        {
            throw new InvalidOperationException("the overlay listener is already started");
        }

        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(_endPoint);
            socket.Listen();
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        OverlayLog.Listening(_logger, LocalEndPoint.ToString());
        _acceptLoop = AcceptLoopAsync(socket, _stopping.Token);
    }

    /// <summary>The next handshake outcome: a link for the owner to run, or why a peer was refused.</summary>
    /// <exception cref="ChannelClosedException">The listener was disposed.</exception>
    public ValueTask<OverlayHandshakeResult> AcceptAsync(CancellationToken cancellationToken = default)
        => _outcomes.Reader.ReadAsync(cancellationToken);

    /// <summary>Stops accepting, abandons running handshakes and closes links no one took.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        _outcomes.Writer.TryComplete();
        while (_outcomes.Reader.TryRead(out var untaken))
        {
            if (untaken.Link is { } link)
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        var endPoint = LocalEndPoint.ToString();
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (!cancellationToken.IsCancellationRequested)
            {
                // A connection reset before we took it; the listening socket keeps working.
                OverlayLog.AcceptFailed(_logger, endPoint, e.SocketErrorCode.ToString());
                continue;
            }
            catch (SocketException)
            {
                return;
            }
            catch (Exception e)
            {
                OverlayLog.ListenerFailed(_logger, endPoint, e);
                return;
            }

            _ = HandshakeAsync(accepted, cancellationToken);
        }
    }

    private async Task HandshakeAsync(Socket accepted, CancellationToken cancellationToken)
    {
        OverlayHandshakeResult outcome;
        try
        {
            outcome = await OverlayHandshake.AuthenticateAsync(accepted, _credentials, dialledName: null, _options, _time, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await _outcomes.Writer.WriteAsync(outcome, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            if (outcome.Link is { } link)
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
