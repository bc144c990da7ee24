using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Data;

/// <summary>
/// An MMS Data value (ISO 9506-2 §14.4.2, the Data CHOICE), as IEC 61850-8-1 uses it. Values are
/// immutable; structures and arrays compare element by element.
/// </summary>
public abstract record MmsValue
{
    /// <summary>A short description of the value for logs and the CLI.</summary>
    public abstract override string ToString();
}

/// <summary>structure [2]: the components of a constructed type, in order.</summary>
public sealed record MmsStructure(IReadOnlyList<MmsValue> Members) : MmsValue
{
    /// <summary>A structure of <paramref name="members"/>.</summary>
    public static MmsStructure Of(params MmsValue[] members) => new(members);

    /// <inheritdoc/>
    public bool Equals(MmsStructure? other) => other is not null && Members.SequenceEqual(other.Members);

    /// <inheritdoc/>
    public override int GetHashCode() => Members.Count;

    /// <inheritdoc/>
    public override string ToString() => "{" + string.Join(", ", Members) + "}";
}

/// <summary>array [1]: elements of one type.</summary>
public sealed record MmsArray(IReadOnlyList<MmsValue> Elements) : MmsValue
{
    /// <inheritdoc/>
    public bool Equals(MmsArray? other) => other is not null && Elements.SequenceEqual(other.Elements);

    /// <inheritdoc/>
    public override int GetHashCode() => Elements.Count;

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", Elements) + "]";
}

/// <summary>boolean [3].</summary>
public sealed record MmsBoolean(bool Value) : MmsValue
{
    /// <summary>true.</summary>
    public static MmsBoolean True { get; } = new(true);

    /// <summary>false.</summary>
    public static MmsBoolean False { get; } = new(false);

    /// <inheritdoc/>
    public override string ToString() => Value ? "true" : "false";
}

/// <summary>bit-string [4] (IEC 61850 quality, TrgOps, OptFlds, Dbpos, reason codes).</summary>
public sealed record MmsBitString(BitString Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => "bits " + Value;
}

/// <summary>integer [5] (INT8 to INT64, enumerations).</summary>
public sealed record MmsInteger(long Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>unsigned [6] (INT8U to INT32U).</summary>
public sealed record MmsUnsigned(ulong Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture) + "u";
}

/// <summary>floating-point [7], IEEE 754 single precision (FLOAT32; exponent width 8).</summary>
public sealed record MmsFloat32(float Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture) + "f";
}

/// <summary>floating-point [7], IEEE 754 double precision (FLOAT64; exponent width 11).</summary>
public sealed record MmsFloat64(double Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>octet-string [9].</summary>
public sealed record MmsOctetString(byte[] Value) : MmsValue
{
    /// <inheritdoc/>
    public bool Equals(MmsOctetString? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.Length;

    /// <inheritdoc/>
    public override string ToString() => "0x" + Convert.ToHexString(Value);
}

/// <summary>visible-string [10] (VisString32 to VisString255, object references).</summary>
public sealed record MmsVisibleString(string Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => "\"" + Value + "\"";
}

/// <summary>generalized-time [11], kept as its text.</summary>
public sealed record MmsGeneralizedTime(string Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>binary-time [12] (IEC 61850 EntryTime, TimeOfEntry).</summary>
public sealed record MmsBinaryTime(BinaryTime Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString();
}

/// <summary>mMSString [16], UTF-8 (Unicode255).</summary>
public sealed record MmsString(string Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => "\"" + Value + "\"";
}

/// <summary>utc-time [17] (IEC 61850 TimeStamp).</summary>
public sealed record MmsUtcTime(UtcTime Value) : MmsValue
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString();
}

/// <summary>
/// A Data alternative this client does not interpret (bcd, booleanArray, objId, a floating-point
/// format other than single or double), kept as its whole encoding so that it re-encodes as received.
/// </summary>
public sealed record MmsUnsupportedValue(BerTag Tag, byte[] Encoding) : MmsValue
{
    /// <inheritdoc/>
    public bool Equals(MmsUnsupportedValue? other) => other is not null && Tag == other.Tag && Encoding.AsSpan().SequenceEqual(other.Encoding);

    /// <inheritdoc/>
    public override int GetHashCode() => Tag.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => $"{Tag} 0x{Convert.ToHexString(Encoding)}";
}
