using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// The group payload of a Modbus rule (docs/modbus.md): UTF-8 JSON
/// <c>{"unit":1,"table":"holding","address":100,"values":[23.5]}</c>, values in engineering units
/// (after the rule's scale) for registers, <c>true</c>/<c>false</c> for coils. The same form
/// travels both ways: a master's write becomes one, and one from a group updates the register image.
/// </summary>
/// <param name="Unit">The unit id.</param>
/// <param name="Table">Coils or holding registers.</param>
/// <param name="Address">The first address written.</param>
/// <param name="Values">The values, one per coil or per encoded value (a 32-bit value is one).</param>
public sealed record ModbusPayload(byte Unit, ModbusTable Table, ushort Address, IReadOnlyList<double> Values)
{
    /// <summary>The JSON bytes.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("unit", Unit);
            json.WriteString("table", Table == ModbusTable.Coils ? "coils" : "holding");
            json.WriteNumber("address", Address);
            json.WriteStartArray("values");
            foreach (var value in Values)
            {
                if (Table == ModbusTable.Coils)
                {
                    json.WriteBooleanValue(value != 0);
                }
                else
                {
                    json.WriteNumberValue(value);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses a payload; false with the reason when it is not one.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out ModbusPayload? payload, [NotNullWhen(false)] out string? reason)
    {
        payload = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("unit", out var unit) || !unit.TryGetByte(out var unitId)
                || !root.TryGetProperty("address", out var address) || !address.TryGetUInt16(out var start)
                || !root.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            {
                reason = "not {\"unit\":N,\"table\":\"holding\"|\"coils\",\"address\":N,\"values\":[...]}";
                return false;
            }

            var table = root.TryGetProperty("table", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == "coils"
                ? ModbusTable.Coils
                : ModbusTable.HoldingRegisters;
            var list = new List<double>();
            foreach (var value in values.EnumerateArray())
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                        list.Add(value.GetBoolean() ? 1 : 0);
                        break;
                    case JsonValueKind.Number:
                        list.Add(value.GetDouble());
                        break;
                    default:
                        reason = $"value {value} is neither a number nor a boolean";
                        return false;
                }
            }

            payload = new ModbusPayload(unitId, table, start, list);
            reason = null;
            return true;
        }
        catch (JsonException e)
        {
            reason = e.Message;
            return false;
        }
    }
}
