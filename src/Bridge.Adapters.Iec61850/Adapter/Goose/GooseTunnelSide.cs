using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Link;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>
/// The GOOSE tunnel's side on one substation LAN (docs/iec61850-goose.md, "The tunnel"). Capture:
/// a loop reads the GOOSE frames of the to-group rules from a <see cref="GooseLinkSocket"/> and
/// routes each frame's APDU, the bytes as received, to the rules' groups with content type
/// <see cref="ContentType.GooseApdu"/>. Re-emit: each group APDU of a from-group rule goes into a
/// <see cref="GooseRelay"/>, whose transmits are framed with the rule's APPID, destination and
/// tag and sent on the same socket (and/or as R-GOOSE); a timer loop drives the relay's repeats
/// and lapses. R-GOOSE input: an <see cref="RGooseInput"/> routes the APDUs of R-GOOSE received at
/// <c>rgoose.listen</c> through the <c>in=rgoose</c> rules the same way.
/// </summary>
/// <remarks>
/// The socket ignores frames this host sends (PACKET_IGNORE_OUTGOING), so a re-emitted frame is
/// never captured again by this node, whatever the rules say; likewise the R-GOOSE input ignores
/// datagrams from this side's R-GOOSE sender, which does not loop its own back either.
/// </remarks>
public sealed class GooseTunnelSide : IAdapterSide, IEndpointPublisher<GooseAddress>
{
    /// <summary>The drop reason of an APDU not sent as R-GOOSE because no key of the key file is valid at the time.</summary>
    public const string RGooseNoKeyReason = "rgoose_no_valid_key";

    private readonly GooseLinkSocket _socket;
    private readonly RGooseSender? _rgoose;
    private readonly RGooseInput? _rgooseInput;
    private readonly Router _router;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LogRateLimiter _logLimit;
    private readonly GooseRelay _relay;
    private readonly long _start;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private readonly HashSet<string> _captureKeys;
    private readonly ArrayBufferWriter<byte> _frame = new(1600);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _capture = Task.CompletedTask;
    private Task _timers = Task.CompletedTask;
    private long _received;
    private long _published;
    private volatile bool _capturing;

    /// <summary>A side on <paramref name="socket"/> (owned from here on, as are <paramref name="rgoose"/> and <paramref name="rgooseInput"/>), routing through <paramref name="router"/>; <see cref="Start"/> starts it.</summary>
    public GooseTunnelSide(GooseLinkSocket socket, RGooseSender? rgoose, GooseSection settings, Router router, ILogger logger, TimeProvider time, RGooseInput? rgooseInput = null)
    {
        _rgooseInput = rgooseInput;
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(router);
        _socket = socket;
        _rgoose = rgoose;
        _router = router;
        _logger = logger;
        _time = time;
        _logLimit = LogRateLimiter.PerMinute(time);
        _relay = new GooseRelay(settings.Retransmission);
        _start = time.GetTimestamp();
        _captureKeys = CaptureKeys(router.Table);
        Filter = CaptureFilter(router.Table);
    }

    /// <summary>The capture filter of the to-group rules: a frame some rule may select passes (the rules then choose exactly).</summary>
    public GooseCaptureFilter Filter { get; }

    /// <summary>Streams re-emitted so far and how many are being repeated now, for tests and tools.</summary>
    public (int Streams, int Running) Relayed
    {
        get
        {
            lock (_gate)
            {
                return (_relay.StreamCount, _relay.RunningCount);
            }
        }
    }

    /// <summary>The filter that lets through every frame some to-group rule of <paramref name="table"/> selects.</summary>
    public static GooseCaptureFilter CaptureFilter(RoutingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var endpoints = table.ToGroup.Select(r => r.Endpoint).OfType<GooseEndpoint>().Where(e => e.TakesFrom(GooseOutput.Lan)).ToList();

        // A set filters only when every rule restricts that field; one rule open on it opens the filter.
        return new GooseCaptureFilter
        {
            AppIds = endpoints.All(e => e.AppId is not null) ? endpoints.Select(e => e.AppId!.Value).ToHashSet() : [],
            Destinations = endpoints.All(e => e.Destination is not null) ? endpoints.Select(e => e.Destination!.Value).ToHashSet() : [],
            GocbRefs = endpoints.All(e => e.GocbRef is not null) ? endpoints.Select(e => e.GocbRef!).ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal),
        };
    }

    /// <summary>Starts the capture loop (when a rule captures on the LAN), the R-GOOSE input (when given) and the timer loop.</summary>
    public void Start()
    {
        var table = _router.Table;
        _capturing = table.ToGroup.Any(r => r.Endpoint is GooseEndpoint e && e.TakesFrom(GooseOutput.Lan));
        if (_capturing)
        {
            _capture = Task.Factory.StartNew(CaptureAsync, _stopping.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }

        _rgooseInput?.Start();
        _timers = TimersAsync();
        GooseAdapterLog.Started(_logger, _socket.InterfaceName, _socket.Address.ToString(), table.ToGroup.Count, table.FromGroup.Count);
    }

    /// <inheritdoc/>
    public async ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ContentType != ContentType.GooseApdu)
        {
            Drop("content_type", message.Group.ToString(), $"content type {message.ContentType}, not a GOOSE APDU");
            return 0;
        }

        if (!GooseCodec.TryDecodeView(message.Payload, out _, out var rejection))
        {
            Drop("malformed", message.Group.ToString(), $"the APDU does not decode ({rejection})");
            return 0;
        }

        return await _router.RouteFromGroupAsync(message, this, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask PublishAsync(GooseAddress address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        // Checked by the caller: the payload decodes.
        _ = GooseCodec.TryDecodeView(payload, out var view, out _);
        GooseRelayOutcome outcome;
        var streams = 0;
        lock (_gate)
        {
            streams = _relay.StreamCount;
            outcome = _relay.HandleApdu(Now, address, view);
            if (_relay.StreamCount != streams)
            {
                GooseAdapterLog.StreamStarted(_logger, view.GetGocbRef(), address.ToString(), view.StNum, view.SqNum);
            }

            SendDue();
        }

        switch (outcome)
        {
            case GooseRelayOutcome.OtherControlBlock:
                Drop("other_control_block", address.ToString(), $"control block {view.GetGocbRef()} is not the rule's {address.GocbRef}");
                break;
            case GooseRelayOutcome.Behind:
                Count("behind");
                break;
            default:
                // The relay's deadline may now be earlier than the one the timer loop waits for.
                Volatile.Read(ref _wake).TrySetResult();
                break;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool CanFollow(RoutingTable rules)
    {
        ArgumentNullException.ThrowIfNull(rules);

        // Emit rules are read per message; only the capture depends on the rules it started with.
        return CaptureKeys(rules).SetEquals(_captureKeys);
    }

    /// <inheritdoc/>
    public AdapterSideStatus Status()
    {
        var dropped = new Dictionary<string, long>(_dropped, StringComparer.Ordinal);
        foreach (var (reason, count) in _rgooseInput?.Dropped ?? new Dictionary<string, long>())
        {
            dropped[reason] = dropped.GetValueOrDefault(reason) + count;
        }

        return new()
        {
            Connected = (!_capture.IsCompleted || !_capturing) && (_rgooseInput is null || _rgooseInput.Running),
            Peer = $"GOOSE on {_socket.InterfaceName}",
            Received = Interlocked.Read(ref _received) + (_rgooseInput?.Received ?? 0),
            Published = Interlocked.Read(ref _published),
            Dropped = dropped,
        };
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose(); // ends a receive in progress
        try
        {
            await Task.WhenAll(_capture, _timers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_rgooseInput is not null)
        {
            await _rgooseInput.DisposeAsync().ConfigureAwait(false);
        }

        _rgoose?.Dispose();
        _stopping.Dispose();
    }

    private static HashSet<string> CaptureKeys(RoutingTable table)
        => table.ToGroup.Select(r => r.Endpoint.Text).ToHashSet(StringComparer.Ordinal);

    private TimeSpan Now => _time.GetElapsedTime(_start);

    private async Task CaptureAsync()
    {
        var buffer = new byte[9216];
        var token = _stopping.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var frame = await _socket.ReceiveGooseAsync(buffer, Filter, token).ConfigureAwait(false);
                if (!GooseCodec.TryDecodeView(frame.Apdu, out var view, out var rejection))
                {
                    Count("malformed_capture");
                    if (_logLimit.ShouldLog(n => GooseAdapterLog.Suppressed(_logger, n)))
                    {
                        GooseAdapterLog.CapturedMalformed(_logger, _socket.InterfaceName, frame.Header.AppId, rejection.ToString());
                    }

                    continue;
                }

                Interlocked.Increment(ref _received);
                var address = new GooseAddress(frame.Header.AppId, frame.Header.Destination, view.GetGocbRef());

                // The bytes as received: a relay forwards what the publisher sent, not a re-encoding.
                var message = new InboundMessage<GooseAddress>(address, frame.Apdu.ToArray(), ContentType.GooseApdu);
                try
                {
                    if (await _router.RouteAsync(message, token).ConfigureAwait(false) == 0)
                    {
                        Count("unroutable");
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException && e is IOException or SocketException or InvalidOperationException)
                {
                    // One frame the multicast layer could not take; the capture goes on with the next.
                    Drop("route_failed", address.ToString(), e.Message);
                }
            }
        }
        catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping.
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            GooseAdapterLog.CaptureFailed(_logger, _socket.InterfaceName, e.Message);
        }
    }

    private async Task TimersAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _wake, wake);
            TimeSpan? next;
            lock (_gate)
            {
                _relay.HandleTimeout(Now);
                SendDue();
                next = _relay.PollTimeout();
            }

            var delay = next is { } due ? due - Now : Timeout.InfiniteTimeSpan;
            if (delay == Timeout.InfiniteTimeSpan || delay > TimeSpan.Zero)
            {
                await Task.WhenAny(wake.Task, Task.Delay(delay, _time, token)).ConfigureAwait(false);
            }
        }
    }

    // Under _gate: sends what the relay queued and logs its events.
    private void SendDue()
    {
        while (_relay.TryPollEvent(out var relayEvent))
        {
            var s = relayEvent.Supervision;
            if (s.Kind == GooseSupervisionEventKind.Lost)
            {
                GooseAdapterLog.UpstreamLost(_logger, relayEvent.GocbRef, s.StNum, s.SqNum, relayEvent.Target.ToString());
            }
            else
            {
                GooseAdapterLog.UpstreamRestored(_logger, relayEvent.GocbRef, s.StNum, s.SqNum, relayEvent.Target.ToString());
            }
        }

        while (_relay.TryPollTransmit(out var transmit))
        {
            try
            {
                var target = transmit.Target;
                if (target.Output is GooseOutput.Lan or GooseOutput.Both)
                {
                    var header = new GooseFrameHeader
                    {
                        Destination = target.Destination,
                        Source = _socket.Address,
                        Vlan = target.Vlan,
                        AppId = target.AppId,
                        Reserved1 = transmit.Simulation ? GooseFrameHeader.SimulateBit : (ushort)0,
                    };
                    _frame.ResetWrittenCount();
                    GooseFrameCodec.Encode(header, transmit.Transmit.Apdu.Span, _frame);
                    _socket.Send(_frame.WrittenSpan);
                }

                if (target.Output is (GooseOutput.RGoose or GooseOutput.Both) && _rgoose is not null
                    && !_rgoose.Send(target.AppId, transmit.Simulation, transmit.Transmit.Apdu.Span))
                {
                    Drop(RGooseNoKeyReason, target.ToString(), "no R-GOOSE key is valid now, so the SPDU was not sent");
                }

                Interlocked.Increment(ref _published);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Drop("send_failed", transmit.Target.ToString(), e.Message);
            }
        }
    }

    private void Drop(string reason, string what, string detail)
    {
        Count(reason);
        if (_logLimit.ShouldLog(n => GooseAdapterLog.Suppressed(_logger, n)))
        {
            if (reason is "send_failed" or "route_failed")
            {
                GooseAdapterLog.SendFailed(_logger, what, detail);
            }
            else
            {
                GooseAdapterLog.GroupMessageDropped(_logger, what, detail);
            }
        }
    }

    private void Count(string reason) => _dropped.AddOrUpdate(reason, 1, static (_, n) => n + 1);
}
