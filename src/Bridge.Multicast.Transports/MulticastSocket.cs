using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security.ControlPlane;
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

    /// <summary>
    /// The domain's control-plane key: requests and replies are tagged with it and requests,
    /// replies and partials without a valid tag are refused (docs/security.md, "Control plane").
    /// Null, the default, leaves the reverse channel untagged, as gateways without a domain key expect.
    /// </summary>
    public ControlPlaneKeys? ControlKeys { get; init; }

    /// <summary>Margins, linger and bounds of the aggregator behind <see cref="MulticastSocket.RequestAsync"/>.</summary>
    public AggregatorOptions Aggregation { get; init; } = new();

    /// <summary>Incoming requests held while the application does not read them; the oldest go first.</summary>
    public int RequestQueueCapacity { get; init; } = 256;
}

/// <summary>How a <see cref="MulticastSocket"/> reports its groups to the gateways of its domain.</summary>
/// <param name="Format">What a report looks like and where it goes; the overlay's is <c>MemberReportFormat.Default</c> (docs/overlay.md).</param>
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
    private readonly Channel<ReceivedMessage> _inbox;
    private readonly InboxSink _sink;
    private readonly Channel<MembershipEvent> _events;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _timerLoop;
    private readonly LogRateLimiter _rejections;
    private TaskCompletionSource _timerWake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MembershipReportSchedule? _reports;
    private readonly Dictionary<ulong, DeviceReports> _devices = [];
    private readonly List<MembershipReportSchedule> _retiredDevices = [];
    private readonly RequestAggregator _aggregator;
    private readonly Dictionary<ulong, TaskCompletionSource<PartialAggregate>> _awaiting = [];
    private readonly Dictionary<string, List<ITechnologyInterface>> _joinedForReplies = new(StringComparer.Ordinal);
    private readonly Channel<IncomingRequest> _requests;
    private bool _eventsEnabled;
    private long _repliesForOthers;

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
            ControlKeys = options.ControlKeys,
            Random = new Random(),
        });
        if (options.MemberReports is { } reporting)
        {
            _reports = new MembershipReportSchedule(_endpoint.SourceId, reporting.Interval);
        }

        _inbox = Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(options.ReceiveQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _events = Channel.CreateBounded<MembershipEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });
        _sink = new InboxSink(_inbox.Writer);
        _aggregator = new RequestAggregator(options.Aggregation);
        _requests = Channel.CreateBounded<IncomingRequest>(new BoundedChannelOptions(options.RequestQueueCapacity)
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

    /// <summary>
    /// The aggregation of this socket's own requests (<see cref="RequestAsync"/>): replies taken,
    /// results, and input dropped by reason (duplicates, late replies, malformed payloads).
    /// </summary>
    public AggregationCounters Aggregation => _aggregator.Counters;

    /// <summary>
    /// Replies and gateway partials heard for requests this socket did not make (other sources'
    /// requests in the same group): dropped, as only the requesting source aggregates, and not counted as faults.
    /// </summary>
    public long RepliesForOthers => Interlocked.Read(ref _repliesForOthers);

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

    /// <summary>
    /// Secures <paramref name="group"/>'s messages with <paramref name="protection"/>
    /// (docs/security.md), or takes the protection away with null. Call before joining or sending
    /// to it; a group never given one is sent and taken as it is.
    /// </summary>
    public void Protect(GroupName group, Bridge.Multicast.Security.GroupProtection? protection)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            _endpoint.Protect(group, protection);
        }
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
            _joinedForReplies.TryGetValue(group.Canonical, out var hearing);
            foreach (var technologyInterface in _interfaces.Where(i => i.JoinedGroups.Contains(group)))
            {
                // A request of this socket still waits for replies there: the interface stays
                // joined until it ends, and leaves then.
                if (hearing is not null)
                {
                    hearing.Add(technologyInterface);
                }
                else
                {
                    technologyInterface.Leave(group);
                }

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
        bool deadlineMoved;
        lock (_gate)
        {
            carriers = Carriers(group);
            var before = DatagramDeadlines();
            _endpoint.Send(Now(), WallClockMicroseconds(), group, payload, contentType, carriers.Min(c => c.AtomicMessageSize), lastValue);
            while (_endpoint.TryPollTransmit(out var transmit))
            {
                transmits.Add(transmit);
            }

            deadlineMoved = DatagramDeadlines() != before;
        }

        // A reliable group's send schedules its status announcement: the timer loop must see it.
        if (deadlineMoved)
        {
            WakeTimer();
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
    public async IAsyncEnumerable<GroupMessage> ReceiveAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var received in _inbox.Reader.ReadAllAsync(cancellationToken))
        {
            GroupMessage message;
            using (received)
            {
                message = received.ToGroupMessage();
            }

            yield return message;
        }
    }

    /// <summary>
    /// Takes the next received message without waiting, with its payload in a pooled buffer
    /// (dispose the message when done with it): the allocation-free way to receive, beside
    /// <see cref="ReceiveAsync"/>, and the way to drain every queued message per wake-up of
    /// <see cref="WaitToReceiveAsync"/>. Use one way of receiving per socket (one reader).
    /// </summary>
    public bool TryReceive(out ReceivedMessage message) => _inbox.Reader.TryRead(out message);

    /// <summary>Waits until <see cref="TryReceive"/> has a message; false once the socket is disposed and drained.</summary>
    public ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default)
        => _inbox.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>
    /// Asks the members of <paramref name="group"/> for a reply and returns the aggregate of the
    /// replies heard on this socket's domain and of the partials that this domain's gateways send
    /// back for the other domains, by the deadline, <paramref name="budget"/> from now
    /// (docs/aggregation.md). The socket is the source: it sends the Request frame on every
    /// interface that carries the group, hears the group's replies for the time of the request
    /// (without joining it, so it is not reported as a member), and counts each member once.
    /// Membership is not known to a socket, so the result comes at the deadline, with no member
    /// counted missing. The group need not be joined.
    /// </summary>
    /// <param name="group">The group to ask.</param>
    /// <param name="spec">What to compute over the replies' values.</param>
    /// <param name="budget">How long to wait for replies: whole milliseconds, 1 ms to 1 hour.</param>
    /// <param name="cancellationToken">Stops waiting; the result is then dropped.</param>
    /// <returns>The final result: contributors, sum, min, max, mean, histogram and items as the spec asks, late replies so far.</returns>
    /// <exception cref="ArgumentException">The spec or budget is invalid, or no interface carries the group.</exception>
    /// <exception cref="InvalidOperationException"><see cref="AggregatorOptions.MaxRequests"/> requests are in progress.</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed before the result came.</exception>
    public async Task<PartialAggregate> RequestAsync(GroupName group, AggregationSpec spec, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(spec);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var completion = new TaskCompletionSource<PartialAggregate>(TaskCreationOptions.RunContinuationsAsynchronously);
        List<ITechnologyInterface> carriers;
        List<Transmit> transmits = [];
        ulong requestId;
        lock (_gate)
        {
            carriers = Carriers(group);
            do
            {
                requestId = unchecked((ulong)Random.Shared.NextInt64(1, long.MaxValue));
            }
            while (_aggregator.IsHeld(requestId));

            var request = new AggregationRequest(requestId, spec, budget);
            var error = request.Validate();
            if (error != AggregationError.None)
            {
                throw new ArgumentException($"the request is not valid: {error} (budget: whole milliseconds from 1 ms to 1 hour)", nameof(spec));
            }

            var now = Now();
            // Open children: the gateways of this domain that carry the request on send their
            // subtrees' partials back here, and the socket cannot know in advance which will.
            if (!_aggregator.HandleRequest(now, request, parent: null, expectedChildren: [], knownMembers: null, openChildren: true))
            {
                DrainAggregator();
                throw new InvalidOperationException($"{_aggregator.Options.MaxRequests} requests are in progress already; wait for one to finish");
            }

            while (_aggregator.TryPollForward(out var forward))
            {
                _endpoint.SendRequest(now, WallClockMicroseconds(), group, forward, carriers.Min(c => c.AtomicMessageSize));
            }

            while (_endpoint.TryPollTransmit(out var transmit))
            {
                transmits.Add(transmit);
            }

            _awaiting.Add(requestId, completion);
            StartHearingReplies(group, carriers);
            DrainAggregator();
        }

        WakeTimer();
        try
        {
            foreach (var transmit in transmits)
            {
                foreach (var carrier in carriers)
                {
                    await carrier.SendAsync(transmit.Group, transmit.Datagram, cancellationToken);
                }
            }

            return await completion.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _awaiting.Remove(requestId);
                StopHearingReplies(group);
            }
        }
    }

    /// <summary>
    /// The requests sources send to the groups this socket joined, in arrival order, each once,
    /// until cancelled or disposed. Answer with <see cref="ReplyAsync"/>. When the application
    /// falls behind by <see cref="MulticastSocketOptions.RequestQueueCapacity"/> requests, the
    /// oldest are dropped.
    /// </summary>
    public IAsyncEnumerable<IncomingRequest> RequestsAsync(CancellationToken cancellationToken = default)
        => _requests.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Answers <paramref name="request"/> with <paramref name="value"/>: one Reply frame, member id
    /// this socket's <see cref="SourceId"/>, sent to the group on the interface the request came
    /// in on, so that it crosses this domain once, to the node that aggregates for it.
    /// </summary>
    /// <param name="request">The request, as <see cref="RequestsAsync"/> gave it.</param>
    /// <param name="value">The value: finite, magnitude at most 2^52.</param>
    /// <param name="data">Opaque bytes for a request that collects (up to 255).</param>
    /// <param name="cancellationToken">Cancels sending.</param>
    /// <exception cref="ArgumentException">The value or data is out of range, or no interface carries the group.</exception>
    public ValueTask ReplyAsync(IncomingRequest request, double value, ReadOnlyMemory<byte> data = default, CancellationToken cancellationToken = default)
        => ReplyForAsync(request, SourceId, value, data, cancellationToken);

    /// <summary>
    /// Answers <paramref name="request"/> for the member <paramref name="memberId"/>: a device this
    /// socket answers for (<see cref="SetDevices"/>), or the socket itself (its
    /// <see cref="SourceId"/>). Sent like <see cref="ReplyAsync"/>;
    /// the aggregator counts each member id once.
    /// </summary>
    /// <param name="request">The request, as <see cref="RequestsAsync"/> gave it.</param>
    /// <param name="memberId">Whom the reply stands for.</param>
    /// <param name="value">The value: finite, magnitude at most 2^52.</param>
    /// <param name="data">Opaque bytes for a request that collects (up to 255).</param>
    /// <param name="cancellationToken">Cancels sending.</param>
    /// <exception cref="ArgumentException">The value or data is out of range, or no interface carries the group.</exception>
    public async ValueTask ReplyForAsync(IncomingRequest request, ulong memberId, double value, ReadOnlyMemory<byte> data = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        List<ITechnologyInterface> carriers;
        List<Transmit> transmits = [];
        lock (_gate)
        {
            var arrivedOn = _interfaces.FirstOrDefault(i => i.Id == request.Interface && i.CanCarry(request.Group));
            carriers = arrivedOn is not null ? [arrivedOn] : Carriers(request.Group);
            var reply = new Reply(request.Request.RequestId, memberId, value, data);
            _endpoint.SendReply(Now(), WallClockMicroseconds(), request.Group, reply, carriers.Min(c => c.AtomicMessageSize));
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
        lock (_gate)
        {
            foreach (var waiting in _awaiting.Values)
            {
                waiting.TrySetException(new ObjectDisposedException(nameof(MulticastSocket), "the socket was closed before the result came"));
            }
        }

        _inbox.Writer.TryComplete();
        _events.Writer.TryComplete();
        _requests.Writer.TryComplete();
        _stopping.Dispose();
    }

    private TimeSpan Now() => _time.GetElapsedTime(_started);

    /// <summary>Hears the group's replies for a request (under the gate): the interfaces that have not joined it join it until the last request on it ends.</summary>
    private void StartHearingReplies(GroupName group, List<ITechnologyInterface> carriers)
    {
        if (!_endpoint.ListenForReplies(group))
        {
            return;
        }

        List<ITechnologyInterface> joinedHere = [];
        foreach (var carrier in carriers.Where(c => !c.JoinedGroups.Contains(group)))
        {
            carrier.Join(group);
            joinedHere.Add(carrier);
        }

        _joinedForReplies[group.Canonical] = joinedHere;
    }

    /// <summary>A request on the group ended (under the gate): after the last, interfaces joined only for its replies leave, unless the application joined the group meanwhile.</summary>
    private void StopHearingReplies(GroupName group)
    {
        if (!_endpoint.StopListeningForReplies(group) || !_joinedForReplies.Remove(group.Canonical, out var joinedHere))
        {
            return;
        }

        if (_endpoint.JoinedGroups.Contains(group))
        {
            return;
        }

        foreach (var technologyInterface in joinedHere.Where(_interfaces.Contains))
        {
            technologyInterface.Leave(group);
        }
    }

    /// <summary>Hands the aggregator's results to the waiting requests and logs its news (under the gate).</summary>
    private void DrainAggregator()
    {
        while (_aggregator.TryPollEvent(out var aggregationEvent))
        {
            switch (aggregationEvent)
            {
                case AggregationCompleted completed:
                    if (_awaiting.TryGetValue(completed.Result.RequestId, out var waiting))
                    {
                        waiting.TrySetResult(completed.Result);
                    }

                    break;
                case LateAfterResult late:
                    Log.LateAfterResult(_logger, late.RequestId, late.Late);
                    break;
                case AggregationInputRejected rejected when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "dropped replies", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                    Log.AggregationInputRejected(_logger, rejected.RequestId ?? 0, rejected.Reason, rejected.Error);
                    break;
            }
        }

        // The source has no parent: nothing is forwarded or sent up after the request went out.
        while (_aggregator.TryPollPartial(out _))
        {
        }
    }

    private ITechnologyInterface Find(InterfaceId id)
        => _interfaces.FirstOrDefault(i => i.Id == id)
           ?? throw new ArgumentException($"the socket has no interface {id} (it has {string.Join(", ", _interfaces.Select(i => i.Id))})", nameof(id));

    /// <summary>
    /// Sets the devices this socket answers requests for under member ids of their own (the IEDs
    /// behind a bridge; <see cref="ReplyForAsync"/>),
    /// replacing the previous set. With <see cref="MulticastSocketOptions.MemberReports"/>, each
    /// device is reported to the gateways as a member of its groups, as the socket reports itself,
    /// so that a gateway that learns members knows whom to expect and names a device that did not
    /// answer; a device no longer in the set is withdrawn at once. The socket's own report then
    /// leaves out the groups its devices answer: there the devices are the members, and the
    /// socket would otherwise be counted missing for answers it gives in their name. The groups
    /// stay carried into the domain, as the devices' reports name them.
    /// </summary>
    /// <param name="devices">Each device's member id and the groups it answers; ids other than this socket's own.</param>
    /// <exception cref="ArgumentException">A device has this socket's own id.</exception>
    public void SetDevices(IReadOnlyDictionary<ulong, IReadOnlyCollection<GroupName>> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.ContainsKey(SourceId))
        {
            throw new ArgumentException($"a device cannot have the socket's own member id {SourceId:x16}", nameof(devices));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            var now = Now();
            foreach (var gone in _devices.Keys.Where(id => !devices.ContainsKey(id)).ToList())
            {
                if (_devices[gone].Schedule is { } schedule)
                {
                    schedule.Close();
                    _retiredDevices.Add(schedule);
                }

                _devices.Remove(gone);
            }

            foreach (var (id, groups) in devices)
            {
                GroupName[] wanted = [.. groups.Distinct()];
                if (_devices.TryGetValue(id, out var known) && known.Groups.ToHashSet().SetEquals(wanted))
                {
                    continue;
                }

                var schedule = known?.Schedule
                    ?? (_options.MemberReports is { } reporting ? new MembershipReportSchedule(id, reporting.Interval) : null);
                schedule?.HandleGroupsChanged(now, wanted);
                _devices[id] = new DeviceReports(wanted, schedule);
            }

            // Wakes the timer loop, which sends the withdrawals and the reports now due.
            GroupsChanged();
        }
    }

    /// <summary>The joined groups changed (under the gate): a member report is due at once.</summary>
    private void GroupsChanged()
    {
        if (_reports is not null)
        {
            var answeredByDevices = _devices.Values.SelectMany(d => d.Groups).ToHashSet();
            _reports.HandleGroupsChanged(Now(), _endpoint.JoinedGroups.Where(g => !answeredByDevices.Contains(g)));
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
        foreach (var schedule in _devices.Values.Select(d => d.Schedule).OfType<MembershipReportSchedule>().Concat(_retiredDevices).Prepend(_reports))
        {
            while (schedule.TryPollReport(out var report))
            {
                frames.Add(reporting.Format.Encode(report, WallClockMicroseconds()));
            }
        }

        _retiredDevices.Clear();

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
            foreach (var device in _devices.Values)
            {
                device.Schedule?.Close();
            }

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
        List<ReceivedMessage>? waiting;
        bool deadlineMoved;
        lock (_gate)
        {
            var now = Now();
            var before = DatagramDeadlines();
            _sink.Begin(source, from);
            _endpoint.HandleDatagram(now, _time.GetUtcNow(), datagram, _sink);
            DrainEvents(now, source, from);
            waiting = _sink.End();
            deadlineMoved = DatagramDeadlines() != before;
        }

        // The timer loop sleeps until the deadlines it last saw; waking it for every datagram
        // would cost it a new timer per datagram, so only a datagram that moved one wakes it.
        if (deadlineMoved)
        {
            WakeTimer();
        }

        // NACKs, confirmations and repairs of reliable groups that this datagram called for.
        await SendEndpointTransmitsAsync();
        if (waiting is null)
        {
            return;
        }

        try
        {
            foreach (var message in waiting)
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
    private void DrainEvents(TimeSpan now, ITechnologyInterface? source, IPEndPoint? from)
    {
        var aggregated = false;
        while (_endpoint.TryPollEvent(out var endpointEvent))
        {
            switch (endpointEvent)
            {
                case MessageReceived received:
                    _sink.Add(ReceivedMessage.Wrap(received.Message, from, _sink.InterfaceName(source)));
                    break;
                case NewSource newSource when source is not null:
                    Raise(new MembershipEvent(
                        MembershipEventKind.NewSource, newSource.Group, source.Id, newSource.SourceId.ToString("x16", CultureInfo.InvariantCulture)));
                    break;
                case FrameRejected rejected when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "dropped datagrams", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                    Log.FrameRejected(_logger, from?.ToString() ?? source?.Id.ToString() ?? "?", rejected.Length, rejected.Reason);
                    break;
                case SecurityRejected refused when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "dropped datagrams", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                    Log.SecurityRejected(_logger, from?.ToString() ?? source?.Id.ToString() ?? "?", refused.Group.WireName, refused.SourceId, refused.Sequence, refused.Reason);
                    break;
                case UnrecoverableLoss or RepairRequested:
                    OnReliabilityEvent(endpointEvent, source, from);
                    break;
                case MessageLost lost:
                    Log.MessageLost(_logger, lost.Group.Canonical, lost.SourceId, lost.Sequence, lost.Reason);
                    break;
                case RequestReceived request when source is not null:
                    // Never waits: when the application falls behind, the oldest request goes.
                    _requests.Writer.TryWrite(new IncomingRequest(request.Group, request.SourceId, request.Request, source.Id));
                    break;
                case ReplyReceived reply:
                    // Every member hears every reply of its domain; only the requester aggregates them.
                    if (_aggregator.IsHeld(reply.Reply.RequestId))
                    {
                        _aggregator.HandleReply(now, reply.Reply);
                        aggregated = true;
                    }
                    else
                    {
                        Interlocked.Increment(ref _repliesForOthers);
                    }

                    break;
                case PartialReceived partial:
                    // A gateway of this domain answers for its overlay subtree; only the requester takes it.
                    if (_aggregator.IsHeld(partial.Partial.RequestId))
                    {
                        _aggregator.HandlePartial(now, DomainPartials.ChildOf(partial.SourceId), partial.Partial);
                        aggregated = true;
                    }
                    else
                    {
                        Interlocked.Increment(ref _repliesForOthers);
                    }

                    break;
                case PayloadRejected rejected when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "dropped datagrams", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                    Log.PayloadRejected(_logger, from?.ToString() ?? source?.Id.ToString() ?? "?", rejected.Type, rejected.Group.Canonical, rejected.Reason);
                    break;
                case ControlFrameRefused refused when _rejections.ShouldLog(n => Log.Suppressed(_logger, n, "dropped datagrams", _rejections.Burst, (long)_rejections.Interval.TotalSeconds)):
                    Log.ControlFrameRefused(_logger, from?.ToString() ?? source?.Id.ToString() ?? "?", refused.Type, refused.Group.Canonical, refused.Reason);
                    break;
            }
        }

        if (aggregated)
        {
            DrainAggregator();
        }
    }

    private void WakeTimer() => _timerWake.TrySetResult();

    // Called under _gate: the deadlines a received datagram can move (reassembly, aggregation).
    private (TimeSpan?, TimeSpan?) DatagramDeadlines() => (_endpoint.PollTimeout(), _aggregator.PollTimeout());

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
                foreach (var schedule in _devices.Values.Select(d => d.Schedule).Prepend(_reports))
                {
                    if (schedule?.PollTimeout() is { } reportAt && (deadline is null || reportAt < deadline))
                    {
                        deadline = reportAt;
                    }
                }

                if (_aggregator.PollTimeout() is { } aggregateAt && (deadline is null || aggregateAt < deadline))
                {
                    deadline = aggregateAt;
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
                var delay = Task.Delay(wait, _time, abandon.Token);

                // The clock may have moved between reading it and arming the timer (a test's clock
                // jumps by a whole deadline at once); a timer armed after the deadline passed
                // would wait a second full interval, so look again once it is armed.
                if (deadline is not { } armedFor || Now() < armedFor)
                {
                    await Task.WhenAny(wake, delay);
                }

                await abandon.CancelAsync();
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }

            (List<ITechnologyInterface> Carriers, List<byte[]> Frames)? reports;
            lock (_gate)
            {
                var now = Now();
                _endpoint.HandleTimeout(now);

                // A timeout delivers no message (only losses), so nothing can wait for the inbox here.
                _sink.Begin(null, null);
                DrainEvents(now, null, null);
                _sink.End();
                _aggregator.HandleTimeout(now);
                DrainAggregator();
                _reports?.HandleTimeout(now);
                foreach (var device in _devices.Values)
                {
                    device.Schedule?.HandleTimeout(now);
                }

                reports = PollReports();
            }

            await SendReportsAsync(reports);
            await SendEndpointTransmitsAsync();
        }
    }

    /// <summary>A device's groups and, when the socket reports members, the schedule of its reports.</summary>
    private sealed record DeviceReports(GroupName[] Groups, MembershipReportSchedule? Schedule);

    /// <summary>
    /// Takes the endpoint's messages into the inbox under the socket's lock: a whole message is
    /// copied once into a pooled buffer and written without waiting while the inbox has room; once
    /// it is full, this datagram's remaining messages wait, in order, for the caller to write them.
    /// </summary>
    private sealed class InboxSink(ChannelWriter<ReceivedMessage> inbox) : IMessageSink
    {
        private ITechnologyInterface? _source;
        private IPEndPoint? _from;
        private List<ReceivedMessage>? _waiting;
        private ITechnologyInterface? _namedSource;
        private string? _sourceName;

        public void Begin(ITechnologyInterface? source, IPEndPoint? from)
        {
            _source = source;
            _from = from;
            _waiting = null;
        }

        public List<ReceivedMessage>? End()
        {
            var waiting = _waiting;
            _waiting = null;
            _source = null;
            _from = null;
            return waiting;
        }

        // The interface's name as a string, made once per interface rather than per message.
        public string? InterfaceName(ITechnologyInterface? source)
        {
            if (source is null)
            {
                return null;
            }

            if (!ReferenceEquals(source, _namedSource))
            {
                _namedSource = source;
                _sourceName = source.Id.ToString();
            }

            return _sourceName;
        }

        public void OnMessage(in SinkMessage message) => Add(ReceivedMessage.Rent(message, _from, InterfaceName(_source)));

        public void Add(ReceivedMessage message)
        {
            if (_waiting is null && inbox.TryWrite(message))
            {
                return;
            }

            (_waiting ??= []).Add(message);
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

        [LoggerMessage(10, LogLevel.Warning, "Dropped a {Type} frame from {Sender} in {Group}: its payload is malformed ({Reason})")]
        public static partial void PayloadRejected(ILogger logger, string sender, FrameType type, string group, AggregationError reason);

        [LoggerMessage(15, LogLevel.Warning, "Refused a {Type} frame from {Sender} on {Group}: {Reason} (the domain's control-plane key)")]
        public static partial void ControlFrameRefused(ILogger logger, string sender, FrameType type, string group, Bridge.Multicast.Security.ControlPlane.ControlFrameRejection reason);

        [LoggerMessage(11, LogLevel.Warning, "Dropped a reply to request {RequestId:x16}: {Reason} ({Error})")]
        public static partial void AggregationInputRejected(ILogger logger, ulong requestId, AggregationDropReason reason, AggregationError error);

        [LoggerMessage(12, LogLevel.Information, "Request {RequestId:x16}: {Late} replies came after its result")]
        public static partial void LateAfterResult(ILogger logger, ulong requestId, ulong late);

        [LoggerMessage(13, LogLevel.Warning, "Refused a frame from {Sender} in secured group {Group} (claimed source {SourceId:x16}, sequence {Sequence}): {Reason}")]
        public static partial void SecurityRejected(ILogger logger, string sender, string group, ulong sourceId, ulong sequence, Bridge.Multicast.Security.SecurityRejection reason);
    }
}
