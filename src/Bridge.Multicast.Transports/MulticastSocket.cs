using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Multicast;

/// <summary>Settings of a <see cref="MulticastSocket"/>.</summary>
public sealed record MulticastSocketOptions
{
    /// <summary>Identifies this sender in every frame; random when not set.</summary>
    public ulong? SourceId { get; init; }

    /// <summary>Bounds and timeout of reassembling fragmented messages.</summary>
    public ReassemblyOptions Reassembly { get; init; } = new();

    /// <summary>Messages per (group, source) remembered to drop duplicates.</summary>
    public int DuplicateWindow { get; init; } = 1024;

    /// <summary>Received messages held for the application before receiving waits for it.</summary>
    public int ReceiveQueueCapacity { get; init; } = 4096;

    /// <summary>Membership events held while the application does not read them; the oldest go first.</summary>
    public int EventQueueCapacity { get; init; } = 1024;

    /// <summary>
    /// When set, the socket reports the groups it has joined to the gateways of its domain at
    /// once on every join or leave and then at an interval, and withdraws them when disposed
    /// (<see cref="MembershipReportSchedule"/>), so gateways that learn members carry a group
    /// only where someone listens. Null, the default, sends no reports.
    /// </summary>
    public MembershipReporting? MemberReports { get; init; }
}

/// <summary>How a <see cref="MulticastSocket"/> reports its groups to the gateways of its domain.</summary>
/// <param name="Format">What a report looks like and where it goes; the overlay's is <c>HelloMembershipReportFormat.Default</c> (docs/overlay.md).</param>
/// <param name="Interval">How often a report is repeated while groups are joined.</param>
public sealed record MembershipReporting(IMembershipReportFormat Format, TimeSpan Interval);

/// <summary>A group as one interface sees it (RFC 7046 groupSet).</summary>
/// <param name="Group">The group.</param>
/// <param name="Joined">This socket receives it there.</param>
/// <param name="SourceRegistered">This socket is registered as a source of it there.</param>
public sealed record GroupMembership(GroupName Group, bool Joined, bool SourceRegistered);

/// <summary>
/// The common multicast API of RFC 7046 §5: a socket bound to a set of interfaces, each of a
/// technology module (native IP, the in-process bus, the overlay), that joins and leaves
/// groups, registers as a source, sends and receives, and answers the service calls. The
/// application names groups only; which technology carries them is the socket's business.
/// </summary>
/// <remarks>
/// The socket is the driver of a sans-IO <see cref="GroupEndpoint"/>: it feeds the endpoint the
/// datagrams its interfaces receive and the timeouts it asks for, with the time taken from
/// <see cref="TimeProvider"/>, and carries out what the endpoint polls out (datagrams to send,
/// messages and events to deliver), and likewise of a <see cref="MembershipReportSchedule"/> when
/// it reports members. It knows its technologies only as <see cref="ITechnologyInterface"/> (the
/// IP module adds a <c>Create</c> for a network interface) and member reports only through
/// <see cref="IMembershipReportFormat"/>. All calls are thread-safe. Received messages are read by one
/// consumer through <see cref="ReceiveAsync"/>; when it falls behind by
/// <see cref="MulticastSocketOptions.ReceiveQueueCapacity"/> messages, receiving waits and the
/// kernel's buffers take up the slack.
/// </remarks>
public sealed partial class MulticastSocket : IGroupSender, IAsyncDisposable
{
    private readonly GroupEndpoint _endpoint;
    private readonly MulticastSocketOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _gate = new();
    private readonly List<ITechnologyInterface> _interfaces = [];
    private readonly Dictionary<string, GroupName> _registered = new(StringComparer.Ordinal);
    private readonly Channel<GroupMessage> _inbox;
    private readonly Channel<MembershipEvent> _events;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _timerLoop;
    private readonly LogRateLimiter _rejections;
    private TaskCompletionSource _timerWake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MembershipReportSchedule? _reports;
    private bool _eventsEnabled;

    private MulticastSocket(MulticastSocketOptions options, ILogger logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _started = time.GetTimestamp();
        _rejections = LogRateLimiter.PerMinute(time);
        _endpoint = new GroupEndpoint(new GroupEndpointOptions
        {
            SourceId = options.SourceId ?? unchecked((ulong)Random.Shared.NextInt64(1, long.MaxValue)),
            Reassembly = options.Reassembly,
            DuplicateWindow = options.DuplicateWindow,
        });
        if (options.MemberReports is { } reporting)
        {
            _reports = new MembershipReportSchedule(_endpoint.SourceId, reporting.Interval);
        }

        _inbox = Channel.CreateBounded<GroupMessage>(new BoundedChannelOptions(options.ReceiveQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _events = Channel.CreateBounded<MembershipEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });
        _timerLoop = TimerLoopAsync(_stopping.Token);
    }

    /// <summary>The source id this socket writes into every frame.</summary>
    public ulong SourceId => _endpoint.SourceId;

    /// <summary>Sent, received, rejected and lost frames and messages.</summary>
    public GroupEndpointCounters Counters => _endpoint.Counters;

    /// <summary>The groups joined now.</summary>
    public IReadOnlyCollection<GroupName> JoinedGroups
    {
        get
        {
            lock (_gate)
            {
                return [.. _endpoint.JoinedGroups];
            }
        }
    }

    /// <summary>Creates a socket on <paramref name="interfaces"/> (RFC 7046 createMSocket).</summary>
    public static MulticastSocket Create(
        IEnumerable<ITechnologyInterface> interfaces,
        MulticastSocketOptions? options = null,
        ILogger<MulticastSocket>? logger = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        var socket = new MulticastSocket(options ?? new(), logger ?? (ILogger)NullLogger.Instance, time ?? TimeProvider.System);
        foreach (var technologyInterface in interfaces)
        {
            socket.AddInterface(technologyInterface);
        }

        return socket;
    }

    /// <summary>The socket's interfaces (RFC 7046 getInterfaces).</summary>
    public IReadOnlyList<InterfaceId> GetInterfaces()
    {
        lock (_gate)
        {
            return [.. _interfaces.Select(i => i.Id)];
        }
    }

    /// <summary>Adds an interface; groups joined already are joined there too where it can carry them (RFC 7046 addInterface).</summary>
    public void AddInterface(ITechnologyInterface technologyInterface)
    {
        ArgumentNullException.ThrowIfNull(technologyInterface);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        lock (_gate)
        {
            if (_interfaces.Any(i => i.Id == technologyInterface.Id))
            {
                throw new ArgumentException($"the socket already has interface {technologyInterface.Id}", nameof(technologyInterface));
            }

            _interfaces.Add(technologyInterface);
            foreach (var group in _endpoint.JoinedGroups.Where(technologyInterface.CanCarry))
            {
                technologyInterface.Join(group);
            }
        }

        technologyInterface.PeerMembershipChanged += OnPeerMembership;
        technologyInterface.Start(OnDatagramAsync);
    }

    /// <summary>Removes and closes an interface (RFC 7046 delInterface).</summary>
    public async ValueTask DeleteInterfaceAsync(InterfaceId id)
    {
        ITechnologyInterface removed;
        lock (_gate)
        {
            removed = Find(id);
            _interfaces.Remove(removed);
        }

        removed.PeerMembershipChanged -= OnPeerMembership;
        await removed.DisposeAsync();
    }

    /// <summary>Joins <paramref name="group"/> on every interface that can carry it (RFC 7046 join).</summary>
    /// <exception cref="ArgumentException">No interface of the socket can carry the group.</exception>
    public void Join(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        List<InterfaceId> joinedOn;
        lock (_gate)
        {
            var carriers = Carriers(group);
            foreach (var carrier in carriers)
            {
                carrier.Join(group);
            }

            _endpoint.Join(group);
            joinedOn = [.. carriers.Select(c => c.Id)];
            GroupsChanged();
        }

        foreach (var id in joinedOn)
        {
            Raise(new MembershipEvent(MembershipEventKind.Join, group, id, MembershipEvent.LocalMember));
        }
    }

    /// <summary>Leaves <paramref name="group"/> on every interface (RFC 7046 leave).</summary>
    public void Leave(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        List<InterfaceId> leftOn = [];
        lock (_gate)
        {
            foreach (var technologyInterface in _interfaces.Where(i => i.JoinedGroups.Contains(group)))
            {
                technologyInterface.Leave(group);
                leftOn.Add(technologyInterface.Id);
            }

            _endpoint.Leave(group);
            GroupsChanged();
        }

        foreach (var id in leftOn)
        {
            Raise(new MembershipEvent(MembershipEventKind.Leave, group, id, MembershipEvent.LocalMember));
        }
    }

    /// <summary>Registers this socket as a source of <paramref name="group"/>; returns the interfaces it will send on (RFC 7046 srcRegister).</summary>
    public IReadOnlyList<InterfaceId> RegisterSource(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            var carriers = Carriers(group);
            _registered[group.Canonical] = group;
            return [.. carriers.Select(c => c.Id)];
        }
    }

    /// <summary>Withdraws a source registration (RFC 7046 srcDeregister).</summary>
    public void DeregisterSource(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            _registered.Remove(group.Canonical);
        }
    }

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="group"/> on every interface that can carry
    /// it (RFC 7046 send): one numbered message, fragmented to the smallest atomic message size among them.
    /// </summary>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
        => SendAsync(group, payload, contentType, lastValue: false, cancellationToken);

    /// <summary>
    /// Sends as <see cref="SendAsync(GroupName, ReadOnlyMemory{byte}, ContentType, CancellationToken)"/>
    /// does; <paramref name="lastValue"/> marks the message as the group's latest state (a retained message).
    /// </summary>
    public async ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        List<ITechnologyInterface> carriers;
        List<Transmit> transmits = [];
        lock (_gate)
        {
            carriers = Carriers(group);
            _endpoint.Send(Now(), WallClockMicroseconds(), group, payload, contentType, carriers.Min(c => c.AtomicMessageSize), lastValue);
            while (_endpoint.TryPollTransmit(out var transmit))
            {
                transmits.Add(transmit);
            }
        }

        foreach (var transmit in transmits)
        {
            foreach (var carrier in carriers)
            {
                await carrier.SendAsync(transmit.Group, transmit.Datagram, cancellationToken);
            }
        }
    }

    /// <summary>The messages of joined groups, in arrival order, until cancelled or disposed (RFC 7046 receive).</summary>
    public IAsyncEnumerable<GroupMessage> ReceiveAsync(CancellationToken cancellationToken = default)
        => _inbox.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Sets the TTL / hop limit on one interface, or on all (RFC 7046 setTTL).</summary>
    public void SetTimeToLive(int timeToLive, InterfaceId? on = null)
    {
        lock (_gate)
        {
            foreach (var technologyInterface in on is null ? _interfaces : [Find(on)])
            {
                technologyInterface.SetTimeToLive(timeToLive);
            }
        }
    }

    /// <summary>The largest message an interface carries without fragmenting, less the frame header (RFC 7046 getAtomicMsgSize).</summary>
    public int GetAtomicMessageSize(InterfaceId id)
    {
        lock (_gate)
        {
            return Find(id).AtomicMessageSize;
        }
    }

    /// <summary>The groups this socket joined or registered as a source on an interface (RFC 7046 groupSet).</summary>
    public IReadOnlyList<GroupMembership> GroupSet(InterfaceId id)
    {
        lock (_gate)
        {
            var technologyInterface = Find(id);
            var joined = technologyInterface.JoinedGroups;
            var registered = _registered.Values.Where(technologyInterface.CanCarry).ToList();
            return [.. joined.Union(registered)
                .Select(g => new GroupMembership(g, joined.Contains(g), registered.Contains(g)))
                .OrderBy(m => m.Group.Canonical, StringComparer.Ordinal)];
        }
    }

    /// <summary>The neighbours on an interface (RFC 7046 neighborSet).</summary>
    public IReadOnlyCollection<string> NeighborSet(InterfaceId id) => Ask(id, i => i.Neighbors);

    /// <summary>Where an interface forwards a group (RFC 7046 childrenSet).</summary>
    public IReadOnlyCollection<string> ChildrenSet(GroupName group, InterfaceId id) => Ask(id, i => i.ChildrenOf(group));

    /// <summary>Where a group comes from on an interface (RFC 7046 parentSet).</summary>
    public IReadOnlyCollection<string> ParentSet(GroupName group, InterfaceId id) => Ask(id, i => i.ParentsOf(group));

    /// <summary>Whether this host forwards the group for its link on an interface (RFC 7046 designatedHost).</summary>
    public bool DesignatedHost(GroupName group, InterfaceId id) => Ask(id, i => i.IsDesignatedHost(group));

    /// <summary>Starts delivering membership events to <see cref="EventsAsync"/> (RFC 7046 enableEvents).</summary>
    public void EnableEvents() => Volatile.Write(ref _eventsEnabled, true);

    /// <summary>Stops delivering membership events (RFC 7046 disableEvents).</summary>
    public void DisableEvents() => Volatile.Write(ref _eventsEnabled, false);

    /// <summary>Membership events while enabled, in order.</summary>
    public IAsyncEnumerable<MembershipEvent> EventsAsync(CancellationToken cancellationToken = default)
        => _events.Reader.ReadAllAsync(cancellationToken);

    /// <inheritdoc/>
    ValueTask IGroupSender.SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken)
        => SendAsync(group, payload, contentType, cancellationToken);

    /// <summary>Closes every interface and ends receiving (RFC 7046 deleteMSocket).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await WithdrawReportAsync();
        ITechnologyInterface[] interfaces;
        lock (_gate)
        {
            interfaces = [.. _interfaces];
            _interfaces.Clear();
        }

        foreach (var technologyInterface in interfaces)
        {
            technologyInterface.PeerMembershipChanged -= OnPeerMembership;
            await technologyInterface.DisposeAsync();
        }

        await _timerLoop;
        _inbox.Writer.TryComplete();
        _events.Writer.TryComplete();
        _stopping.Dispose();
    }

    private TimeSpan Now() => _time.GetElapsedTime(_started);

    private ITechnologyInterface Find(InterfaceId id)
        => _interfaces.FirstOrDefault(i => i.Id == id)
           ?? throw new ArgumentException($"the socket has no interface {id} (it has {string.Join(", ", _interfaces.Select(i => i.Id))})", nameof(id));

    /// <summary>The joined groups changed (under the gate): a member report is due at once.</summary>
    private void GroupsChanged()
    {
        if (_reports is not null)
        {
            _reports.HandleGroupsChanged(Now(), _endpoint.JoinedGroups);
            WakeTimer();
        }
    }

    /// <summary>The member reports the schedule has queued, encoded, with the interfaces that carry them (under the gate).</summary>
    private (List<ITechnologyInterface> Carriers, List<byte[]> Frames)? PollReports()
    {
        if (_reports is null || _options.MemberReports is not { } reporting)
        {
            return null;
        }

        List<byte[]> frames = [];
        while (_reports.TryPollReport(out var report))
        {
            frames.Add(reporting.Format.Encode(report, WallClockMicroseconds()));
        }

        var carriers = _interfaces.Where(i => i.CanCarry(reporting.Format.Group)).ToList();
        return frames.Count > 0 && carriers.Count > 0 ? (carriers, frames) : null;
    }

    private async ValueTask SendReportsAsync((List<ITechnologyInterface> Carriers, List<byte[]> Frames)? reports)
    {
        if (reports is not var (carriers, frames) || _options.MemberReports is not { } reporting)
        {
            return;
        }

        foreach (var frame in frames)
        {
            foreach (var carrier in carriers)
            {
                try
                {
                    await carrier.SendAsync(reporting.Format.Group, frame);
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException)
                {
                    Log.ReportFailed(_logger, carrier.Id.ToString(), ex.Message);
                }
            }
        }
    }

    /// <summary>Tells the gateways, on disposal, that this socket's groups are gone (best effort).</summary>
    private async ValueTask WithdrawReportAsync()
    {
        (List<ITechnologyInterface> Carriers, List<byte[]> Frames)? reports;
        lock (_gate)
        {
            _reports?.Close();
            reports = PollReports();
        }

        await SendReportsAsync(reports);
    }

    private long WallClockMicroseconds() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    private List<ITechnologyInterface> Carriers(GroupName group)
    {
        var carriers = _interfaces.Where(i => i.CanCarry(group)).ToList();
        if (carriers.Count == 0)
        {
            throw new ArgumentException(
                $"no interface of the socket can carry {group} (interfaces: {string.Join(", ", _interfaces.Select(i => i.Id))})", nameof(group));
        }

        return carriers;
    }

    private T Ask<T>(InterfaceId id, Func<ITechnologyInterface, T> question)
    {
        lock (_gate)
        {
            return question(Find(id));
        }
    }

    private void Raise(MembershipEvent membershipEvent)
    {
        if (Volatile.Read(ref _eventsEnabled))
        {
            _events.Writer.TryWrite(membershipEvent);
        }
    }

    private void OnPeerMembership(ITechnologyInterface source, PeerMembership change)
    {
        bool joined;
        lock (_gate)
        {
            joined = source.JoinedGroups.Contains(change.Group) || _registered.ContainsKey(change.Group.Canonical);
        }

        // RFC 7046 reports membership changes of the groups the socket takes part in.
        if (joined)
        {
            Raise(new MembershipEvent(change.Joined ? MembershipEventKind.Join : MembershipEventKind.Leave, change.Group, source.Id, change.Peer));
        }
    }

    private async ValueTask OnDatagramAsync(ITechnologyInterface source, ReadOnlyMemory<byte> datagram, IPEndPoint? from)
    {
        List<GroupMessage> messages = [];
        lock (_gate)
        {
            _endpoint.HandleDatagram(Now(), datagram);
            DrainEvents(source, from, messages);
        }

        WakeTimer();
        try
        {
            foreach (var message in messages)
            {
                await _inbox.Writer.WriteAsync(message, _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException && _stopping.IsCancellationRequested)
        {
            // Closing: what the application will no longer read is dropped with the socket.
        }
    }

    // Called under _gate.
    private void DrainEvents(ITechnologyInterface? source, IPEndPoint? from, List<GroupMessage> messages)
    {
        while (_endpoint.TryPollEvent(out var endpointEvent))
        {
            switch (endpointEvent)
            {
                case MessageReceived received:
                    messages.Add(received.Message with { From = from, Interface = source?.Id.ToString() });
                    break;
                case NewSource newSource when source is not null:
                    Raise(new MembershipEvent(
                        MembershipEventKind.NewSource, newSource.Group, source.Id, newSource.SourceId.ToString("x16", CultureInfo.InvariantCulture)));
                    break;
                case FrameRejected rejected when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "dropped datagrams", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                    Log.FrameRejected(_logger, from?.ToString() ?? source?.Id.ToString() ?? "?", rejected.Length, rejected.Reason);
                    break;
                case MessageLost lost:
                    Log.MessageLost(_logger, lost.Group.Canonical, lost.SourceId, lost.Sequence, lost.Reason);
                    break;
            }
        }
    }

    private void WakeTimer() => _timerWake.TrySetResult();

    private async Task TimerLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan? deadline;
            Task wake;
            lock (_gate)
            {
                deadline = _endpoint.PollTimeout();
                if (_reports?.PollTimeout() is { } reportAt && (deadline is null || reportAt < deadline))
                {
                    deadline = reportAt;
                }

                if (_timerWake.Task.IsCompleted)
                {
                    _timerWake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _timerWake.Task;
            }

            var wait = deadline is { } due ? due - Now() : Timeout.InfiniteTimeSpan;
            if (wait > TimeSpan.Zero || wait == Timeout.InfiniteTimeSpan)
            {
                // Wait for the deadline or for new work that may bring an earlier one; the timer of
                // an abandoned wait is cancelled rather than left to fire.
                using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(wake, Task.Delay(wait, _time, abandon.Token));
                await abandon.CancelAsync();
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }

            List<GroupMessage> messages = [];
            (List<ITechnologyInterface> Carriers, List<byte[]> Frames)? reports;
            lock (_gate)
            {
                var now = Now();
                _endpoint.HandleTimeout(now);
                DrainEvents(null, null, messages);
                _reports?.HandleTimeout(now);
                reports = PollReports();
            }

            await SendReportsAsync(reports);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9, LogLevel.Warning, "{Count} more {What} not logged: at most {Burst} per {Seconds} s are (the metrics count every one)")]
        public static partial void Suppressed(ILogger logger, long count, string what, int burst, long seconds);

        [LoggerMessage(3, LogLevel.Warning, "Dropped a datagram of {Length} bytes from {Sender}: {Reason}")]
        public static partial void FrameRejected(ILogger logger, string sender, int length, FrameError reason);

        [LoggerMessage(5, LogLevel.Warning, "Lost message {Sequence} of source {SourceId:x16} in {Group}: {Reason}")]
        public static partial void MessageLost(ILogger logger, string group, ulong sourceId, ulong sequence, string reason);

        [LoggerMessage(6, LogLevel.Warning, "Sending the member report on {Interface} failed: {Error}")]
        public static partial void ReportFailed(ILogger logger, string @interface, string error);
    }
}
