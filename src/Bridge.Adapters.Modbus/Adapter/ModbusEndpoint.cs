using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>A concrete Modbus address: a unit, a table and the first register or coil of a block.</summary>
/// <param name="Unit">The MBAP unit id.</param>
/// <param name="Table">Coils or holding registers.</param>
/// <param name="Start">The first address.</param>
public readonly record struct ModbusAddress(byte Unit, ModbusTable Table, ushort Start);

/// <summary>
/// A Modbus rule endpoint, written <c>unit=1 holding=100-109 type=f32 order=big scale=0.1</c> or
/// <c>unit=1 coils=0-15</c>: one unit, one range of one writable table, and (for registers) how
/// values are carried. It has no placeholders, so it names exactly one block and can publish.
/// A register block may aggregate (<c>unit=1 holding=200-203 type=f32 aggregate=sum,mean deadline=2s</c>,
/// <see cref="Aggregate"/>): a master's read of it asks the rule's group instead of reading the last values.
/// </summary>
public sealed class ModbusEndpoint : FieldEndpoint<ModbusAddress>
{
    private static readonly string[] Fields = ["unit", "holding", "coils", "type", "order", "scale", "aggregate", "deadline", "quorum"];
    private static readonly string[] EncodingFields = ["type", "order", "scale", "aggregate", "deadline", "quorum"];
    private static readonly string[] AggregateOnlyFields = ["deadline", "quorum"];

    private ModbusEndpoint(string text, byte unit, ModbusTable table, ModbusRange range, ModbusValueEncoding? encoding, ModbusAggregate? aggregate)
        : base(text)
    {
        Unit = unit;
        Table = table;
        Range = range;
        Encoding = encoding;
        Aggregate = aggregate;
    }

    /// <inheritdoc/>
    public override string Kind => ModbusAdapterKind.KindName;

    /// <summary>The unit id.</summary>
    public byte Unit { get; }

    /// <summary><see cref="ModbusTable.Coils"/> or <see cref="ModbusTable.HoldingRegisters"/>.</summary>
    public ModbusTable Table { get; }

    /// <summary>The addresses covered.</summary>
    public ModbusRange Range { get; }

    /// <summary>How register values are carried; null for coils.</summary>
    public ModbusValueEncoding? Encoding { get; }

    /// <summary>How a read of the block asks the group; null for a block read from the last values.</summary>
    public ModbusAggregate? Aggregate { get; }

    /// <summary>The block's own address (its first register or coil).</summary>
    public ModbusAddress Address => new(Unit, Table, Range.Start);

    /// <summary>Whether this endpoint's range shares an address with <paramref name="other"/>'s in the same unit and table.</summary>
    public bool Overlaps(ModbusEndpoint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Unit == Unit && other.Table == Table && other.Range.Start < Range.End && Range.Start < other.Range.End;
    }

    /// <summary>Whether the block <paramref name="block"/> of <paramref name="table"/> in <paramref name="unit"/> lies wholly in this endpoint.</summary>
    public bool Covers(byte unit, ModbusTable table, ModbusRange block)
        => unit == Unit && table == Table && block.Start >= Range.Start && block.End <= Range.End;

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="reason"/> names the field that is wrong.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ModbusEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        endpoint = null;
        if (!TryReadFields(text, Fields, "unit=1 holding=100-109 type=u16", "unit, holding or coils, type, order, scale, aggregate, deadline, quorum", out var fields, out reason))
        {
            return false;
        }

        if (!fields.TryGetValue("unit", out var unitText))
        {
            reason = "unit is required (unit=1)";
            return false;
        }

        if (!byte.TryParse(unitText, NumberStyles.None, CultureInfo.InvariantCulture, out var unit))
        {
            reason = $"unit '{unitText}' must be 0 to 255";
            return false;
        }

        var isHolding = fields.TryGetValue("holding", out var rangeText);
        if (fields.TryGetValue("coils", out var coilsText))
        {
            if (isHolding)
            {
                reason = "give holding or coils, not both";
                return false;
            }

            rangeText = coilsText;
        }
        else if (!isHolding)
        {
            reason = "holding=FIRST-LAST or coils=FIRST-LAST is required";
            return false;
        }

        var rangeKey = isHolding ? "holding" : "coils";
        if (!TryRange(rangeText!, out var range))
        {
            reason = $"{rangeKey} '{rangeText}' must be FIRST-LAST (or one address), 0 to 65535, FIRST not above LAST";
            return false;
        }

        if (!isHolding)
        {
            var extra = EncodingFields.FirstOrDefault(fields.ContainsKey);
            if (extra is not null)
            {
                reason = $"{extra} applies to holding registers, not coils";
                return false;
            }

            endpoint = new ModbusEndpoint(text, unit, ModbusTable.Coils, range, null, null);
            reason = null;
            return true;
        }

        if (!TryEncoding(fields, range, out var encoding, out reason))
        {
            return false;
        }

        ModbusAggregate? aggregate = null;
        if (fields.TryGetValue("aggregate", out var functionsText))
        {
            if (!ModbusAggregate.TryParse(functionsText, fields.GetValueOrDefault("deadline"), fields.GetValueOrDefault("quorum"), out aggregate, out reason))
            {
                return false;
            }

            var values = range.Count / encoding.Width;
            if (values != aggregate.Functions.Count)
            {
                reason = $"holding range of {range.Count} registers holds {values} {fields.GetValueOrDefault("type", "u16")} value(s), "
                    + $"but aggregate names {aggregate.Functions.Count}: the block holds one value per function";
                return false;
            }
        }
        else if (AggregateOnlyFields.FirstOrDefault(fields.ContainsKey) is { } orphan)
        {
            reason = $"{orphan} applies to a block that aggregates: add aggregate=sum (or count, min, max, mean)";
            return false;
        }

        endpoint = new ModbusEndpoint(text, unit, ModbusTable.HoldingRegisters, range, encoding, aggregate);
        return true;
    }

    /// <inheritdoc/>
    public override bool TryMatch(ModbusAddress address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        bindings = null;
        if (!Covers(address.Unit, address.Table, new ModbusRange(address.Start, 1)))
        {
            return false;
        }

        bindings = new Dictionary<string, string>();
        return true;
    }

    /// <inheritdoc/>
    public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out ModbusAddress address, [NotNullWhen(false)] out string? reason)
    {
        address = Address;
        reason = null;
        return true;
    }

    /// <inheritdoc/>
    public override string Show(ModbusAddress address)
        => $"unit {address.Unit} {(address.Table == ModbusTable.Coils ? "coil" : "holding")} {address.Start}";

    private static bool TryRange(string text, out ModbusRange range)
    {
        range = default;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var (firstText, lastText) = dash < 0 ? (text, text) : (text[..dash], text[(dash + 1)..]);
        if (!ushort.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !ushort.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || first > last)
        {
            return false;
        }

        range = new ModbusRange(first, (ushort)(last - first + 1));
        return true;
    }

    private static bool TryEncoding(Dictionary<string, string> fields, ModbusRange range, [NotNullWhen(true)] out ModbusValueEncoding? encoding, [NotNullWhen(false)] out string? reason)
    {
        encoding = null;
        ModbusValueType? type = fields.GetValueOrDefault("type", "u16") switch
        {
            "u16" => ModbusValueType.U16,
            "s16" => ModbusValueType.S16,
            "u32" => ModbusValueType.U32,
            "s32" => ModbusValueType.S32,
            "f32" => ModbusValueType.F32,
            _ => null,
        };
        if (type is null)
        {
            reason = $"type '{fields["type"]}' must be u16, s16, u32, s32 or f32";
            return false;
        }

        bool? big = fields.GetValueOrDefault("order", "big") switch
        {
            "big" => true,
            "little" => false,
            _ => null,
        };
        if (big is null)
        {
            reason = $"order '{fields["order"]}' must be big (high word first) or little";
            return false;
        }

        var scale = 1d;
        if (fields.TryGetValue("scale", out var scaleText)
            && (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out scale) || !double.IsFinite(scale) || scale == 0))
        {
            reason = $"scale '{scaleText}' must be a number other than 0";
            return false;
        }

        encoding = new ModbusValueEncoding(type.Value, big.Value, scale);
        if (range.Count % encoding.Width != 0)
        {
            reason = $"holding range of {range.Count} registers is not a whole number of {fields.GetValueOrDefault("type", "u16")} values ({encoding.Width} registers each)";
            return false;
        }

        reason = null;
        return true;
    }
}
