using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Client;

/// <summary>
/// Converts between MMS values and .NET types, as IEC 61850-8-1 maps its basic types: BOOLEAN to
/// boolean, INTn to integer, INTnU and enumerations' unsigned forms to unsigned, FLOAT32/64 to
/// floating-point, VisString and Unicode strings to visible-string and mMSString, TimeStamp to
/// utc-time, Quality and the packed lists to bit-string, Octet64 to octet-string.
/// </summary>
public static class MmsValueConvert
{
    /// <summary>The MMS value for <paramref name="value"/> (strings become visible-string; use <see cref="MmsString"/> for Unicode strings).</summary>
    public static MmsValue From<T>(T value) => value switch
    {
        MmsValue mms => mms,
        bool b => new MmsBoolean(b),
        sbyte or short or int or long => new MmsInteger(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        byte or ushort or uint or ulong => new MmsUnsigned(Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        float f => new MmsFloat32(f),
        double d => new MmsFloat64(d),
        string s => new MmsVisibleString(s),
        byte[] bytes => new MmsOctetString(bytes),
        BitString bits => new MmsBitString(bits),
        DateTimeOffset time => new MmsUtcTime(UtcTime.FromDateTimeOffset(time)),
        UtcTime utc => new MmsUtcTime(utc),
        _ => throw new ArgumentException($"no MMS type for {typeof(T).Name}", nameof(value)),
    };

    /// <summary>
    /// <paramref name="value"/> as <typeparamref name="T"/>: bool, the integer types (from integer
    /// or unsigned, range-checked), float and double (from floating-point), string (from
    /// visible-string or mMSString), byte[], BitString, DateTimeOffset and UtcTime (from utc-time),
    /// or the MmsValue itself.
    /// </summary>
    /// <exception cref="Iec61850TypeException">The value has another type, or does not fit.</exception>
    public static T To<T>(MmsValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        object? result = typeof(T) switch
        {
            var t when t.IsAssignableFrom(value.GetType()) => value,
            var t when t == typeof(bool) => value is MmsBoolean b ? b.Value : null,
            var t when t == typeof(float) => value switch { MmsFloat32 f => f.Value, MmsFloat64 d => (float)d.Value, _ => null },
            var t when t == typeof(double) => value switch { MmsFloat32 f => (double)f.Value, MmsFloat64 d => d.Value, _ => null },
            var t when t == typeof(string) => value switch { MmsVisibleString s => s.Value, MmsString s => s.Value, _ => null },
            var t when t == typeof(byte[]) => value is MmsOctetString o ? o.Value : null,
            var t when t == typeof(BitString) => value is MmsBitString bits ? bits.Value : null,
            var t when t == typeof(UtcTime) => value is MmsUtcTime utc ? utc.Value : null,
            var t when t == typeof(DateTimeOffset) => value switch { MmsUtcTime utc => utc.Value.ToDateTimeOffset(), MmsBinaryTime binary => binary.Value.ToDateTimeOffset(), _ => null },
            _ => Integral(value, typeof(T)),
        };
        return result is T typed
            ? typed
            : throw new Iec61850TypeException($"expected a value for {typeof(T).Name}, got {Describe(value)}");
    }

    /// <summary>The MMS type name of <paramref name="value"/> and the value, for messages.</summary>
    public static string Describe(MmsValue value) => value switch
    {
        null => "nothing",
        MmsStructure => "structure " + value,
        MmsArray => "array " + value,
        MmsBoolean => "boolean " + value,
        MmsBitString => value.ToString(),
        MmsInteger => "integer " + value,
        MmsUnsigned => "unsigned " + value,
        MmsFloat32 or MmsFloat64 => "floating-point " + value,
        MmsOctetString => "octet-string " + value,
        MmsVisibleString => "visible-string " + value,
        MmsString => "mMSString " + value,
        MmsUtcTime => "utc-time " + value,
        MmsBinaryTime => "binary-time " + value,
        _ => value.ToString(),
    };

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Returns one of eight integer types, boxed, for the caller's pattern test.")]
    private static object? Integral(MmsValue value, Type type)
    {
        System.Numerics.BigInteger number;
        switch (value)
        {
            case MmsInteger i:
                number = i.Value;
                break;
            case MmsUnsigned u:
                number = u.Value;
                break;
            default:
                return null;
        }

        try
        {
            return type == typeof(int) ? (int)number
                : type == typeof(long) ? (long)number
                : type == typeof(uint) ? (uint)number
                : type == typeof(ulong) ? (ulong)number
                : type == typeof(short) ? (short)number
                : type == typeof(ushort) ? (ushort)number
                : type == typeof(byte) ? (byte)number
                : type == typeof(sbyte) ? (sbyte)number
                : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
