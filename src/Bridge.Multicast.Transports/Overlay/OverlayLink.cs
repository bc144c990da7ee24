using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Bridge.Multicast.Overlay.Links;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>Which side opened an overlay link.</summary>
public enum OverlayLinkRole
{
    /// <summary>The peer dialled our <see cref="OverlayListener"/>.</summary>
    Accepted,

    /// <summary>Our <see cref="OverlayConnector"/> dialled the peer.</summary>
    Dialled,
}

/// <summary>What the owner of a link hears while <see cref="OverlayLink.RunAsync"/> runs.</summary>
public interface IOverlayLinkHandler
{
    /// <summary>
    /// A frame arrived. Its group, payload and tag are slices of the link's receive buffer, valid
    /// only until the returned task completes: copy what you keep. The link reads no further until
    /// then, so a slow handler slows the peer down (TCP back-pressure) rather than filling memory.
    /// Link heartbeats (docs/wire-format.md §5.1.1) are consumed by the link and never come here.
    /// </summary>
    ValueTask OnFrameAsync(OverlayLink link, GridCastFrame frame, CancellationToken cancellationToken);

    /// <summary>A heartbeat echo gave a new round-trip sample; <paramref name="smoothed"/> is the new link cost estimate.</summary>
    void OnRoundTripTime(OverlayLink link, TimeSpan sample, TimeSpan smoothed);
}

/// <summary>
/// One authenticated overlay link to a peer gateway (DESIGN.md §6): GridCast frames back to back
/// on a mutually authenticated TLS stream. A driver: it moves frames and measures the link, and
/// makes no routing decision.
/// </summary>
/// <remarks>
/// <para>
/// Call order: the listener or connector hands out a link; the owner calls <see cref="RunAsync"/>
/// once, which reads frames into the handler and sends heartbeats until the link closes, and
/// returns why it closed (also in <see cref="Completion"/>). Until then the link neither reads nor
/// sends heartbeats, so the owner starts it promptly, or the peer will time it out. <see cref="SendAsync"/> may be called
/// from any thread at any time; writes are serialised. <see cref="DisposeAsync"/> closes the link.
/// </para>
/// <para>
/// Receiving uses one buffer of <see cref="OverlayLinkOptions.MaxFrameSize"/> bytes. The codec
/// checks each header before the body is waited for, so a peer cannot make the link buffer more,
/// whatever length it announces. Frames have no delimiter: the first malformed frame closes the
/// link with its <see cref="FrameError"/>.
/// </para>
/// <para>
/// Liveness: every heartbeat interval the link sends a probe and checks that some frame arrived
/// within the dead interval; the peer echoes each probe and the echo gives a round-trip sample,
/// smoothed as in RFC 6298 §2 (SRTT = 7/8 SRTT + 1/8 sample). All timing uses the injected
/// <see cref="TimeProvider"/>.
/// </para>
/// <para>
/// Nothing the peer does throws out of <see cref="RunAsync"/>: each failure closes the link with a
/// classified <see cref="OverlayLinkCloseReason"/> and is logged once.
/// </para>
/// </remarks>
public sealed class OverlayLink : IAsyncDisposable
{
    // Compact the receive buffer when less than this is free at its end, so reads stay large.
    private const int MinReadSpace = 4096;

    private readonly Socket _socket;
    private readonly SslStream _tls;
    private readonly OverlayLinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<OverlayLinkClosure> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ulong _sourceId = BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8));
    private readonly long _epoch;
    private readonly LinkLiveness _liveness;
    private readonly RoundTripEstimator _rtt = new();

    private OverlayLinkClosure? _closure;
    private Task<OverlayLinkClosure>? _run;
    private int _streamDisposed;
    private int _started;
    private int _echoPending;

    internal OverlayLink(Socket socket, SslStream tls, string peerName, EndPoint? remote, OverlayLinkRole role, OverlayLinkOptions options, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _tls = tls;
        PeerName = peerName;
        RemoteEndPoint = remote;
        Role = role;
        _options = options;
        _time = time;
        _logger = logger;
        _epoch = time.GetTimestamp();
        _liveness = new LinkLiveness(TimeSpan.Zero, options.DeadInterval);
        socket.NoDelay = true;
    }

    /// <summary>The common name of the peer's certificate, checked against the overlay CA.</summary>
    public string PeerName { get; }

    /// <summary>The peer's TCP end point.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Whether the peer dialled us or we dialled it.</summary>
    public OverlayLinkRole Role { get; }

    /// <summary>The smoothed round-trip time (the link cost); null until the first heartbeat echo.</summary>
    public TimeSpan? SmoothedRoundTripTime => _rtt.Smoothed;

    /// <summary>The latest round-trip sample; null until the first heartbeat echo.</summary>
    public TimeSpan? LatestRoundTripTime => _rtt.Latest;

    /// <summary>Completes, with the reason, when the link closes.</summary>
    public Task<OverlayLinkClosure> Completion => _completion.Task;

    /// <summary>
    /// Reads frames into <paramref name="handler"/> and keeps the link alive until it closes;
    /// returns why it closed. Cancelling <paramref name="cancellationToken"/> closes the link
    /// (<see cref="OverlayLinkCloseReason.LocalClose"/>). Call once.
    /// </summary>
    public Task<OverlayLinkClosure> RunAsync(IOverlayLinkHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"the overlay link to {PeerName} is already running");
        }

        var run = RunCoreAsync(handler, cancellationToken);
        Volatile.Write(ref _run, run);
        return run;
    }

    /// <summary>
    /// Sends one encoded frame (bytes as <see cref="FrameCodec.Encode(in GridCastFrame, IBufferWriter{byte}, int)"/>
    /// writes them; forwarded frames are sent unchanged). Returns false when the link is closed,
    /// or closes while sending; <see cref="Completion"/> says why.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are shorter than a frame or longer than the maximum frame size.</exception>
    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default)
    {
        if (frame.Length < FrameCodec.MinFrameSize || frame.Length > _options.MaxFrameSize)
        {
            throw new ArgumentException($"a frame is {FrameCodec.MinFrameSize} to {_options.MaxFrameSize} bytes, not {frame.Length}", nameof(frame));
        }

        return await SendCoreAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the link (<see cref="OverlayLinkCloseReason.LocalClose"/> unless it closed already)
    /// and waits for its loops to end. From inside the handler, cancel the token given to
    /// <see cref="RunAsync"/> instead: awaiting this there would wait for the handler itself.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Close(new(OverlayLinkCloseReason.LocalClose, FrameError.None, "closed by its owner"));
        if (Volatile.Read(ref _run) is { } run)
        {
            await run.ConfigureAwait(false);
        }

        await DisposeStreamAsync().ConfigureAwait(false);
    }

    /// <summary>Time since the link was made, on the injected clock: the time base of its liveness and round-trip samples.</summary>
    private TimeSpan Now => _time.GetElapsedTime(_epoch);

    private async Task<OverlayLinkClosure> RunCoreAsync(IOverlayLinkHandler handler, CancellationToken cancellationToken)
    {
        // The dead interval counts from when the owner starts the link, not from the handshake.
        _liveness.HandleFrame(Now);
        using var registration = cancellationToken.Register(() => Close(new(OverlayLinkCloseReason.LocalClose, FrameError.None, "the owner cancelled the link")));
        var heartbeats = HeartbeatAsync();
        await ReceiveAsync(handler).ConfigureAwait(false);
        Close(new(OverlayLinkCloseReason.LocalClose, FrameError.None, "the receive loop ended"));
        await heartbeats.ConfigureAwait(false);
        await DisposeStreamAsync().ConfigureAwait(false);
        return await _completion.Task.ConfigureAwait(false);
    }

    private async Task ReceiveAsync(IOverlayLinkHandler handler)
    {
        var token = _closing.Token;
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxFrameSize);
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - end < MinReadSpace && start > 0)
                {
                    // An incomplete frame is at most MaxFrameSize <= buffer.Length bytes, so
                    // moving it to the front always leaves room to read the rest.
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                Debug.Assert(end < buffer.Length, "an incomplete frame never fills the receive buffer");
                var read = await _tls.ReadAsync(buffer.AsMemory(end), token).ConfigureAwait(false);
                if (read == 0)
                {
                    var detail = start < end ? $" in the middle of a frame ({end - start} bytes of it received)" : string.Empty;
                    Close(new(OverlayLinkCloseReason.PeerClosed, FrameError.None, detail));
                    return;
                }

                end += read;
                while (start < end)
                {
                    var input = new ReadOnlySequence<byte>(buffer, start, end - start);
                    if (!FrameCodec.TryDecode(input, out var frame, out var consumed, out var error, _options.MaxFrameSize))
                    {
                        if (error == FrameError.Incomplete)
                        {
                            break;
                        }

                        Close(new(OverlayLinkCloseReason.MalformedFrame, error, $"malformed frame ({error}) at a frame boundary"));
                        return;
                    }

                    start += (int)input.Slice(input.Start, consumed).Length;
                    _liveness.HandleFrame(Now);
                    if (OverlayLinkHeartbeat.IsLinkHeartbeat(frame))
                    {
                        if (!HandleHeartbeat(frame, handler))
                        {
                            return;
                        }

                        continue;
                    }

                    await handler.OnFrameAsync(this, frame, token).ConfigureAwait(false);
                }

                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception e)
        {
            CloseOnFailure(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool HandleHeartbeat(GridCastFrame frame, IOverlayLinkHandler handler)
    {
        if (!OverlayLinkHeartbeat.TryParse(frame, out var kind, out var probe))
        {
            Close(new(OverlayLinkCloseReason.MalformedHeartbeat, FrameError.None, $"a link heartbeat with a {frame.Payload.Length}-byte payload that is no probe or echo"));
            return false;
        }

        if (kind == OverlayLinkHeartbeat.Probe)
        {
            // The echo is written beside the receive loop, never by it: two gateways whose send
            // buffers are full must each keep reading, or both would wait on the other for ever.
            // One echo at a time; a probe that arrives meanwhile goes unanswered, and its sender
            // simply gets no sample for it.
            if (Interlocked.Exchange(ref _echoPending, 1) == 0)
            {
                _ = EchoAsync(probe);
            }

            return true;
        }

        // An echo of a probe we no longer track (or never sent) still proves liveness, but gives
        // no sample we can trust.
        if (_rtt.TryHandleEcho(probe, Now, out var sample, out var smoothed))
        {
            handler.OnRoundTripTime(this, sample, smoothed);
        }

        return true;
    }

    private async Task EchoAsync(ulong probe)
    {
        try
        {
            await SendCoreAsync(OverlayLinkHeartbeat.Encode(OverlayLinkHeartbeat.Echo, probe, _sourceId, WireTimestamp()), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _echoPending, 0);
        }
    }

    private async Task HeartbeatAsync()
    {
        var token = _closing.Token;
        try
        {
            using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
            if (!await SendProbeAsync().ConfigureAwait(false))
            {
                return;
            }

            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                if (_liveness.IsDead(Now, out var silent))
                {
                    Close(new(OverlayLinkCloseReason.TimedOut, FrameError.None, $"no frame for {silent.TotalMilliseconds:F0} ms (dead interval {_options.DeadInterval.TotalMilliseconds:F0} ms)"));
                    return;
                }

                if (!await SendProbeAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            CloseOnFailure(e);
        }
    }

    private ValueTask<bool> SendProbeAsync()
    {
        var probe = _rtt.NextProbe(Now);
        return SendCoreAsync(OverlayLinkHeartbeat.Encode(OverlayLinkHeartbeat.Probe, probe, _sourceId, WireTimestamp()), CancellationToken.None);
    }

    private long WireTimestamp() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    private async ValueTask<bool> SendCoreAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closure) is not null)
        {
            return false;
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _closure) is not null)
            {
                return false;
            }

            await _tls.WriteAsync(frame, _closing.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            CloseOnFailure(e);
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Classifies an exception from the stream or the handler, Kestrel-style, and closes the link with it.</summary>
    private void CloseOnFailure(Exception e)
    {
        if (Volatile.Read(ref _closure) is not null)
        {
            // We were closing already (time-out, malformed frame, owner): the failure is the echo of that.
            return;
        }

        var closure = e switch
        {
            IOException { InnerException: SocketException s } => new OverlayLinkClosure(OverlayLinkCloseReason.Reset, FrameError.None, $"{s.SocketErrorCode}: {s.Message}", e),
            SocketException s => new OverlayLinkClosure(OverlayLinkCloseReason.Reset, FrameError.None, $"{s.SocketErrorCode}: {s.Message}", e),
            IOException or AuthenticationException => new OverlayLinkClosure(OverlayLinkCloseReason.Reset, FrameError.None, e.Message, e),
            _ => new OverlayLinkClosure(OverlayLinkCloseReason.Unexpected, FrameError.None, $"{e.GetType().Name}: {e.Message}", e),
        };
        Close(closure);
    }

    /// <summary>Closes the link once: records and logs why, stops both loops and aborts the socket.</summary>
    private void Close(OverlayLinkClosure closure)
    {
        if (Interlocked.CompareExchange(ref _closure, closure, null) is not null)
        {
            return;
        }

        switch (closure.Reason)
        {
            case OverlayLinkCloseReason.LocalClose:
                OverlayLog.LocalClose(_logger, PeerName);
                break;
            case OverlayLinkCloseReason.PeerClosed:
                OverlayLog.PeerClosed(_logger, PeerName, closure.Detail);
                break;
            case OverlayLinkCloseReason.Reset:
                OverlayLog.Reset(_logger, PeerName, closure.Detail);
                break;
            case OverlayLinkCloseReason.TimedOut:
                OverlayLog.TimedOut(_logger, PeerName, closure.Detail);
                break;
            case OverlayLinkCloseReason.MalformedFrame:
                OverlayLog.MalformedFrame(_logger, PeerName, closure.FrameError);
                break;
            case OverlayLinkCloseReason.MalformedHeartbeat:
                OverlayLog.MalformedHeartbeat(_logger, PeerName, closure.Detail);
                break;
            default:
                OverlayLog.Unexpected(_logger, PeerName, closure.Detail, closure.Exception);
                break;
        }

        _closing.Cancel();

        // Disposing the socket aborts a pending read or write at once; the SslStream itself is
        // disposed only when no loop or writer can be inside it (DisposeStreamAsync).
        _socket.Dispose();
        _completion.TrySetResult(closure);
    }

    private async ValueTask DisposeStreamAsync()
    {
        if (Interlocked.Exchange(ref _streamDisposed, 1) != 0)
        {
            return;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _tls.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
