using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Bridge.Core.Adapters;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>
/// The IEC 61850 side (<c>bridge.iec61850</c>): GridCast is an MMS client of each IED its rules
/// name. Reports and polled values go to the groups of the to-group rules; group commands for
/// from-group <c>write=</c> and <c>operate=</c> rules are applied to the IED, one at a time per
/// IED, and their result (the IED's acceptance, or its refusal with LastApplError) is counted and
/// logged; a request to the group of a <c>read=</c> rule is answered by reading the attribute
/// on every IED the rules name for that group, one answer per IED (<see cref="IGroupAnswerer"/>),
/// and a read that fails is no answer, so the asker counts that IED missing, never as a zero.
/// </summary>
public sealed class Iec61850Side : IAdapterSide, IGroupAnswerer, IEndpointPublisher<Iec61850Address>
{
    private readonly Router _router;
    private readonly Iec61850Section _settings;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Iec61850IedConnection> _connections;
    private readonly Channel<Iec61850ConnectionEvent> _events = Channel.CreateBounded<Iec61850ConnectionEvent>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private long _unroutable;
    private long _answered;
    private int _disposed;

    /// <summary>Starts a connection to each IED the rules of <paramref name="router"/>'s table name; connecting goes on in the background.</summary>
    public Iec61850Side(Iec61850Section settings, Router router, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(loggers);
        _settings = settings;
        _router = router;
        _logger = loggers.CreateLogger<Iec61850Side>();
        var named = router.Table.Rules.Select(r => r.Endpoint).OfType<Iec61850Endpoint>().Select(e => e.Ied).ToHashSet(StringComparer.Ordinal);
        _connections = settings.Ieds
            .Where(i => named.Contains(i.Name))
            .ToDictionary(i => i.Name, i => new Iec61850IedConnection(i, settings, router, loggers, time ?? TimeProvider.System, e => _events.Writer.TryWrite(e)), StringComparer.Ordinal);
    }

    /// <summary>What happens on the IEDs' connections, in order; the oldest are dropped beyond 1024 unread.</summary>
    public ChannelReader<Iec61850ConnectionEvent> Events => _events.Reader;

    /// <summary>Answers given with a value read from an IED (one per IED and request).</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Each IED's counters, for per-IED metrics.</summary>
    public IReadOnlyList<Iec61850IedStatus> IedStatus() => [.. _connections.Values.Select(c => c.Status())];

    /// <inheritdoc/>
    public ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
        => _router.RouteFromGroupAsync(message, this, cancellationToken);

    /// <inheritdoc/>
    public ValueTask PublishAsync(Iec61850Address address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var endpoint = _router.Table.FromGroup.Select(r => r.Endpoint).OfType<Iec61850Endpoint>()
            .FirstOrDefault(e => e.Address == address && e.Action is Iec61850Action.Write or Iec61850Action.Operate);
        if (endpoint is not null && _connections.TryGetValue(endpoint.Ied, out var connection))
        {
            connection.Enqueue(endpoint, payload.ToArray());
        }
        else
        {
            // A read rule's group carries the requests it answers; its messages are no commands.
            Interlocked.Increment(ref _unroutable);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Each IED that a <c>read=</c> rule names, with the groups of its read rules: the side answers
    /// for every IED as a member of its own. Read from the rules in force, so a reload that
    /// changes a read rule's groups shows here.
    /// </summary>
    public IReadOnlyList<AnsweringDevice> Devices
        => [.. ReadRules()
            .GroupBy(r => r.Endpoint.Ied, StringComparer.Ordinal)
            .Select(g => new AnsweringDevice(g.Key, [.. g.SelectMany(r => r.Rule.SourceGroups()).Distinct()]))];

    /// <summary>
    /// Reads the attribute of the first <c>read=</c> rule of each IED whose group is asked, on
    /// every such IED at once, and gives each value as the answer of its IED
    /// (<see cref="MemberAnswer.Device"/>) as soon as it is read. An IED that cannot be read in
    /// time (not associated, an access error, no answer, a value that is not a number) gives no
    /// answer: the asker counts it missing, never as a zero.
    /// </summary>
    public async IAsyncEnumerable<MemberAnswer> AnswerAsync(GroupRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var asked = new HashSet<string>(StringComparer.Ordinal);
        var reads = new List<Task<MemberAnswer?>>();
        foreach (var (rule, endpoint) in ReadRules())
        {
            if (rule.AddressesFor<Iec61850Address>(request.Group).Any() && asked.Add(endpoint.Ied))
            {
                reads.Add(ReadForRequestAsync(_connections[endpoint.Ied], endpoint, request, cancellationToken));
            }
        }

        await foreach (var read in Task.WhenEach(reads).WithCancellation(cancellationToken))
        {
            if (await read is { } answer)
            {
                yield return answer;
            }
        }
    }

    /// <summary>The from-group <c>read=</c> rules in force whose IED the side serves, in rule order.</summary>
    private IEnumerable<(MappingRule Rule, Iec61850Endpoint Endpoint)> ReadRules()
        => _router.Table.FromGroup
            .Where(r => r.Endpoint is Iec61850Endpoint { Action: Iec61850Action.Read } e && _connections.ContainsKey(e.Ied))
            .Select(r => (r, (Iec61850Endpoint)r.Endpoint));

    private async Task<MemberAnswer?> ReadForRequestAsync(Iec61850IedConnection connection, Iec61850Endpoint endpoint, GroupRequest request, CancellationToken cancellationToken)
    {
        var value = await connection.ReadForRequestAsync(request.Group.Canonical, endpoint.Reference, request.Deadline, cancellationToken);
        if (value is null)
        {
            return null;
        }

        if (Iec61850Payload.AsNumber(value) is not { } number)
        {
            Iec61850AdapterLog.RequestUnanswered(_logger, request.Group.Canonical, endpoint.Ied, endpoint.Reference.ToString(), $"the value {value} is not a number");
            return null;
        }

        Interlocked.Increment(ref _answered);
        connection.CountAnswered();
        return new MemberAnswer(Iec61850Payload.Number(number), ContentType.Raw) { Device = endpoint.Ied };
    }

    /// <inheritdoc/>
    public bool CanFollow(RoutingTable rules)
    {
        // Like the Modbus side: a change of any IEC 61850 endpoint restarts the side, which enables the new blocks.
        ArgumentNullException.ThrowIfNull(rules);
        static IEnumerable<string> Endpoints(RoutingTable table) => table.Rules.Select(r => r.Endpoint).OfType<Iec61850Endpoint>().Select(e => e.Text);
        return Endpoints(rules).SequenceEqual(Endpoints(_router.Table));
    }

    /// <inheritdoc/>
    public AdapterSideStatus Status()
    {
        var dropped = new Dictionary<string, long>(StringComparer.Ordinal) { ["unroutable"] = Interlocked.Read(ref _unroutable) };
        foreach (var (reason, count) in _connections.Values.SelectMany(c => c.Failures))
        {
            dropped[reason] = dropped.GetValueOrDefault(reason) + count;
        }

        return new AdapterSideStatus
        {
            Connected = _connections.Count > 0 && _connections.Values.All(c => c.Client is not null),
            Peer = string.Join(", ", _settings.Ieds.Where(i => _connections.ContainsKey(i.Name)).Select(i => $"IED {i.Name} ({i.Address})")),
            Received = _connections.Values.Sum(c => c.Received),
            Published = _connections.Values.Sum(c => c.CommandsApplied),
            Reconnects = _connections.Values.Sum(c => c.Reconnects),
            Dropped = dropped,
        };
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(_connections.Values.Select(c => c.DisposeAsync().AsTask()));
        _events.Writer.TryComplete();
    }
}
