using System.Buffers.Binary;
using System.Text;
using Bridge.Adapters.Iec61850.Ber;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// Encodes and decodes the MMS Data values of a GOOSE <c>allData</c> (ISO 9506-2 Data CHOICE,
/// implicit context tags): validation without allocating, decoding into <see cref="GooseData"/>
/// records, sizes and writing.
/// </summary>
/// <remarks>
/// <code>
///  A1 L  array            SEQUENCE OF Data                 (constructed)
///  A2 L  structure        SEQUENCE OF Data                 (constructed)
///  83 01 boolean          00 FALSE, anything else TRUE     (written 01)
///  84 L  bit-string       unused-bits octet (0..7), data octets
///  85 L  integer          two's complement, 1..8 octets
///  86 L  unsigned         non-negative, 1..9 octets
///  87 05 floating-point   08 + IEEE 754 single, big-endian
///  87 09 floating-point   0B + IEEE 754 double, big-endian
///  89 L  octet-string
///  8A L  visible-string   0x20..0x7E
///  8C 04 binary-time      ms since midnight (4)   | 8C 06: then days since 1984-01-01 (2)
///  90 L  mMSString        UTF-8
///  91 08 utc-time         seconds (4), fraction (3), quality (1)
///  88, 8B, 8D, 8E, 8F     real, generalized-time, bcd, booleanArray, objId: kept opaque
/// </code>
/// </remarks>
public static class GooseDataCodec
{
    /// <summary>[1] array.</summary>
    public const int ArrayTag = 1;

    /// <summary>[2] structure.</summary>
    public const int StructureTag = 2;

    /// <summary>[3] boolean.</summary>
    public const int BooleanTag = 3;

    /// <summary>[4] bit-string.</summary>
    public const int BitStringTag = 4;

    /// <summary>[5] integer.</summary>
    public const int IntegerTag = 5;

    /// <summary>[6] unsigned.</summary>
    public const int UnsignedTag = 6;

    /// <summary>[7] floating-point.</summary>
    public const int FloatingPointTag = 7;

    /// <summary>[9] octet-string.</summary>
    public const int OctetStringTag = 9;

    /// <summary>[10] visible-string.</summary>
    public const int VisibleStringTag = 10;

    /// <summary>[12] binary-time.</summary>
    public const int BinaryTimeTag = 12;

    /// <summary>[16] mMSString.</summary>
    public const int MmsStringTag = 16;

    /// <summary>[17] utc-time.</summary>
    public const int UtcTimeTag = 17;

    private const byte SingleExponentWidth = 8;
    private const byte DoubleExponentWidth = 11;

    /// <summary>True for the tags kept as <see cref="GooseOpaque"/>: [8], [11], [13], [14], [15].</summary>
    public static bool IsOpaqueTag(int tag) => tag is 8 or 11 or 13 or 14 or 15;

    /// <summary>
    /// Decodes the content of an allData element (a series of Data elements) into values.
    /// Byte strings are copied: the result does not refer to <paramref name="allData"/>.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> allData, out IReadOnlyList<GooseData> values, out GooseRejection rejection, GooseLimits? limits = null)
    {
        var list = new List<GooseData>();
        var reader = new BerReader(allData);
        var count = 0;
        rejection = ReadList(ref reader, limits ?? GooseLimits.Default, 0, ref count, list);
        values = rejection == GooseRejection.None ? list : [];
        return rejection == GooseRejection.None;
    }

    /// <summary>
    /// Checks the Data elements in <paramref name="reader"/>'s region without allocating;
    /// returns the rejection and the number of top-level values.
    /// </summary>
    internal static GooseRejection Validate(ref BerReader reader, GooseLimits limits, out int entries)
    {
        var count = 0;
        var start = reader;
        var rejection = ReadList(ref reader, limits, 0, ref count, null);
        entries = 0;
        if (rejection == GooseRejection.None)
        {
            // Count top-level entries by stepping over them: the walk above already checked each.
            while (start.HasMore)
            {
                start.TryRead(out _);
                entries++;
            }
        }

        return rejection;
    }

    /// <summary>The encoded size of the elements of <paramref name="values"/>, one after another.</summary>
    public static int GetEncodedSize(IReadOnlyList<GooseData> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        // Indexed, not foreach: an interface enumerator would be boxed per list on every encode.
        var size = 0;
        for (var i = 0; i < values.Count; i++)
        {
            size += GetEncodedSize(values[i]);
        }

        return size;
    }

    /// <summary>The encoded size of one value's element.</summary>
    /// <exception cref="ArgumentException">The value cannot be encoded (a visible string with other characters, an opaque value with a tag that is not opaque).</exception>
    public static int GetEncodedSize(GooseData value) => BerElement.GetEncodedSize(TagOf(value), GetContentSize(value));

    /// <summary>Encodes <paramref name="values"/> as the content of an allData element.</summary>
    public static byte[] Encode(IReadOnlyList<GooseData> values)
    {
        var bytes = new byte[GetEncodedSize(values)];
        var writer = new BerWriter(bytes);
        Write(ref writer, values);
        return bytes;
    }

    /// <summary>Writes the elements of <paramref name="values"/>.</summary>
    internal static void Write(ref BerWriter writer, IReadOnlyList<GooseData> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            Write(ref writer, values[i]);
        }
    }

    private static void Write(ref BerWriter writer, GooseData value)
    {
        var tag = TagOf(value);
        switch (value)
        {
            case GooseStructure structure:
                writer.WriteHeader(tag, GetContentSize(value));
                Write(ref writer, structure.Members);
                break;
            case GooseArray array:
                writer.WriteHeader(tag, GetContentSize(value));
                Write(ref writer, array.Elements);
                break;
            case GooseBoolean boolean:
                writer.WriteBoolean(tag, boolean.Value);
                break;
            case GooseInteger integer:
                writer.WriteInteger(tag, integer.Value);
                break;
            case GooseUnsigned unsigned:
                writer.WriteUnsigned(tag, unsigned.Value);
                break;
            case GooseBitString bits:
                writer.WriteBitString(tag, bits.UnusedBits, bits.Bits.Span);
                break;
            case GooseFloat32 single:
            {
                Span<byte> content = stackalloc byte[5];
                content[0] = SingleExponentWidth;
                BinaryPrimitives.WriteSingleBigEndian(content[1..], single.Value);
                writer.WriteElement(tag, content);
                break;
            }

            case GooseFloat64 wide:
            {
                Span<byte> content = stackalloc byte[9];
                content[0] = DoubleExponentWidth;
                BinaryPrimitives.WriteDoubleBigEndian(content[1..], wide.Value);
                writer.WriteElement(tag, content);
                break;
            }

            case GooseOctetString octets:
                writer.WriteElement(tag, octets.Value.Span);
                break;
            case GooseVisibleString text:
                WriteString(ref writer, tag, text.Value, Encoding.ASCII);
                break;
            case GooseMmsString text:
                WriteString(ref writer, tag, text.Value, Encoding.UTF8);
                break;
            case GooseBinaryTime time:
            {
                Span<byte> content = stackalloc byte[6];
                time.Value.Write(content);
                writer.WriteElement(tag, content[..time.Value.Size]);
                break;
            }

            case GooseUtcTime time:
            {
                Span<byte> content = stackalloc byte[UtcTime.Size];
                time.Value.Write(content);
                writer.WriteElement(tag, content);
                break;
            }

            case GooseOpaque opaque:
                writer.WriteElement(tag, opaque.Content.Span);
                break;
            default:
                throw new ArgumentException($"unknown GOOSE data kind {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteString(ref BerWriter writer, BerTag tag, string text, Encoding encoding)
    {
        var size = encoding.GetByteCount(text);
        writer.WriteHeader(tag, size);
        var bytes = size <= 256 ? stackalloc byte[size] : new byte[size];
        encoding.GetBytes(text, bytes);
        writer.WriteRaw(bytes);
    }

    private static BerTag TagOf(GooseData value)
        => BerTag.Context(value.TagNumber, value is GooseStructure or GooseArray);

    private static int GetContentSize(GooseData value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value switch
        {
            GooseStructure structure => GetEncodedSize(structure.Members),
            GooseArray array => GetEncodedSize(array.Elements),
            GooseBoolean => 1,
            GooseInteger integer => BerPrimitive.GetInt64Size(integer.Value),
            GooseUnsigned unsigned => BerPrimitive.GetUInt64Size(unsigned.Value),
            GooseFloat32 => 5,
            GooseFloat64 => 9,
            GooseBitString bits => 1 + bits.Bits.Length,
            GooseOctetString octets => octets.Value.Length,
            GooseVisibleString text => VisibleLength(text.Value),
            GooseMmsString text => Encoding.UTF8.GetByteCount(text.Value),
            GooseBinaryTime time => time.Value.Size,
            GooseUtcTime => UtcTime.Size,
            GooseOpaque opaque => IsOpaqueTag(opaque.Tag)
                ? opaque.Content.Length
                : throw new ArgumentException($"tag [{opaque.Tag}] is not one of the opaque Data alternatives (8, 11, 13, 14, 15)", nameof(value)),
            _ => throw new ArgumentException($"unknown GOOSE data kind {value.GetType().Name}", nameof(value)),
        };
    }

    private static int VisibleLength(string text)
        => text.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0
            ? text.Length
            : throw new ArgumentException($"a visible string holds ASCII 0x20..0x7E only: \"{text}\"", nameof(text));

    private static GooseRejection ReadList(ref BerReader reader, GooseLimits limits, int depth, ref int values, List<GooseData>? output)
    {
        while (reader.HasMore)
        {
            var error = reader.TryRead(out var element);
            if (error != BerError.None)
            {
                return GooseRejections.From(error);
            }

            if (++values > limits.MaxDataValues)
            {
                return GooseRejection.TooManyValues;
            }

            var tag = element.Tag;
            if (tag.Class != BerTagClass.ContextSpecific || tag.Number is 0 or > UtcTimeTag)
            {
                return GooseRejection.UnknownDataTag;
            }

            if (tag.Number is ArrayTag or StructureTag)
            {
                if (!tag.IsConstructed)
                {
                    return GooseRejection.UnexpectedTag;
                }

                if (depth + 1 > limits.MaxDepth)
                {
                    return GooseRejection.NestingTooDeep;
                }

                var inner = reader.Enter(element);
                var members = output is null ? null : new List<GooseData>();
                var rejection = ReadList(ref inner, limits, depth + 1, ref values, members);
                if (rejection != GooseRejection.None)
                {
                    return rejection;
                }

                if (output is not null)
                {
                    output.Add(tag.Number == ArrayTag ? new GooseArray(members!) : new GooseStructure(members!));
                }

                continue;
            }

            if (tag.IsConstructed)
            {
                return GooseRejection.ConstructedPrimitive;
            }

            var primitive = ReadPrimitive(tag.Number, reader.Content(element), limits, output);
            if (primitive != GooseRejection.None)
            {
                return primitive;
            }
        }

        return GooseRejection.None;
    }

    private static GooseRejection ReadPrimitive(int tag, ReadOnlySpan<byte> content, GooseLimits limits, List<GooseData>? output)
    {
        BerError error;
        switch (tag)
        {
            case BooleanTag:
                error = BerPrimitive.TryReadBoolean(content, out var boolean);
                if (error == BerError.None)
                {
                    output?.Add(new GooseBoolean(boolean));
                }

                return GooseRejections.From(error);
            case IntegerTag:
                error = BerPrimitive.TryReadInt64(content, out var integer);
                if (error == BerError.None)
                {
                    output?.Add(new GooseInteger(integer));
                }

                return GooseRejections.From(error);
            case UnsignedTag:
                error = BerPrimitive.TryReadUInt64(content, out var unsigned);
                if (error == BerError.None)
                {
                    output?.Add(new GooseUnsigned(unsigned));
                }

                return GooseRejections.From(error);
            case FloatingPointTag:
                if (content.Length == 5 && content[0] == SingleExponentWidth)
                {
                    output?.Add(new GooseFloat32(BinaryPrimitives.ReadSingleBigEndian(content[1..])));
                    return GooseRejection.None;
                }

                if (content.Length == 9 && content[0] == DoubleExponentWidth)
                {
                    output?.Add(new GooseFloat64(BinaryPrimitives.ReadDoubleBigEndian(content[1..])));
                    return GooseRejection.None;
                }

                return GooseRejection.BadFloatingPoint;
            case BitStringTag:
                error = BerPrimitive.TryReadBitString(content, out var unusedBits, out var bits);
                if (error != BerError.None)
                {
                    return GooseRejection.BadBitString;
                }

                if (bits.Length > limits.MaxValueLength)
                {
                    return GooseRejection.ValueTooLong;
                }

                output?.Add(new GooseBitString(bits.ToArray(), unusedBits));
                return GooseRejection.None;
            case OctetStringTag:
                if (content.Length > limits.MaxValueLength)
                {
                    return GooseRejection.ValueTooLong;
                }

                output?.Add(new GooseOctetString(content.ToArray()));
                return GooseRejection.None;
            case VisibleStringTag:
                if (content.Length > limits.MaxValueLength)
                {
                    return GooseRejection.ValueTooLong;
                }

                error = BerPrimitive.CheckVisibleString(content);
                if (error == BerError.None)
                {
                    output?.Add(new GooseVisibleString(Encoding.ASCII.GetString(content)));
                }

                return GooseRejections.From(error);
            case MmsStringTag:
                if (content.Length > limits.MaxValueLength)
                {
                    return GooseRejection.ValueTooLong;
                }

                error = BerPrimitive.CheckUtf8(content);
                if (error == BerError.None)
                {
                    output?.Add(new GooseMmsString(Encoding.UTF8.GetString(content)));
                }

                return GooseRejections.From(error);
            case BinaryTimeTag:
                if (content.Length is not (4 or 6))
                {
                    return GooseRejection.BadBinaryTime;
                }

                output?.Add(new GooseBinaryTime(BinaryTime.Read(content)));
                return GooseRejection.None;
            case UtcTimeTag:
                if (content.Length != UtcTime.Size)
                {
                    return GooseRejection.BadUtcTime;
                }

                output?.Add(new GooseUtcTime(UtcTime.Read(content)));
                return GooseRejection.None;
            default:
                // [8], [11], [13], [14], [15]: alternatives IEC 61850 does not use, kept as they came.
                if (content.Length > limits.MaxValueLength)
                {
                    return GooseRejection.ValueTooLong;
                }

                output?.Add(new GooseOpaque(tag, content.ToArray()));
                return GooseRejection.None;
        }
    }
}
