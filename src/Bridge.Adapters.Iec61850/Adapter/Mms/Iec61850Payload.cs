using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>
/// The group payloads of IEC 61850 rules (docs/iec61850-mms.md#the-adapter), UTF-8 JSON.
/// A report: <c>{"ied":"ied1","report":"LD0/LLN0.EventsRCB01[RP]","rptId":"Events1","seqNum":7,
/// "timeOfEntry":"2026-12-04T21:00:00.000Z","values":[{"ref":"LD0/GGIO1.SPCSO1.stVal[ST]","value":true,"reason":["data-change"]}]}</c>.
/// A polled value: <c>{"ied":"ied1","ref":"LD0/MMXU1.TotW.mag.f[MX]","value":1000.5}</c>.
/// A command from a group: a JSON value, or an object with a <c>value</c>: <c>49.5</c>, <c>{"value":true}</c>.
/// </summary>
public static class Iec61850Payload
{
    private static readonly (ReasonForInclusion Reason, string Name)[] Reasons =
    [
        (ReasonForInclusion.DataChange, "data-change"),
        (ReasonForInclusion.QualityChange, "quality-change"),
        (ReasonForInclusion.DataUpdate, "data-update"),
        (ReasonForInclusion.Integrity, "integrity"),
        (ReasonForInclusion.GeneralInterrogation, "general-interrogation"),
        (ReasonForInclusion.ApplicationTrigger, "application-trigger"),
    ];

    /// <summary>The payload of <paramref name="report"/> from <paramref name="ied"/>, taken through the rule for <paramref name="controlBlock"/>.</summary>
    public static byte[] Report(string ied, string controlBlock, Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Write(json =>
        {
            json.WriteString("ied", ied);
            json.WriteString("report", controlBlock);
            json.WriteString("rptId", report.ReportId);
            if (report.SequenceNumber is { } sequence)
            {
                json.WriteNumber("seqNum", sequence);
            }

            if (report.TimeOfEntry is { } time)
            {
                json.WriteString("timeOfEntry", time.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            }

            if (report.BufferOverflow is true)
            {
                json.WriteBoolean("bufferOverflow", true);
            }

            json.WriteStartArray("values");
            foreach (var entry in report.Entries)
            {
                json.WriteStartObject();
                if (entry.Reference is { } reference)
                {
                    json.WriteString("ref", reference.ToString());
                }
                else
                {
                    json.WriteNumber("member", entry.MemberIndex);
                }

                json.WritePropertyName("value");
                WriteValue(json, entry.Value);
                if (entry.Reason is { } reason)
                {
                    json.WriteStartArray("reason");
                    foreach (var (flag, name) in Reasons.Where(r => reason.HasFlag(r.Reason)))
                    {
                        json.WriteStringValue(name);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        });
    }

    /// <summary>The payload of a value polled from <paramref name="reference"/> of <paramref name="ied"/>.</summary>
    public static byte[] Polled(string ied, string reference, MmsValue value) => Write(json =>
    {
        json.WriteString("ied", ied);
        json.WriteString("ref", reference);
        json.WritePropertyName("value");
        WriteValue(json, value);
    });

    /// <summary>
    /// <paramref name="value"/> in JSON: booleans, numbers and strings as themselves, a bit string
    /// as its bits (<c>"0000000000000"</c>), times as ISO 8601 UTC, an octet string as hex, a
    /// structure or array as an array of its members.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter json, MmsValue value)
    {
        ArgumentNullException.ThrowIfNull(json);
        switch (value)
        {
            case MmsBoolean b:
                json.WriteBooleanValue(b.Value);
                break;
            case MmsInteger i:
                json.WriteNumberValue(i.Value);
                break;
            case MmsUnsigned u:
                json.WriteNumberValue(u.Value);
                break;
            case MmsFloat32 f when float.IsFinite(f.Value):
                json.WriteNumberValue(f.Value);
                break;
            case MmsFloat64 d when double.IsFinite(d.Value):
                json.WriteNumberValue(d.Value);
                break;
            case MmsFloat32 or MmsFloat64:
                // JSON has no NaN or infinity; an IED that measures nothing says so with its quality.
                json.WriteNullValue();
                break;
            case MmsVisibleString s:
                json.WriteStringValue(s.Value);
                break;
            case MmsString s:
                json.WriteStringValue(s.Value);
                break;
            case MmsBitString bits:
                json.WriteStringValue(Bits(bits.Value));
                break;
            case MmsOctetString octets:
                json.WriteStringValue(Convert.ToHexStringLower(octets.Value));
                break;
            case MmsUtcTime utc:
                json.WriteStringValue(utc.Value.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
                break;
            case MmsBinaryTime binary:
                json.WriteStringValue(binary.Value.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                break;
            case MmsStructure structure:
                json.WriteStartArray();
                foreach (var member in structure.Members)
                {
                    WriteValue(json, member);
                }

                json.WriteEndArray();
                break;
            case MmsArray array:
                json.WriteStartArray();
                foreach (var element in array.Elements)
                {
                    WriteValue(json, element);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(value?.ToString());
                break;
        }
    }

    /// <summary>
    /// The command value of a group payload, as the MMS type <paramref name="type"/> wants it:
    /// boolean, integer, unsigned, floating-point or string. False with the reason when the payload
    /// is not JSON, or its value does not fit the type.
    /// </summary>
    public static bool TryCommandValue(ReadOnlyMemory<byte> payload, MmsTypeSpecification type, [NotNullWhen(true)] out MmsValue? value, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(type);
        value = null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (!root.TryGetProperty("value", out root))
                {
                    reason = "an object payload needs a \"value\"";
                    return false;
                }
            }

            value = (type, root.ValueKind) switch
            {
                (MmsBooleanType, JsonValueKind.True or JsonValueKind.False) => new MmsBoolean(root.GetBoolean()),
                (MmsBooleanType, JsonValueKind.Number) when root.TryGetInt32(out var n) && n is 0 or 1 => new MmsBoolean(n == 1),
                (MmsIntegerType t, JsonValueKind.Number) when root.TryGetInt64(out var n) && FitsSigned(n, t.Bits) => new MmsInteger(n),
                (MmsUnsignedType t, JsonValueKind.Number) when root.TryGetUInt64(out var n) && FitsUnsigned(n, t.Bits) => new MmsUnsigned(n),
                (MmsFloatingPointType { FormatWidth: 32 }, JsonValueKind.Number) when float.IsFinite((float)root.GetDouble()) => new MmsFloat32((float)root.GetDouble()),
                (MmsFloatingPointType { FormatWidth: 64 }, JsonValueKind.Number) => new MmsFloat64(root.GetDouble()),
                (MmsVisibleStringType, JsonValueKind.String) => new MmsVisibleString(root.GetString()!),
                (MmsStringType, JsonValueKind.String) => new MmsString(root.GetString()!),
                _ => null,
            };
            reason = value is null ? $"{root.GetRawText()} does not fit the attribute's type ({Describe(type)})" : null;
            return value is not null;
        }
        catch (JsonException)
        {
            reason = "the payload is not JSON (send a value such as 49.5, true, or {\"value\":49.5})";
            return false;
        }
    }

    /// <summary><paramref name="value"/> as a number for an aggregation reply: booleans as 0 and 1, integers and floats as themselves; null for anything else.</summary>
    public static double? AsNumber(MmsValue value) => value switch
    {
        MmsBoolean b => b.Value ? 1 : 0,
        MmsInteger i => i.Value,
        MmsUnsigned u => u.Value,
        MmsFloat32 f when float.IsFinite(f.Value) => f.Value,
        MmsFloat64 d when double.IsFinite(d.Value) => d.Value,
        _ => null,
    };

    /// <summary>An aggregation reply's value as UTF-8 text, the shortest that reads back the same (<c>1000.5</c>).</summary>
    public static byte[] Number(double value) => Encoding.UTF8.GetBytes(value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>The type for messages (<c>FLOAT32</c>).</summary>
    public static string Describe(MmsTypeSpecification type) => type switch
    {
        MmsBooleanType => "BOOLEAN",
        MmsIntegerType t => $"INT{t.Bits}",
        MmsUnsignedType t => $"INT{t.Bits}U",
        MmsFloatingPointType t => $"FLOAT{t.FormatWidth}",
        MmsVisibleStringType => "VisString",
        MmsStringType => "UnicodeString",
        MmsBitStringType t => $"BIT STRING({Math.Abs(t.Size)})",
        MmsOctetStringType t => $"OCTET STRING({Math.Abs(t.Size)})",
        MmsUtcTimeType => "TimeStamp",
        MmsBinaryTimeType => "BinaryTime",
        MmsStructureType => "a structure",
        _ => type.GetType().Name,
    };

    private static bool FitsSigned(long value, int bits) => bits >= 64 || (value >= -(1L << (bits - 1)) && value < 1L << (bits - 1));

    private static bool FitsUnsigned(ulong value, int bits) => bits >= 64 || value < 1UL << bits;

    private static string Bits(BitString bits)
    {
        var text = new StringBuilder(bits.Length);
        for (var i = 0; i < bits.Length; i++)
        {
            text.Append(bits[i] ? '1' : '0');
        }

        return text.ToString();
    }

    private static byte[] Write(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
