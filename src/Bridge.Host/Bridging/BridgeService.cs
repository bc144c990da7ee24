using System.Collections.Concurrent;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Host.Diagnostics;
using Bridge.Multicast;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary>
/// Runs one bridge: one side per adapter kind the settings give (<see cref="AdapterKinds"/>), each
/// routing what it receives to groups through a <see cref="Router"/> over its kind's part of the
/// rules; the groups of from-group rules are joined and their messages handed to every side, which
/// publishes those its rules want. Groups with <c>lastValue</c> on get their latest retained value repeated.
/// Requests to the joined groups are answered by the sides that implement <see cref="IGroupAnswerer"/>
/// (<see cref="SocketGroupAnswerer"/>).
/// <see cref="ApplyAsync"/> swaps in a new configuration while running: new tables, joins and
/// leaves, and a side restarted only when its connection settings or its subscriptions changed.
/// </summary>
internal sealed partial class BridgeService(BridgeSettings settings, ILoggerFactory loggers, TimeProvider time) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<BridgeService>();

    // Held while sides start, stop or change, so a reload never overlaps the start or another reload.
    private readonly SemaphoreSlim _changing = new(1, 1);
    private BridgeSettings _settings = settings;
    private MulticastSocket? _socket;
    private LastValueRepeater? _repeater;
    private SocketGroupRequester? _requester;

    // The running sides by kind; replaced whole under the lock, read without it by the receive loop.
    private IReadOnlyDictionary<string, Side> _sides = new Dictionary<string, Side>(StringComparer.Ordinal);

    // What the sides that were stopped (on reload) had counted, by kind, so the metrics never go back.
    private readonly ConcurrentDictionary<string, AdapterSideStatus> _retired = new(StringComparer.Ordinal);

    // Makes a stopped side's move into _retired one step for readers: never counted twice or not at all.
    private readonly Lock _retiring = new();

    // The member ids of devices announced so far (under _changing), so each is logged once.
    private readonly HashSet<ulong> _announced = [];

    // The routers by kind, kept across restarts of a side and read by the metrics.
    private readonly ConcurrentDictionary<string, Router> _routers = new(StringComparer.Ordinal);

    /// <summary>The settings in force.</summary>
    public BridgeSettings Settings => Volatile.Read(ref _settings);

    /// <summary>What the bridge's "be asked" door counted (replies, requests without an answer, failures); null before it runs.</summary>
    public SocketGroupAnswerer? Answerer { get; private set; }

    /// <summary>The bridge's multicast socket while it runs; null before and after.</summary>
    public MulticastSocket? Socket => Volatile.Read(ref _socket);

    /// <summary>The running side of <paramref name="kind"/>, for metrics of one kind's own (per IED, say); null while none runs.</summary>
    public IAdapterSide? RunningSide(string kind)
        => Volatile.Read(ref _sides).TryGetValue(kind, out var side) && !side.Stopped ? side.Adapter : null;

    /// <summary>
    /// For metrics and health, from any thread: each adapter kind the settings in force configure
    /// or a side was ever started for, with its router, its running side's status (null while it
    /// is not running) and the sum of what its stopped sides counted.
    /// </summary>
    public IReadOnlyList<AdapterReading> ReadAdapters()
    {
        var settings = Settings;
        var sides = Volatile.Read(ref _sides);
        var readings = new List<AdapterReading>();
        foreach (var kind in AdapterKinds.All)
        {
            var configured = settings.Adapter(kind.Name);
            var router = _routers.GetValueOrDefault(kind.Name);
            if (configured is null && router is null)
            {
                continue;
            }

            lock (_retiring)
            {
                readings.Add(new AdapterReading(
                    kind.Name,
                    configured is not null,
                    configured is null ? null : kind.Describe(configured),
                    router,
                    sides.TryGetValue(kind.Name, out var side) && !side.Stopped ? side.Adapter.Status() : null,
                    _retired.GetValueOrDefault(kind.Name)));
            }
        }

        return readings;
    }

    /// <summary>
    /// Applies <paramref name="next"/>: swaps the routing tables, joins and leaves groups, and
    /// restarts a side only when it must. Before the bridge started, only remembers it.
    /// </summary>
    public async Task ApplyAsync(BridgeSettings next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await _changing.WaitAsync(cancellationToken);
        try
        {
            var previous = _settings;
            if (_socket is null || _repeater is null)
            {
                Volatile.Write(ref _settings, next);
                return;
            }

            foreach (var kind in AdapterKinds.All)
            {
                // Each side is swapped in as soon as it changed, as the receive loop reads them.
                var changed = await ChangeSideAsync(_sides.GetValueOrDefault(kind.Name), kind, previous, next, cancellationToken);
                var sides = new Dictionary<string, Side>(_sides, StringComparer.Ordinal);
                if (changed is null)
                {
                    sides.Remove(kind.Name);
                }
                else
                {
                    sides[kind.Name] = changed;
                }

                Volatile.Write(ref _sides, sides);
            }

            foreach (var group in previous.Reliable.Except(next.Reliable))
            {
                _socket.MakeReliable(group, null);
            }

            foreach (var group in next.Reliable.Except(previous.Reliable))
            {
                _socket.MakeReliable(group, new ReliableGroupOptions());
            }

            AnnounceDevices(_socket);
            var joined = previous.Rules.SourceGroups.ToHashSet();
            var wanted = next.Rules.SourceGroups.ToHashSet();
            foreach (var group in joined.Except(wanted))
            {
                _socket.Leave(group);
                Log.Left(_logger, group.WireName);
            }

            foreach (var group in wanted.Except(joined))
            {
                _socket.Join(group);
                Log.Joined(_logger, group.WireName);
            }

            _repeater.Use(next.LastValues);
            Volatile.Write(ref _settings, next);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _changing.Dispose();
        base.Dispose();
    }

    /// <summary>The bridge's socket reports its members every 2 s and, with the domain's key, tags them and its requests and replies.</summary>
    private static MulticastSocketOptions BridgeSocketOptions(ControlPlaneKeys? keys) => new()
    {
        MemberReports = new(MemberReportFormat.WithKeys(keys?.ForDomain()), TimeSpan.FromSeconds(2)),
        ControlKeys = keys,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var socket = MulticastSocket.Create(
            Settings.Interface,
            BridgeSocketOptions(Settings.DomainKeys is { } ring ? new ControlPlaneKeys { Domain = ring, WallClock = time } : null),
            loggers.CreateLogger<MulticastSocket>(),
            time);
        foreach (var (group, protection) in _settings.Protections)
        {
            socket.Protect(group, protection);
        }

        var repeater = new LastValueRepeater(socket, time);
        _requester = new SocketGroupRequester(socket);
        await _changing.WaitAsync(stoppingToken);
        try
        {
            var current = _settings;

            // Before any side sends and before joining, so that nothing of a reliable group goes uncached or unchecked.
            foreach (var group in current.Reliable)
            {
                socket.MakeReliable(group, new ReliableGroupOptions());
            }

            repeater.Use(current.LastValues);
            var sides = new Dictionary<string, Side>(StringComparer.Ordinal);
            try
            {
                foreach (var kind in AdapterKinds.All)
                {
                    if (await StartSideAsync(kind, current, null, repeater, stoppingToken) is { } side)
                    {
                        sides[kind.Name] = side;
                    }
                }
            }
            catch
            {
                // The host stops on this failure; the sides that did start must not outlive it.
                foreach (var side in sides.Values)
                {
                    await StopSideAsync(side);
                }

                throw;
            }

            Volatile.Write(ref _sides, sides);
            AnnounceDevices(socket);

            foreach (var group in current.Rules.SourceGroups)
            {
                socket.Join(group);
            }

            Volatile.Write(ref _socket, socket);
            _repeater = repeater;
            Log.Running(_logger, current.Rules.ToGroup.Count, current.Rules.FromGroup.Count, current.Interface.Name);
        }
        finally
        {
            _changing.Release();
        }

        using var stopRepeating = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var repeating = RepeatLastValuesAsync(repeater, stopRepeating.Token);
        var answerer = new SocketGroupAnswerer(socket, AnsweringSidesFor, loggers.CreateLogger<SocketGroupAnswerer>(), time);
        Answerer = answerer;
        var answering = answerer.RunAsync(stopRepeating.Token);
        try
        {
            await foreach (var message in socket.ReceiveAsync(stoppingToken))
            {
                // A bridge that sends to a group it also receives hears its own messages back
                // (multicast loopback); they came from its own side and go nowhere.
                if (message.SourceId == socket.SourceId)
                {
                    continue;
                }

                foreach (var side in Volatile.Read(ref _sides).Values)
                {
                    try
                    {
                        await side.Adapter.PublishFromGroupAsync(message, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.PublishFailed(_logger, message.Group.Canonical, message.Sequence, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
        finally
        {
            await stopRepeating.CancelAsync();
            await repeating;

            // Requests in progress finish (or are cancelled) before the sides they ask stop.
            await answering;
            await _changing.WaitAsync(CancellationToken.None);
            try
            {
                foreach (var side in _sides.Values)
                {
                    await StopSideAsync(side);
                }

                _sides = new Dictionary<string, Side>(StringComparer.Ordinal);
                Volatile.Write(ref _socket, null);
            }
            finally
            {
                _changing.Release();
            }
        }
    }

    /// <summary>
    /// Tells the socket which devices the running sides answer for (<see cref="IGroupAnswerer.Devices"/>),
    /// each under its member id (<see cref="DeviceMemberId"/>), so that they are reported to the
    /// gateways as members; logs the id of each device not announced before, which is how
    /// <c>gridcast request --missing-ids</c> names it.
    /// </summary>
    private void AnnounceDevices(MulticastSocket socket)
    {
        var devices = new Dictionary<ulong, IReadOnlyCollection<GroupName>>();
        foreach (var (kind, side) in Volatile.Read(ref _sides))
        {
            if (side.Adapter is not IGroupAnswerer answerer)
            {
                continue;
            }

            foreach (var device in answerer.Devices)
            {
                var id = DeviceMemberId.Of(socket.SourceId, kind, device.Name);
                devices[id] = device.Groups;
                if (_announced.Add(id))
                {
                    Log.AnsweringForDevice(_logger, kind, device.Name, id, string.Join(", ", device.Groups.Select(g => g.Canonical)));
                }
            }
        }

        socket.SetDevices(devices);
    }

    /// <summary>The running sides that answer requests and whose from-group rules join <paramref name="group"/>, in the order of the kinds.</summary>
    private List<AnsweringSide> AnsweringSidesFor(GroupName group)
    {
        var sides = Volatile.Read(ref _sides);
        List<AnsweringSide> answering = [];
        foreach (var kind in AdapterKinds.All)
        {
            if (sides.TryGetValue(kind.Name, out var side) && !side.Stopped && side.Adapter is IGroupAnswerer answerer
                && side.Router.Table.SourceGroups.Contains(group))
            {
                answering.Add(new AnsweringSide(kind.Name, answerer));
            }
        }

        return answering;
    }

    private async Task RepeatLastValuesAsync(LastValueRepeater repeater, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // With no last-value group, look again now and then: a reload may add one.
                await Task.Delay(repeater.CheckInterval ?? TimeSpan.FromSeconds(1), time, cancellationToken);
                try
                {
                    await repeater.RepeatDueAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.RepeatFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<Side?> ChangeSideAsync(Side? side, IAdapterKind kind, BridgeSettings previous, BridgeSettings next, CancellationToken cancellationToken)
    {
        var table = next.Rules.ForKind(kind.Name);
        var settings = next.Adapter(kind.Name);
        // A side subscribes to its request topics when it starts: a changed request rule restarts it.
        if (side is null || settings is null || !Equals(settings, previous.Adapter(kind.Name))
            || !previous.RequestsFor(kind.Name).SequenceEqual(next.RequestsFor(kind.Name)))
        {
            await StopSideAsync(side);
            return await StartSideAsync(kind, next, side?.Router, _repeater!, cancellationToken);
        }

        // A side subscribes (binds) for its to-group rules when it connects; new ones need a new connection.
        if (!side.Adapter.CanFollow(table))
        {
            Log.Restarting(_logger, Title(kind.Name));
            await StopSideAsync(side);
            return await StartSideAsync(kind, next, side.Router, _repeater!, cancellationToken);
        }

        side.Router.Table = table;
        return side;
    }

    private async Task<Side?> StartSideAsync(IAdapterKind kind, BridgeSettings current, Router? router, IGroupSender sender, CancellationToken cancellationToken)
    {
        if (current.Adapter(kind.Name) is not { } settings)
        {
            return null;
        }

        var table = current.Rules.ForKind(kind.Name);
        if (router is null)
        {
            router = new Router(table, sender);
        }
        else
        {
            router.Table = table;

            // A new connection (and an embedded broker's new retained store) needs the current values again.
            router.ForgetLastValues();
        }

        _routers[kind.Name] = router;
        var context = new AdapterContext
        {
            Router = router,
            Loggers = loggers,
            Time = time,
            Requests = _requester,
            RequestRules = current.RequestsFor(kind.Name),
        };
        return new Side(kind.Name, router, await kind.StartAsync(settings, context, cancellationToken));
    }

    // "Mqtt", as the log has always named a side.
    private static string Title(string kind) => string.Concat(char.ToUpperInvariant(kind[0]), kind[1..]);

    private async Task StopSideAsync(Side? side)
    {
        if (side is not null)
        {
            var last = side.Adapter.Status();
            await side.Adapter.DisposeAsync();

            // Its last counts carry over into the kind's totals: a restarted side starts from zero.
            // Read again after the dispose for what was in flight, where the side still answers.
            try
            {
                last = side.Adapter.Status();
            }
            catch (ObjectDisposedException)
            {
                // The counts from before the dispose stand.
            }

            lock (_retiring)
            {
                _retired.AddOrUpdate(side.Kind, last, (_, total) => AdapterReading.Add(total, last));
                side.Stopped = true;
            }
        }
    }

    /// <summary>One running side: its kind, its router (kept across restarts) and its adapter.</summary>
    private sealed record Side(string Kind, Router Router, IAdapterSide Adapter)
    {
        /// <summary>Set once its counts moved into the kind's totals; written and read under <see cref="_retiring"/>.</summary>
        public bool Stopped { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(201, LogLevel.Information, "Bridge running: {ToGroup} to-group and {FromGroup} from-group rule(s) on {Interface}")]
        public static partial void Running(ILogger logger, int toGroup, int fromGroup, string @interface);

        [LoggerMessage(202, LogLevel.Error, "Publishing message {Sequence} of {Group} failed")]
        public static partial void PublishFailed(ILogger logger, string group, ulong sequence, Exception exception);

        [LoggerMessage(203, LogLevel.Information, "Joined {Group}")]
        public static partial void Joined(ILogger logger, string group);

        [LoggerMessage(204, LogLevel.Information, "Left {Group}")]
        public static partial void Left(ILogger logger, string group);

        [LoggerMessage(205, LogLevel.Information, "Restarting the {Source} side: its subscriptions changed")]
        public static partial void Restarting(ILogger logger, string source);

        [LoggerMessage(206, LogLevel.Warning, "Repeating last values failed")]
        public static partial void RepeatFailed(ILogger logger, Exception exception);

        [LoggerMessage(209, LogLevel.Information, "Answering requests of {Groups} for {Kind} device {Device} as member {MemberId:x16}")]
        public static partial void AnsweringForDevice(ILogger logger, string kind, string device, ulong memberId, string groups);
    }
}
