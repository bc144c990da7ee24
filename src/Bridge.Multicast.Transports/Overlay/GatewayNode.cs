using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Links;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>
/// The driver of an <see cref="OverlayGateway"/>: the domain's interface, the overlay listener,
/// dialling and redialling peers, one writer per link, and the timers. Every input reaches the
/// state machine through one loop, so the state machine is never called concurrently.
/// </summary>
/// <remarks>
/// A link's frames and the domain's datagrams are handed to the loop and awaited, so their buffers
/// stay valid without a copy and a busy gateway slows its senders down (TCP back-pressure on links;
/// on the domain, the socket's receive buffer). Frames for a peer wait in a bounded queue that its
/// link's writer empties; when the queue is full, frames for that peer are dropped and counted.
/// </remarks>
public sealed partial class GatewayNode : IAsyncDisposable
{
    /// <summary>How stale <see cref="State"/> may be.</summary>
    private static readonly TimeSpan SnapshotInterval = TimeSpan.FromMilliseconds(20);

    private readonly GatewayNodeOptions _options;
    private readonly ITechnologyInterface _domain;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _started;
    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<GatewayId, PeerLink> _links = [];
    private readonly PeerClassifier _classifier;
    private readonly ConcurrentDictionary<GatewayId, bool> _connected = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<Task> _tasks = [];
    private readonly Lock _snapshotLock = new();
    private readonly OverlayGateway _gateway;
    private readonly LogRateLimiter _rejections;
    private OverlayListener? _listener;
    private Snapshot _snapshot = Snapshot.Empty;
    private long _peerQueueDrops;
    private TimeSpan _snapshotAt = -SnapshotInterval;

    /// <summary>A gateway over <paramref name="domain"/> (its native interface); call <see cref="StartAsync"/> to run it.</summary>
    public GatewayNode(GatewayNodeOptions options, ITechnologyInterface domain, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(domain);
        options.Link.Validate();
        _options = options;
        _domain = domain;
        _time = time ?? TimeProvider.System;
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<GatewayNode>();
        Loggers = loggers ?? NullLoggerFactory.Instance;
        _started = _time.GetTimestamp();
        _classifier = new PeerClassifier(options.Gateway, options.Peers.Select(static p => p.Id), options.AcceptLeaves);
        _gateway = new OverlayGateway(options.Gateway, Now);
        foreach (var (group, protection) in options.Protections)
        {
            _gateway.Protect(group, protection);
        }

        _rejections = LogRateLimiter.PerMinute(_time);
    }

    /// <summary>Secured groups' frames verified and refused before entering the overlay (live, thread-safe counters).</summary>
    public Bridge.Multicast.Security.SecurityCounters Security => _gateway.Security;

    /// <summary>This gateway's id.</summary>
    public GatewayId Id => _options.Gateway.Id;

    /// <summary>The groups this gateway carries between its domain and the overlay.</summary>
    public IReadOnlyList<GroupName> Carried => _options.Gateway.Carry;

    /// <summary>Where the overlay listener is bound, once started (a transit gateway with a listen address).</summary>
    public IPEndPoint? ListenEndPoint => _listener?.LocalEndPoint;

    /// <summary>Frames for a peer dropped because its queue was full or its link had just gone down.</summary>
    public long PeerQueueDrops => Interlocked.Read(ref _peerQueueDrops);

    /// <summary>What the gateway knew when it last handled an input: safe to read from any thread.</summary>
    public Snapshot State
    {
        get
        {
            lock (_snapshotLock)
            {
                return _snapshot;
            }
        }
    }

    private ILoggerFactory Loggers { get; }

    private TimeSpan Now => _time.GetElapsedTime(_started);

    /// <summary>Joins the domain's groups, starts listening and dialling, and starts the loop.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var group in _gateway.NativeGroups)
        {
            _domain.Join(group);
        }

        _domain.Start(OnDatagramAsync);
        if (_options.Listen is { } listen)
        {
            _listener = new OverlayListener(_options.Credentials, listen, _options.Link, _time, Loggers.CreateLogger<OverlayListener>());
            _listener.Start();
            _tasks.Add(AcceptLoopAsync(_listener, _stopping.Token));
        }

        foreach (var peer in _options.Peers.Where(static p => p.Address is not null))
        {
            _tasks.Add(DialLoopAsync(peer, _stopping.Token));
        }

        _tasks.Add(RunLoopAsync(_stopping.Token));
        Log.Started(_logger, Id.Value, _options.Gateway.Role.ToString(), _options.Listen?.ToString() ?? "-", _options.Gateway.Carry.Count);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes <paramref name="datagram"/> (a whole GridCast frame) as if it came from the domain:
    /// the way an application on the gateway host sends into the overlay.
    /// </summary>
    public ValueTask InjectAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
        => SubmitAsync(new Input(InputKind.Native, datagram), cancellationToken);

    /// <summary>Raised, on the loop, for every frame the gateway sends into its domain (for local receivers).</summary>
    public event Action<GroupName, ReadOnlyMemory<byte>>? DeliveredToDomain;

    /// <summary>Stops the loop, closes every link and the listener.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        List<PeerLink> links;
        lock (_links)
        {
            links = [.. _links.Values];
        }

        foreach (var link in links)
        {
            await link.Link.DisposeAsync().ConfigureAwait(false);
        }

        _inputs.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        // The token source stays undisposed: the domain interface, which the owner disposes
        // later, may still hand in a datagram, and it finds the token cancelled.
    }

    private async ValueTask OnDatagramAsync(ITechnologyInterface source, ReadOnlyMemory<byte> datagram, IPEndPoint? from)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await SubmitAsync(new Input(InputKind.Native, datagram), _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Hands an input to the loop and waits until the loop has handled it.</summary>
    private async ValueTask SubmitAsync(Input input, CancellationToken cancellationToken)
    {
        if (!_inputs.Writer.TryWrite(input))
        {
            throw new OperationCanceledException("the gateway is stopping");
        }

        await input.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _inputs.Reader;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                while (reader.TryRead(out var input))
                {
                    Handle(input);
                }

                if (_gateway.PollTimeout() is { } due && due <= Now)
                {
                    _gateway.HandleTimeout(Now);
                    await FlushAsync().ConfigureAwait(false);
                    continue;
                }

                await FlushAsync().ConfigureAwait(false);
                if (Now - _snapshotAt >= SnapshotInterval)
                {
                    // Under load the loop goes idle after nearly every frame; the snapshot is rebuilt at most this often.
                    PublishSnapshot();
                }

                var wait = _gateway.PollTimeout() is { } next ? next - Now : Timeout.InfiniteTimeSpan;
                if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.Zero)
                {
                    using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    if (wait != Timeout.InfiniteTimeSpan)
                    {
                        timer.CancelAfter(wait);
                    }

                    try
                    {
                        if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false))
                        {
                            return;
                        }
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The timer fired.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, Id.Value, ex);
            throw;
        }
    }

    private void Handle(Input input)
    {
        try
        {
            var now = Now;
            switch (input.Kind)
            {
                case InputKind.Native:
                    _gateway.HandleNativeDatagram(now, _time.GetUtcNow(), input.Bytes);
                    break;
                case InputKind.Frame:
                    _gateway.HandlePeerFrame(now, input.Peer, input.Frame);
                    break;
                case InputKind.Up:
                    _gateway.PeerUp(now, input.Peer, input.PeerKind, input.Cost);
                    break;
                case InputKind.Down:
                    _gateway.PeerDown(now, input.Peer);
                    break;
            }
        }
        finally
        {
            input.Done.TrySetResult();
        }
    }

    private async ValueTask FlushAsync()
    {
        while (_gateway.TryPollEvent(out var gatewayEvent))
        {
            Report(gatewayEvent);
        }

        while (_gateway.TryPollTransmit(out var transmit))
        {
            if (transmit.Peer is { } peer)
            {
                PeerLink? link;
                lock (_links)
                {
                    _links.TryGetValue(peer, out link);
                }

                // No link (it went down a moment ago) or a full queue: the frame is dropped and counted.
                if (link is null || !link.Queue.Writer.TryWrite(transmit.Frame))
                {
                    Interlocked.Increment(ref _peerQueueDrops);
                }
            }
            else if (transmit.Group is { } group)
            {
                DeliveredToDomain?.Invoke(group, transmit.Frame);
                try
                {
                    await _domain.SendAsync(group, transmit.Frame, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException or ArgumentException)
                {
                    Log.DomainSendFailed(_logger, group.WireName, ex.Message);
                }
            }
        }
    }

    private void Report(GatewayEvent gatewayEvent)
    {
        switch (gatewayEvent)
        {
            case DesignationChanged { Designated: true } became:
                Log.Designated(_logger, Id.Value, became.Group.WireName);
                break;
            case DesignationChanged stood:
                Log.StoodDown(_logger, Id.Value, stood.Group.WireName, stood.Successor?.Value ?? "none");
                break;
            case DomainPeerChanged peer:
                Log.DomainPeer(_logger, peer.Peer.Value, peer.Up ? "up" : "down");
                break;
            case InterestChanged interest:
                Log.Interest(_logger, interest.Groups.Count, string.Join(", ", interest.Groups.Select(static g => g.WireName)));
                break;
            case TopologyChanged topology:
                Log.Topology(_logger, topology.Origin.Value, topology.Gateways);
                break;
            case InputRejected rejected when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "refused inputs", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                Log.Rejected(_logger, rejected.From?.Value ?? "domain", rejected.Reason, rejected.Cause?.ToString() ?? "-");
                break;
            case SecuredFrameRefused refused when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "refused inputs", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                Log.SecuredFrameRefused(_logger, refused.Group.WireName, refused.SourceId, refused.Reason);
                break;
            case AggregationRejected aggregation when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "refused inputs", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                Log.AggregationRejected(_logger, aggregation.Rejection.From?.Value ?? "domain", aggregation.Rejection.RequestId ?? 0, aggregation.Rejection.Reason, aggregation.Rejection.Error);
                break;
            case UpstreamChanged { KeepsPrevious: true } returning:
                Log.UpstreamReturning(_logger, Id.Value, returning.Upstream?.Value ?? "none", returning.Previous?.Value ?? "none");
                break;
            case UpstreamChanged changed:
                Log.UpstreamChanged(_logger, Id.Value, changed.Upstream?.Value ?? "none", changed.Previous?.Value ?? "none");
                break;
            case UpstreamReturnEnded { How: UpstreamReturnEnd.PreferredDown } abandoned:
                Log.UpstreamReturnAbandoned(_logger, Id.Value, abandoned.Upstream.Value, (long)abandoned.Duration.TotalMilliseconds, abandoned.Previous.Value);
                break;
            case UpstreamReturnEnded ended:
                Log.UpstreamReturnEnded(_logger, Id.Value, ended.Upstream.Value, ended.Previous.Value, ended.How.ToString(), (long)ended.Duration.TotalMilliseconds, ended.Confirmed, ended.Unconfirmed);
                break;
        }
    }

    private void PublishSnapshot()
    {
        _snapshotAt = Now;
        var carried = _options.Gateway.Carry;
        var snapshot = new Snapshot(
            [.. _gateway.Neighbors.Order()],
            carried.ToDictionary(static g => g, g => (IReadOnlyList<GatewayId>)_gateway.ChildrenOf(g)),
            carried.ToDictionary(static g => g, g => (IReadOnlyList<GatewayId>)_gateway.ParentsOf(g)),
            carried.Where(_gateway.IsDesignated).ToHashSet(),
            _gateway.Interest,
            _gateway.ActiveUpstream,
            _gateway.Flooding?.Database.Count ?? 0,
            _gateway.Counters.Copy()) { Election = _gateway.Election.Counters.Copy(), Flooding = _gateway.Flooding?.Counters.Copy(), Aggregation = _gateway.Aggregation.Copy(), DomainControl = _gateway.DomainControl?.Copy(), OverlayControl = _gateway.OverlayControl?.Copy() };
        lock (_snapshotLock)
        {
            _snapshot = snapshot;
        }
    }

    private async Task AcceptLoopAsync(OverlayListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var outcome = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                if (outcome.Link is { } link)
                {
                    _tasks.Add(RunLinkAsync(link, cancellationToken));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    private async Task DialLoopAsync(GatewayPeer peer, CancellationToken cancellationToken)
    {
        var connector = new OverlayConnector(_options.Credentials, _options.Link, _time, Loggers.CreateLogger<OverlayConnector>());
        var delay = _options.MinRedialDelay;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!_connected.ContainsKey(peer.Id))
                {
                    var result = await connector.ConnectAsync(peer.Address!, peer.Id.Value, cancellationToken).ConfigureAwait(false);
                    if (result.Link is { } link)
                    {
                        delay = _options.MinRedialDelay;
                        await RunLinkAsync(link, cancellationToken).ConfigureAwait(false);
                        await Task.Delay(_options.MinRedialDelay, _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    Log.DialFailed(_logger, peer.Id.Value, peer.Address!.ToString()!, result.Failure?.ToString() ?? "unknown");
                }

                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRedialDelay.Ticks));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task RunLinkAsync(OverlayLink link, CancellationToken cancellationToken)
    {
        var peer = new GatewayId(link.PeerName);
        if (!_classifier.TryClassify(peer, out var kind))
        {
            Log.PeerRefused(_logger, link.PeerName, link.RemoteEndPoint?.ToString() ?? "?");
            await link.DisposeAsync().ConfigureAwait(false);
            return;
        }

        var entry = new PeerLink(link, Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(_options.PeerQueueLength)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        }), new LinkCostHysteresis(kind, Now, link.SmoothedRoundTripTime));
        PeerLink? replaced;
        lock (_links)
        {
            _links.TryGetValue(peer, out replaced);
            _links[peer] = entry;
        }

        _connected[peer] = true;
        if (replaced is not null)
        {
            Log.LinkReplaced(_logger, peer.Value);
            await replaced.Link.DisposeAsync().ConfigureAwait(false);
        }

        var cost = entry.Cost.AdvertisedCost;
        var writer = WriteLoopAsync(entry);
        try
        {
            await SubmitAsync(new Input(InputKind.Up, peer, kind, cost), cancellationToken).ConfigureAwait(false);
            var closure = await link.RunAsync(new Handler(this, peer, entry), cancellationToken).ConfigureAwait(false);
            Log.LinkDown(_logger, peer.Value, closure.ToString());
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            entry.Queue.Writer.TryComplete();
            bool current;
            lock (_links)
            {
                current = _links.TryGetValue(peer, out var now) && ReferenceEquals(now, entry);
                if (current)
                {
                    _links.Remove(peer);
                }
            }

            if (current)
            {
                _connected.TryRemove(peer, out _);
                if (!cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        await SubmitAsync(new Input(InputKind.Down, peer, kind, 0), cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopping.
                    }
                }
            }

            await link.DisposeAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    private static async Task WriteLoopAsync(PeerLink entry)
    {
        await foreach (var frame in entry.Queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (!await entry.Link.SendAsync(frame).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    private void OnRoundTrip(GatewayId peer, PeerLink entry, TimeSpan smoothed)
    {
        // Jitter must not move trees everywhere: LinkCostHysteresis decides when a cost is re-advertised.
        if (!entry.Cost.TryUpdate(Now, smoothed, out var cost))
        {
            return;
        }

        _ = SubmitAsync(new Input(InputKind.Up, peer, entry.Cost.Kind, cost), _stopping.Token).AsTask().ContinueWith(
            static t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>What the gateway knew after the loop's last turn.</summary>
    /// <param name="Neighbors">Overlay peers with a link up (neighborSet).</param>
    /// <param name="Children">For each carried group, where the group goes from here (childrenSet).</param>
    /// <param name="Parents">For each carried group, where it came from (parentSet).</param>
    /// <param name="Designated">The carried groups this gateway is designated for (designatedHost).</param>
    /// <param name="Interest">The groups advertised (transit) or asked of the upstream (leaf).</param>
    /// <param name="ActiveUpstream">A leaf's upstream in use.</param>
    /// <param name="Gateways">Gateways in the link-state database.</param>
    /// <param name="Counters">The state machine's counters.</param>
    public sealed record Snapshot(
        IReadOnlyList<GatewayId> Neighbors,
        IReadOnlyDictionary<GroupName, IReadOnlyList<GatewayId>> Children,
        IReadOnlyDictionary<GroupName, IReadOnlyList<GatewayId>> Parents,
        IReadOnlySet<GroupName> Designated,
        IReadOnlyList<GroupName> Interest,
        GatewayId? ActiveUpstream,
        int Gateways,
        GatewayCounters Counters)
    {
        /// <summary>The counters of the domain's designated-gateway election, copied with the rest.</summary>
        public Bridge.Multicast.Overlay.Election.ElectionCounters Election { get; init; } = new();

        /// <summary>The counters of link-state flooding (transit gateways), copied with the rest.</summary>
        public Bridge.Multicast.Overlay.Flooding.FloodingCounters? Flooding { get; init; }

        /// <summary>The counters of the gateway's aggregator (the reverse channel), copied with the rest.</summary>
        public Bridge.Multicast.Aggregation.AggregationCounters Aggregation { get; init; } = new();

        /// <summary>The domain key's checks of control frames, copied with the rest; null without a domain key.</summary>
        public Bridge.Multicast.Security.ControlPlane.ControlPlaneCounters? DomainControl { get; init; }

        /// <summary>The overlay key's checks of control frames, copied with the rest; null without an overlay key.</summary>
        public Bridge.Multicast.Security.ControlPlane.ControlPlaneCounters? OverlayControl { get; init; }

        /// <summary>Before the first turn of the loop.</summary>
        public static Snapshot Empty { get; } = new([], new Dictionary<GroupName, IReadOnlyList<GatewayId>>(), new Dictionary<GroupName, IReadOnlyList<GatewayId>>(), new HashSet<GroupName>(), [], null, 0, new GatewayCounters());
    }

    private enum InputKind
    {
        Native,
        Frame,
        Up,
        Down,
    }

    private sealed class Input
    {
        public Input(InputKind kind, ReadOnlyMemory<byte> bytes)
        {
            Kind = kind;
            Bytes = bytes;
        }

        public Input(InputKind kind, GatewayId peer, GridCastFrame frame)
        {
            Kind = kind;
            Peer = peer;
            Frame = frame;
        }

        public Input(InputKind kind, GatewayId peer, PeerKind peerKind, uint cost)
        {
            Kind = kind;
            Peer = peer;
            PeerKind = peerKind;
            Cost = cost;
        }

        public InputKind Kind { get; }

        public ReadOnlyMemory<byte> Bytes { get; }

        public GatewayId Peer { get; }

        public GridCastFrame Frame { get; }

        public PeerKind PeerKind { get; }

        public uint Cost { get; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PeerLink(OverlayLink link, Channel<ReadOnlyMemory<byte>> queue, LinkCostHysteresis cost)
    {
        public OverlayLink Link { get; } = link;

        public Channel<ReadOnlyMemory<byte>> Queue { get; } = queue;

        /// <summary>The cost the link advertises; touched only by the link's receive loop after it starts.</summary>
        public LinkCostHysteresis Cost { get; } = cost;
    }

    private sealed class Handler(GatewayNode node, GatewayId peer, PeerLink entry) : IOverlayLinkHandler
    {
        public ValueTask OnFrameAsync(OverlayLink link, GridCastFrame frame, CancellationToken cancellationToken)
            => node.SubmitAsync(new Input(InputKind.Frame, peer, frame), cancellationToken);

        public void OnRoundTripTime(OverlayLink link, TimeSpan sample, TimeSpan smoothed) => node.OnRoundTrip(peer, entry, smoothed);
    }

    private static partial class Log
    {
        [LoggerMessage(518, LogLevel.Warning, "{Count} more {What} not logged: at most {Burst} per {Seconds} s are (the metrics count every one)")]
        public static partial void Suppressed(ILogger logger, long count, string what, int burst, long seconds);

        [LoggerMessage(519, LogLevel.Warning, "Aggregation dropped input from {From} for request {RequestId:x16}: {Reason} ({Error})")]
        public static partial void AggregationRejected(ILogger logger, string from, ulong requestId, Bridge.Multicast.Aggregation.AggregationDropReason reason, Bridge.Multicast.Aggregation.AggregationError error);

        [LoggerMessage(501, LogLevel.Information, "Gateway {Id} started: {Role}, listening on {Listen}, carrying {Groups} group(s)")]
        public static partial void Started(ILogger logger, string id, string role, string listen, int groups);

        [LoggerMessage(502, LogLevel.Information, "Gateway {Id} is now the designated gateway of {Group}")]
        public static partial void Designated(ILogger logger, string id, string group);

        [LoggerMessage(503, LogLevel.Information, "Gateway {Id} stood down for {Group}; successor {Successor}")]
        public static partial void StoodDown(ILogger logger, string id, string group, string successor);

        [LoggerMessage(504, LogLevel.Information, "Domain gateway {Peer} is {State}")]
        public static partial void DomainPeer(ILogger logger, string peer, string state);

        [LoggerMessage(505, LogLevel.Debug, "Advertising {Count} group(s): {Groups}")]
        public static partial void Interest(ILogger logger, int count, string groups);

        [LoggerMessage(506, LogLevel.Debug, "Link-state changed by {Origin}: {Gateways} gateway(s) known")]
        public static partial void Topology(ILogger logger, string origin, int gateways);

        [LoggerMessage(507, LogLevel.Warning, "Refused input from {From}: {Reason} ({Cause})")]
        public static partial void Rejected(ILogger logger, string from, GatewayRejection reason, string cause);

        [LoggerMessage(508, LogLevel.Warning, "Dialling {Peer} at {Address} failed: {Failure}")]
        public static partial void DialFailed(ILogger logger, string peer, string address, string failure);

        [LoggerMessage(509, LogLevel.Warning, "Refused overlay link from {Peer} at {Remote}: not a configured peer or upstream")]
        public static partial void PeerRefused(ILogger logger, string peer, string remote);

        [LoggerMessage(510, LogLevel.Information, "A new link to {Peer} replaces the old one")]
        public static partial void LinkReplaced(ILogger logger, string peer);

        [LoggerMessage(511, LogLevel.Information, "Overlay link to {Peer} is down: {Closure}")]
        public static partial void LinkDown(ILogger logger, string peer, string closure);

        [LoggerMessage(512, LogLevel.Warning, "Sending into the domain for {Group} failed: {Error}")]
        public static partial void DomainSendFailed(ILogger logger, string group, string error);

        [LoggerMessage(513, LogLevel.Critical, "The loop of gateway {Id} failed")]
        public static partial void LoopFailed(ILogger logger, string id, Exception exception);

        [LoggerMessage(514, LogLevel.Information, "Leaf {Id} returns to its preferred upstream {Upstream}; {Previous} keeps carrying each group until {Upstream} delivers it")]
        public static partial void UpstreamReturning(ILogger logger, string id, string upstream, string previous);

        [LoggerMessage(515, LogLevel.Information, "Leaf {Id} uses upstream {Upstream} (was {Previous})")]
        public static partial void UpstreamChanged(ILogger logger, string id, string upstream, string previous);

        [LoggerMessage(516, LogLevel.Information, "Leaf {Id} returned to {Upstream} and released {Previous} ({How}) after {Milliseconds} ms: {Confirmed} group(s) confirmed, {Unconfirmed} not")]
        public static partial void UpstreamReturnEnded(ILogger logger, string id, string upstream, string previous, string how, long milliseconds, int confirmed, int unconfirmed);

        [LoggerMessage(517, LogLevel.Information, "Leaf {Id} gave up returning to {Upstream}, which went down {Milliseconds} ms into the return; {Previous} carries every group again")]
        public static partial void UpstreamReturnAbandoned(ILogger logger, string id, string upstream, long milliseconds, string previous);

        [LoggerMessage(530, LogLevel.Warning, "Refused a frame of secured group {Group} from the domain (claimed source {SourceId:x16}) before the overlay: {Reason}")]
        public static partial void SecuredFrameRefused(ILogger logger, string group, ulong sourceId, Bridge.Multicast.Security.SecurityRejection reason);
    }
}
