using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// The head-end's answers to a master (docs/modbus.md): a write in a to-group rule's block
/// becomes a <see cref="ModbusPayload"/> routed to the rule's groups, answered once handed over;
/// a read is answered from the <see cref="ModbusImage"/>. Exceptions: 0x02 for an address no rule
/// covers (or a write splitting a 32-bit value), 0x0B for a unit not served or a value not known.
/// </summary>
public sealed class ModbusHeadEnd : IModbusRequestHandler, IEndpointPublisher<ModbusAddress>
{
    private readonly Router _router;
    private readonly HashSet<byte> _units;
    private readonly ILogger _logger;
    private long _received;
    private long _acknowledged;
    private long _published;
    private long _malformed;
    private long _unroutable;

    /// <summary>A head-end that routes through <paramref name="router"/> and serves <paramref name="units"/>.</summary>
    public ModbusHeadEnd(Router router, IEnumerable<byte> units, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(logger);
        _router = router;
        _units = units.ToHashSet();
        _logger = logger;
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

        return request.Read.IsEmpty ? ModbusResponse.Written(request) : Read(context.UnitId, table, request, rules);
    }

    /// <inheritdoc/>
    public ValueTask PublishAsync(ModbusAddress address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var endpoint = _router.Table.FromGroup.Select(r => r.Endpoint).OfType<ModbusEndpoint>().FirstOrDefault(e => e.Address == address);
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

        // Later: a rule that aggregates asks the group through AdapterContext.Requests instead.
        if (Image.Read(endpoint, request.Read) is not { } values)
        {
            return ModbusResponse.Exception(request, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond);
        }

        return table == ModbusTable.Coils
            ? ModbusResponse.Coils(request, [.. values.Select(static v => v != 0)])
            : ModbusResponse.Registers(request, values);
    }
}
