using System.Text.Json;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Adapters;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// The head-end's answers to a master (docs/modbus.md): a write in a to-group rule's block
/// becomes a <see cref="ModbusPayload"/> routed to the rule's groups, answered once handed over;
/// a read is answered from the <see cref="ModbusImage"/>, or, in a block that aggregates
/// (<see cref="ModbusEndpoint.Aggregate"/>), by a request to the rule's group through the
/// <see cref="IGroupRequester"/>. Exceptions: 0x02 for an address no rule covers (or a write
/// splitting a 32-bit value, or a write to an aggregating block), 0x0B for a unit not served, a
/// value not known, or an aggregate that cannot be answered (no reverse channel, fewer replies
/// than the quorum, a value that does not fit the block's type).
/// </summary>
/// <remarks>
/// Reads of one aggregating block while its request is in progress share that request: a master
/// polling faster than the deadline, or several masters, do not multiply the requests.
/// </remarks>
public sealed class ModbusHeadEnd : IModbusRequestHandler, IEndpointPublisher<ModbusAddress>
{
    private readonly Router _router;
    private readonly HashSet<byte> _units;
    private readonly ILogger _logger;
    private readonly IGroupRequester? _requester;
    private readonly LogRateLimiter _unanswered;
    private readonly Lock _asking = new();
    private readonly Dictionary<ModbusEndpoint, Task<AggregateRead>> _inProgress = [];
    private long _asked;
    private long _aggregateFailures;
    private long _received;
    private long _acknowledged;
    private long _published;
    private long _malformed;
    private long _unroutable;

    /// <summary>
    /// A head-end that routes through <paramref name="router"/>, serves <paramref name="units"/>,
    /// and asks groups for aggregating blocks through <paramref name="requester"/> (without one,
    /// their reads get 0x0B).
    /// </summary>
    public ModbusHeadEnd(Router router, IEnumerable<byte> units, ILogger logger, IGroupRequester? requester = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(logger);
        _router = router;
        _units = units.ToHashSet();
        _logger = logger;
        _requester = requester;
        _unanswered = LogRateLimiter.PerMinute(time ?? TimeProvider.System);
    }

    /// <summary>The last known values.</summary>
    public ModbusImage Image { get; } = new();

    /// <summary>Writes received from masters.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Writes answered after their hand-off to the groups.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Group messages stored into the image.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Group messages that were not a Modbus payload for their rule's block.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Requests refused because no rule covers their addresses.</summary>
    public long Unroutable => Interlocked.Read(ref _unroutable);

    /// <summary>Aggregation requests sent to groups for reads of aggregating blocks.</summary>
    public long Asked => Interlocked.Read(ref _asked);

    /// <summary>Reads of aggregating blocks answered with exception 0x0B: no result, too few replies, or a value that does not fit.</summary>
    public long AggregateFailures => Interlocked.Read(ref _aggregateFailures);

    /// <inheritdoc/>
    public async ValueTask<ModbusResponse> HandleAsync(ModbusRequestContext context, ModbusRequest request, CancellationToken cancellationToken)
    {
        if (!_units.Contains(context.UnitId))
        {
            return ModbusResponse.Exception(request, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond);
        }

        var table = request.Table == ModbusTable.DiscreteInputs ? ModbusTable.Coils
            : request.Table == ModbusTable.InputRegisters ? ModbusTable.HoldingRegisters
            : request.Table;
        var rules = _router.Table.Rules;
        if (!request.Write.IsEmpty)
        {
            var refusal = await WriteAsync(context.UnitId, table, request, rules, cancellationToken).ConfigureAwait(false);
            if (refusal is { } code)
            {
                return ModbusResponse.Exception(request, code);
            }
        }

        if (request.Read.IsEmpty)
        {
            return ModbusResponse.Written(request);
        }

        if (Covering(rules, context.UnitId, table, request.Read, toGroup: false) is { Aggregate: not null } aggregating)
        {
            return await ReadAggregateAsync(aggregating, rules, request, cancellationToken).ConfigureAwait(false);
        }

        return Read(context.UnitId, table, request, rules);
    }

    /// <inheritdoc/>
    public ValueTask PublishAsync(ModbusAddress address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var endpoint = _router.Table.FromGroup.Select(r => r.Endpoint).OfType<ModbusEndpoint>().FirstOrDefault(e => e.Address == address);
        if (endpoint?.Aggregate is not null)
        {
            // An aggregating block's values come from requests; what members send the group is not for it.
            return ValueTask.CompletedTask;
        }

        if (endpoint is null || !ModbusPayload.TryParse(payload, out var message, out var reason) || !TryRegisters(endpoint, message, out var registers, out reason))
        {
            Interlocked.Increment(ref _malformed);
            ModbusAdapterLog.GroupPayloadDropped(_logger, endpoint?.Show(address) ?? address.ToString(), endpoint is null ? "no from-group rule" : "not a payload for its block");
            return ValueTask.CompletedTask;
        }

        Image.Store(endpoint, message.Address, registers);
        Interlocked.Increment(ref _published);
        return ValueTask.CompletedTask;
    }

    /// <summary>The registers (coils as 0/1) a payload gives for <paramref name="endpoint"/>'s block; false with the reason when it does not fit.</summary>
    public static bool TryRegisters(ModbusEndpoint endpoint, ModbusPayload payload, out ushort[] registers, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(payload);
        registers = [];
        if (endpoint.Encoding is { } encoding)
        {
            if (!encoding.TryEncode(payload.Values, out registers, out reason))
            {
                return false;
            }
        }
        else
        {
            registers = [.. payload.Values.Select(v => v != 0 ? (ushort)1 : (ushort)0)];
        }

        var width = endpoint.Encoding?.Width ?? 1;
        if (payload.Unit != endpoint.Unit || payload.Table != endpoint.Table || registers.Length == 0
            || (payload.Address - endpoint.Range.Start) % width != 0
            || !endpoint.Covers(payload.Unit, payload.Table, new ModbusRange(payload.Address, (ushort)Math.Min(registers.Length, ushort.MaxValue))))
        {
            reason = $"unit {payload.Unit} {payload.Table} {payload.Address} with {payload.Values.Count} values is not within '{endpoint.Text}'";
            return false;
        }

        reason = null;
        return true;
    }

    /// <summary>The payload of a master's write of <paramref name="written"/> at <paramref name="start"/>, or null when it splits a value.</summary>
    public static ModbusPayload? PayloadOf(ModbusEndpoint endpoint, ushort start, ReadOnlySpan<ushort> written)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var width = endpoint.Encoding?.Width ?? 1;
        if ((start - endpoint.Range.Start) % width != 0 || written.Length % width != 0)
        {
            return null;
        }

        double[] values = endpoint.Encoding is { } encoding ? encoding.Decode(written) : [.. written.ToArray().Select(static v => (double)v)];
        return new ModbusPayload(endpoint.Unit, endpoint.Table, start, values);
    }

    private static ModbusEndpoint? Covering(IEnumerable<MappingRule> rules, byte unit, ModbusTable table, ModbusRange block, bool toGroup)
        => rules.Where(r => !toGroup || r.IsToGroup).Select(r => r.Endpoint).OfType<ModbusEndpoint>().FirstOrDefault(e => e.Covers(unit, table, block));

    private async ValueTask<ModbusExceptionCode?> WriteAsync(byte unit, ModbusTable table, ModbusRequest request, IReadOnlyList<MappingRule> rules, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _received);
        var endpoint = Covering(rules, unit, table, request.Write, toGroup: true);
        ushort[] written = table == ModbusTable.Coils
            ? [.. request.WrittenCoils.ToArray().Select(static b => b ? (ushort)1 : (ushort)0)]
            : request.WrittenRegisters.ToArray();
        if (endpoint is null || PayloadOf(endpoint, request.Write.Start, written) is not { } payload)
        {
            Interlocked.Increment(ref _unroutable);
            return ModbusExceptionCode.IllegalDataAddress;
        }

        // The answer waits for the hand-off: a master that got its write response may rely on it.
        var groups = await _router.RouteAsync(new InboundMessage<ModbusAddress>(new ModbusAddress(unit, table, request.Write.Start), payload.ToJson(), ContentType.Raw), cancellationToken).ConfigureAwait(false);
        if (groups == 0)
        {
            Interlocked.Increment(ref _unroutable);
            return ModbusExceptionCode.IllegalDataAddress;
        }

        Image.Store(endpoint, request.Write.Start, written);
        Interlocked.Increment(ref _acknowledged);
        return null;
    }

    private ModbusResponse Read(byte unit, ModbusTable table, ModbusRequest request, IReadOnlyList<MappingRule> rules)
    {
        if (Covering(rules, unit, table, request.Read, toGroup: false) is not { } endpoint)
        {
            Interlocked.Increment(ref _unroutable);
            return ModbusResponse.Exception(request, ModbusExceptionCode.IllegalDataAddress);
        }

        if (Image.Read(endpoint, request.Read) is not { } values)
        {
            return ModbusResponse.Exception(request, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond);
        }

        return table == ModbusTable.Coils
            ? ModbusResponse.Coils(request, [.. values.Select(static v => v != 0)])
            : ModbusResponse.Registers(request, values);
    }

    private async ValueTask<ModbusResponse> ReadAggregateAsync(ModbusEndpoint endpoint, IReadOnlyList<MappingRule> rules, ModbusRequest request, CancellationToken cancellationToken)
    {
        var rule = rules.First(r => ReferenceEquals(r.Endpoint, endpoint));
        TaskCompletionSource<AggregateRead>? mine = null;
        Task<AggregateRead> asking;
        lock (_asking)
        {
            if (!_inProgress.TryGetValue(endpoint, out asking!))
            {
                mine = new TaskCompletionSource<AggregateRead>(TaskCreationOptions.RunContinuationsAsynchronously);
                asking = mine.Task;
                _inProgress.Add(endpoint, asking);
            }
        }

        if (mine is not null)
        {
            // Not tied to this read's token: reads that joined the request wait for it too.
            _ = AskAsync(endpoint, rule, mine);
        }

        var read = await asking.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (read.Registers is not { } registers)
        {
            Interlocked.Increment(ref _aggregateFailures);
            if (_unanswered.ShouldLog(suppressed => ModbusAdapterLog.AggregateFailuresSuppressed(_logger, suppressed)))
            {
                ModbusAdapterLog.AggregateUnanswered(_logger, rule.Name, endpoint.Text, read.Failure!);
            }

            return ModbusResponse.Exception(request, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond);
        }

        return ModbusResponse.Registers(request, registers.AsSpan(request.Read.Start - endpoint.Range.Start, request.Read.Count).ToArray());
    }

    /// <summary>Asks the rule's group once and completes <paramref name="done"/> with the block's registers or why there are none; never throws.</summary>
    private async Task AskAsync(ModbusEndpoint endpoint, MappingRule rule, TaskCompletionSource<AggregateRead> done)
    {
        AggregateRead read;
        try
        {
            read = await AskOnceAsync(endpoint, rule).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // No interface carries the group, too many requests in progress, the socket is closing.
            read = new AggregateRead(null, $"the request failed: {ex.Message}");
        }

        lock (_asking)
        {
            // Removed before the readers wake: a read after this one asks afresh.
            _inProgress.Remove(endpoint);
        }

        done.SetResult(read);
    }

    private async Task<AggregateRead> AskOnceAsync(ModbusEndpoint endpoint, MappingRule rule)
    {
        var aggregate = endpoint.Aggregate!;
        if (_requester is null)
        {
            return new AggregateRead(null, "this node has no reverse channel to ask the group");
        }

        if (rule.Groups is not [{ Name: GroupName group }])
        {
            return new AggregateRead(null, "the rule does not name one group without placeholders");
        }

        Interlocked.Increment(ref _asked);
        var spec = new RequestSpec(ReadOnlyMemory<byte>.Empty, ContentType.Raw) { Aggregation = aggregate.Spec };
        var answer = await _requester.AskAsync(new GroupRequest(group, spec, aggregate.Deadline), CancellationToken.None).ConfigureAwait(false);
        return Evaluate(endpoint, answer);
    }

    /// <summary>The block's registers from a result JSON (the fields <c>gridcast request --json</c> prints), or why it cannot be answered.</summary>
    private static AggregateRead Evaluate(ModbusEndpoint endpoint, GroupAnswer answer)
    {
        var aggregate = endpoint.Aggregate!;
        if (answer.Contributors < aggregate.Quorum)
        {
            return new AggregateRead(null, $"{answer.Contributors} member(s) replied by the deadline, fewer than the quorum of {aggregate.Quorum}");
        }

        var values = new double[aggregate.Functions.Count];
        try
        {
            using var result = JsonDocument.Parse(answer.Result);
            for (var i = 0; i < values.Length; i++)
            {
                var name = ModbusAggregate.NameOf(aggregate.Functions[i]);
                if (!result.RootElement.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
                {
                    return new AggregateRead(null, $"the result has no {name}");
                }

                values[i] = value.GetDouble();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return new AggregateRead(null, $"the result is not a JSON object: {ex.Message}");
        }

        // A sum past the type's range is refused, never clipped into a made-up value.
        return endpoint.Encoding!.TryEncode(values, out var registers, out var reason)
            ? new AggregateRead(registers, null)
            : new AggregateRead(null, reason!);
    }

    /// <summary>An aggregating block's registers, or (null) why the read cannot be answered.</summary>
    private sealed record AggregateRead(ushort[]? Registers, string? Failure);
}
