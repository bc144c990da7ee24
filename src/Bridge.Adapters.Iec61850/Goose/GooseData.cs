using System.Globalization;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// One value of a GOOSE dataset: the MMS <c>Data</c> CHOICE (ISO 9506-2) as IEC 61850-8-1 uses
/// it in <c>allData</c>. Each kind is a sealed record below; equality is by value, deep for
/// structures, arrays and byte strings.
/// </summary>
/// <remarks>
/// The context tags of the choice: [1] array, [2] structure, [3] boolean, [4] bit-string,
/// [5] integer, [6] unsigned, [7] floating-point, [9] octet-string, [10] visible-string,
/// [12] binary-time, [16] mMSString, [17] utc-time. The remaining alternatives ([8] real,
/// [11] generalized-time, [13] bcd, [14] booleanArray, [15] objId) are not used by IEC 61850;
/// they are kept as <see cref="GooseOpaque"/> so a frame carrying one still re-encodes as it came.
/// </remarks>
public abstract record GooseData
{
    private protected GooseData()
    {
    }

    /// <summary>The context tag number of this alternative of the Data CHOICE.</summary>
    public abstract int TagNumber { get; }
}

/// <summary>A BOOLEAN value, [3].</summary>
public sealed record GooseBoolean(bool Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.BooleanTag;
}

/// <summary>A signed INTEGER value (INT8 to INT64), [5].</summary>
public sealed record GooseInteger(long Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.IntegerTag;
}

/// <summary>An unsigned INTEGER value (INT8U to INT32U, and up to 2^64 - 1 here), [6].</summary>
public sealed record GooseUnsigned(ulong Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.UnsignedTag;
}

/// <summary>An IEEE 754 single-precision floating-point value (exponent width octet 8), [7].</summary>
public sealed record GooseFloat32(float Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.FloatingPointTag;
}

/// <summary>An IEEE 754 double-precision floating-point value (exponent width octet 11), [7].</summary>
public sealed record GooseFloat64(double Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.FloatingPointTag;
}

/// <summary>
/// A BIT STRING value, [4]: quality, Dbpos, trigger options. <see cref="Bits"/> holds the data
/// octets, first bit in the high bit of the first octet; the last <see cref="UnusedBits"/> bits
/// of the last octet are not part of the value.
/// </summary>
public sealed record GooseBitString(ReadOnlyMemory<byte> Bits, int UnusedBits) : GooseData
{
    /// <summary>The number of bits.</summary>
    public int Length => (Bits.Length * 8) - UnusedBits;

    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.BitStringTag;

    /// <summary>Bit <paramref name="index"/>, counted from the first (high) bit of the first octet.</summary>
    public bool this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
            return (Bits.Span[index >> 3] & (0x80 >> (index & 7))) != 0;
        }
    }

    /// <inheritdoc/>
    public bool Equals(GooseBitString? other)
        => other is not null && UnusedBits == other.UnusedBits && Bits.Span.SequenceEqual(other.Bits.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(UnusedBits, Bits.Length);

    /// <inheritdoc/>
    public override string ToString() => $"GooseBitString {{ {Convert.ToHexString(Bits.Span)}, unused {UnusedBits} }}";
}

/// <summary>An OCTET STRING value, [9].</summary>
public sealed record GooseOctetString(ReadOnlyMemory<byte> Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.OctetStringTag;

    /// <inheritdoc/>
    public bool Equals(GooseOctetString? other) => other is not null && Value.Span.SequenceEqual(other.Value.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.Length;

    /// <inheritdoc/>
    public override string ToString() => $"GooseOctetString {{ {Convert.ToHexString(Value.Span)} }}";
}

/// <summary>A VisibleString value (ASCII 0x20..0x7E), [10].</summary>
public sealed record GooseVisibleString(string Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.VisibleStringTag;
}

/// <summary>An MMSString value (UTF-8, the Unicode strings of IEC 61850), [16].</summary>
public sealed record GooseMmsString(string Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.MmsStringTag;
}

/// <summary>A binary-time (TimeOfDay) value, [12].</summary>
public sealed record GooseBinaryTime(BinaryTime Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.BinaryTimeTag;
}

/// <summary>A utc-time (UtcTime, with its quality octet) value, [17].</summary>
public sealed record GooseUtcTime(UtcTime Value) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.UtcTimeTag;
}

/// <summary>A structure, [2]: the members of a constructed data attribute (stVal, q, t).</summary>
public sealed record GooseStructure(IReadOnlyList<GooseData> Members) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.StructureTag;

    /// <inheritdoc/>
    public bool Equals(GooseStructure? other) => other is not null && Members.SequenceEqual(other.Members);

    /// <inheritdoc/>
    public override int GetHashCode() => Members.Count;

    /// <inheritdoc/>
    public override string ToString() => $"GooseStructure {{ {string.Join(", ", Members)} }}";
}

/// <summary>An array, [1]: elements of one type.</summary>
public sealed record GooseArray(IReadOnlyList<GooseData> Elements) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => GooseDataCodec.ArrayTag;

    /// <inheritdoc/>
    public bool Equals(GooseArray? other) => other is not null && Elements.SequenceEqual(other.Elements);

    /// <inheritdoc/>
    public override int GetHashCode() => Elements.Count;

    /// <inheritdoc/>
    public override string ToString() => $"GooseArray {{ {string.Join(", ", Elements)} }}";
}

/// <summary>
/// A Data alternative that IEC 61850 does not use ([8] real, [11] generalized-time, [13] bcd,
/// [14] booleanArray, [15] objId), kept as its tag and content octets.
/// </summary>
public sealed record GooseOpaque(int Tag, ReadOnlyMemory<byte> Content) : GooseData
{
    /// <inheritdoc/>
    public override int TagNumber => Tag;

    /// <inheritdoc/>
    public bool Equals(GooseOpaque? other) => other is not null && Tag == other.Tag && Content.Span.SequenceEqual(other.Content.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Tag, Content.Length);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"GooseOpaque {{ [{Tag}] {Convert.ToHexString(Content.Span)} }}");
}
