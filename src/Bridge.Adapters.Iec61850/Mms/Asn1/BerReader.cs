using System.Globalization;
using System.Text;

namespace Bridge.Adapters.Iec61850.Mms.Asn1;

/// <summary>
/// Reads BER (X.690) elements from a span, definite lengths only. Every length is checked against
/// the bytes that remain in the enclosing element before anything is read, constructed elements
/// open sub-readers that cannot read past their end, and nesting is limited. A malformed element
/// raises a <see cref="DecodeException"/> naming the field (<c>what</c>), the layer and the
/// absolute offset; the layer codecs catch it at their <c>TryDecode</c> entry points.
/// </summary>
/// <remarks>
/// <para>
/// Why not <see cref="System.Formats.Asn1.AsnReader"/>: it allocates a reader per constructed
/// element and a copy per string, signals malformed input with exceptions that carry no offset or
/// field, and hides how a length was encoded. This reader is a <c>ref struct</c> over the
/// received bytes, allocates only the values it returns, and reports offsets that match a
/// capture. docs/iec61850-mms.md has the measured difference.
/// </para>
/// <para>
/// Identifier octets (X.690 §8.1.2):
/// <code>
///  8 7   6   5 4 3 2 1
/// +---+---+---+---------+   low tag number (0..30) in bits 5-1;
/// |cls|P/C|  number   |   11111 = high tag number, followed by base-128 octets
/// +---+---+---+---------+   (bit 8 set on every octet but the last)
/// </code>
/// Length octets (X.690 §8.1.3): 0..127 in one octet; 0x81..0x84 then 1 to 4 octets big-endian;
/// 0x80 (indefinite) is refused.
/// </para>
/// </remarks>
public ref struct BerReader
{
    /// <summary>The nesting limit when none is given: deeper than any MMS PDU the stack sends or receives needs.</summary>
    public const int DefaultMaxDepth = 64;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _base;
    private readonly int _depth;
    private readonly int _maxDepth;
    private readonly StackLayer _layer;
    private int _position;

    /// <summary>A reader over <paramref name="data"/>, whose first byte is at <paramref name="baseOffset"/> in the unit being decoded.</summary>
    public BerReader(ReadOnlySpan<byte> data, StackLayer layer, int baseOffset = 0, int maxDepth = DefaultMaxDepth)
        : this(data, layer, baseOffset, 0, maxDepth)
    {
    }

    private BerReader(ReadOnlySpan<byte> data, StackLayer layer, int baseOffset, int depth, int maxDepth)
    {
        _data = data;
        _layer = layer;
        _base = baseOffset;
        _depth = depth;
        _maxDepth = maxDepth;
        _position = 0;
    }

    /// <summary>Whether elements remain.</summary>
    public readonly bool HasData => _position < _data.Length;

    /// <summary>The absolute offset of the next element.</summary>
    public readonly int Offset => _base + _position;

    /// <summary>The nesting depth of this reader (0 at the top).</summary>
    public readonly int Depth => _depth;

    /// <summary>The layer errors are reported for.</summary>
    public readonly StackLayer Layer => _layer;

    /// <summary>The tag of the next element, without consuming it.</summary>
    public readonly BerTag PeekTag()
    {
        var position = _position;
        return ReadTagAt(ref position, "next element");
    }

    /// <summary>Whether the next element exists and has <paramref name="tag"/>.</summary>
    public readonly bool IsNext(BerTag tag) => HasData && PeekTag() == tag;

    /// <summary>Reads the next element of any tag; returns its contents and where they start.</summary>
    public ReadOnlySpan<byte> ReadElement(out BerTag tag, out int contentOffset, string what)
    {
        var position = _position;
        tag = ReadTagAt(ref position, what);
        var length = ReadLengthAt(ref position, what);
        contentOffset = _base + position;
        var content = _data.Slice(position, length);
        _position = position + length;
        return content;
    }

    /// <summary>Reads the whole next element (identifier, length and contents) as it is encoded.</summary>
    public ReadOnlySpan<byte> ReadEncodedElement(out BerTag tag, string what)
    {
        var start = _position;
        ReadElement(out tag, out _, what);
        return _data[start.._position];
    }

    /// <summary>Skips the next element.</summary>
    public void Skip(string what) => ReadElement(out _, out _, what);

    /// <summary>Reads a constructed element with <paramref name="tag"/> and returns a reader over its contents.</summary>
    public BerReader ReadConstructed(BerTag tag, string what)
    {
        var content = ReadExpected(tag, what, out var offset);
        return Nested(content, offset, what);
    }

    /// <summary>Reads any constructed element and returns a reader over its contents.</summary>
    public BerReader ReadAnyConstructed(out BerTag tag, string what)
    {
        var start = Offset;
        var content = ReadElement(out tag, out var offset, what);
        if (!tag.Constructed)
        {
            throw Fail(DecodeError.UnexpectedTag, start, $"{what}: expected a constructed element, found {tag}");
        }

        return Nested(content, offset, what);
    }

    /// <summary>A reader over <paramref name="content"/> (found at <paramref name="offset"/>) one level deeper.</summary>
    public readonly BerReader Nested(ReadOnlySpan<byte> content, int offset, string what)
    {
        if (_depth + 1 > _maxDepth)
        {
            throw Fail(DecodeError.NestingTooDeep, offset, $"{what}: more than {_maxDepth} nested elements");
        }

        return new BerReader(content, _layer, offset, _depth + 1, _maxDepth);
    }

    /// <summary>Reads the contents of an element with <paramref name="tag"/>.</summary>
    public ReadOnlySpan<byte> ReadExpected(BerTag tag, string what, out int contentOffset)
    {
        if (!HasData)
        {
            throw Fail(DecodeError.MissingField, Offset, $"{what}: expected {tag}, found the end of the element");
        }

        var start = Offset;
        var content = ReadElement(out var found, out contentOffset, what);
        if (found != tag)
        {
            throw Fail(DecodeError.UnexpectedTag, start, $"{what}: expected {tag}, found {found}");
        }

        return content;
    }

    /// <summary>Reads the contents of an element with <paramref name="tag"/>.</summary>
    public ReadOnlySpan<byte> ReadExpected(BerTag tag, string what) => ReadExpected(tag, what, out _);

    /// <summary>Reads an INTEGER that fits a <see cref="long"/>.</summary>
    public long ReadInteger(BerTag tag, string what)
    {
        var content = ReadExpected(tag, what, out var offset);
        return DecodeInteger(content, offset, what);
    }

    /// <summary>Reads a non-negative INTEGER that fits a <see cref="ulong"/> (up to 9 octets, the first then zero).</summary>
    public ulong ReadUnsigned(BerTag tag, string what)
    {
        var content = ReadExpected(tag, what, out var offset);
        return DecodeUnsigned(content, offset, what);
    }

    /// <summary>Reads a non-negative INTEGER of at most <paramref name="max"/>.</summary>
    public uint ReadUInt32(BerTag tag, string what, uint max = uint.MaxValue)
    {
        var offset = Offset;
        var value = ReadUnsigned(tag, what);
        if (value > max)
        {
            throw Fail(DecodeError.IntegerOutOfRange, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {value} is above {max}"));
        }

        return (uint)value;
    }

    /// <summary>Reads an INTEGER in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int ReadInt32(BerTag tag, string what, int min = int.MinValue, int max = int.MaxValue)
    {
        var offset = Offset;
        var value = ReadInteger(tag, what);
        if (value < min || value > max)
        {
            throw Fail(DecodeError.IntegerOutOfRange, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {value} is outside [{min}, {max}]"));
        }

        return (int)value;
    }

    /// <summary>Reads a BOOLEAN: one octet, zero false, anything else true (X.690 §8.2).</summary>
    public bool ReadBoolean(BerTag tag, string what)
    {
        var content = ReadExpected(tag, what, out var offset);
        if (content.Length != 1)
        {
            throw Fail(DecodeError.BadBoolean, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: a BOOLEAN has 1 content octet, this one {content.Length}"));
        }

        return content[0] != 0;
    }

    /// <summary>Reads a NULL.</summary>
    public void ReadNull(BerTag tag, string what)
    {
        var content = ReadExpected(tag, what, out var offset);
        if (!content.IsEmpty)
        {
            throw Fail(DecodeError.BadNull, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: a NULL has no content, this one {content.Length} octets"));
        }
    }

    /// <summary>Reads an OCTET STRING's contents (copied).</summary>
    public byte[] ReadOctets(BerTag tag, string what, int maxLength = int.MaxValue)
    {
        var content = ReadExpected(tag, what, out var offset);
        if (content.Length > maxLength)
        {
            throw Fail(DecodeError.BadValue, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {content.Length} octets, at most {maxLength} allowed"));
        }

        return content.ToArray();
    }

    /// <summary>Reads a string of single-byte characters (VisibleString, GraphicString) as Latin-1, which keeps every byte.</summary>
    public string ReadLatin1String(BerTag tag, string what, int maxLength = int.MaxValue)
    {
        var content = ReadExpected(tag, what, out var offset);
        if (content.Length > maxLength)
        {
            throw Fail(DecodeError.BadString, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {content.Length} characters, at most {maxLength} allowed"));
        }

        return Encoding.Latin1.GetString(content);
    }

    /// <summary>
    /// Reads an MMS Identifier (a VisibleString of visible ASCII, 0x21 to 0x7E) of at most
    /// <paramref name="maxLength"/> characters.
    /// </summary>
    public string ReadIdentifier(BerTag tag, string what, int maxLength)
    {
        var content = ReadExpected(tag, what, out var offset);
        return DecodeIdentifier(content, offset, what, maxLength);
    }

    /// <summary>Reads a UTF-8 string (MMSString, UTF8String).</summary>
    public string ReadUtf8String(BerTag tag, string what, int maxLength = int.MaxValue)
    {
        var content = ReadExpected(tag, what, out var offset);
        return DecodeUtf8(content, offset, what, maxLength);
    }

    /// <summary>Reads an OBJECT IDENTIFIER.</summary>
    public ObjectIdentifier ReadObjectIdentifier(BerTag tag, string what)
    {
        var content = ReadExpected(tag, what, out var offset);
        return ObjectIdentifier.TryDecode(content, out var identifier)
            ? identifier!
            : throw Fail(DecodeError.BadObjectIdentifier, offset, $"{what}: content {Convert.ToHexString(content)} is not an object identifier");
    }

    /// <summary>Reads a BIT STRING (primitive form only: constructed bit strings are a CER/BER option no MMS stack uses).</summary>
    public BitString ReadBitString(BerTag tag, string what, int maxBits = int.MaxValue)
    {
        var content = ReadExpected(tag, what, out var offset);
        return DecodeBitString(content, offset, what, maxBits);
    }

    /// <summary>Fails with <see cref="DecodeError.TrailingBytes"/> unless every element was read.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (HasData)
        {
            throw Fail(DecodeError.TrailingBytes, Offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {_data.Length - _position} unexpected octets at the end"));
        }
    }

    /// <summary>A decoding failure of this reader's layer.</summary>
    public readonly DecodeException Fail(DecodeError error, int offset, string detail) => DecodeException.Of(_layer, error, offset, detail);

    /// <summary>Fails with <see cref="DecodeError.UnexpectedTag"/> for the next element.</summary>
    public readonly DecodeException UnexpectedNext(string what, string expected)
        => HasData
            ? Fail(DecodeError.UnexpectedTag, Offset, $"{what}: expected {expected}, found {PeekTag()}")
            : Fail(DecodeError.MissingField, Offset, $"{what}: expected {expected}, found the end of the element");

    /// <summary>Decodes INTEGER content octets (two's complement, big-endian) into a <see cref="long"/>.</summary>
    public readonly long DecodeInteger(ReadOnlySpan<byte> content, int offset, string what)
    {
        if (content.IsEmpty)
        {
            throw Fail(DecodeError.BadInteger, offset, $"{what}: an INTEGER has at least one content octet");
        }

        if (content.Length > 8)
        {
            throw Fail(DecodeError.IntegerOutOfRange, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {content.Length} octets do not fit 64 bits"));
        }

        long value = (sbyte)content[0];
        for (var i = 1; i < content.Length; i++)
        {
            value = (value << 8) | content[i];
        }

        return value;
    }

    /// <summary>Decodes non-negative INTEGER content octets into a <see cref="ulong"/>.</summary>
    public readonly ulong DecodeUnsigned(ReadOnlySpan<byte> content, int offset, string what)
    {
        if (content.IsEmpty)
        {
            throw Fail(DecodeError.BadInteger, offset, $"{what}: an INTEGER has at least one content octet");
        }

        if ((content[0] & 0x80) != 0)
        {
            throw Fail(DecodeError.IntegerOutOfRange, offset, $"{what}: negative where only non-negative values are allowed");
        }

        if (content.Length > 9 || (content.Length == 9 && content[0] != 0))
        {
            throw Fail(DecodeError.IntegerOutOfRange, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {content.Length} octets do not fit 64 bits"));
        }

        ulong value = 0;
        foreach (var b in content)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Decodes BIT STRING content octets: the unused-bits count, then the bits.</summary>
    public readonly BitString DecodeBitString(ReadOnlySpan<byte> content, int offset, string what, int maxBits = int.MaxValue)
    {
        if (content.IsEmpty || content[0] > 7 || (content.Length == 1 && content[0] != 0))
        {
            throw Fail(DecodeError.BadBitString, offset, $"{what}: a BIT STRING starts with an unused-bits count of 0 to 7 (0 when empty)");
        }

        var bits = ((content.Length - 1) * 8) - content[0];
        if (bits > maxBits)
        {
            throw Fail(DecodeError.BadBitString, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {bits} bits, at most {maxBits} allowed"));
        }

        return new BitString(bits, content[1..]);
    }

    /// <summary>Decodes an MMS Identifier's content.</summary>
    public readonly string DecodeIdentifier(ReadOnlySpan<byte> content, int offset, string what, int maxLength)
    {
        if (content.IsEmpty || content.Length > maxLength)
        {
            throw Fail(DecodeError.BadString, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: an identifier has 1 to {maxLength} characters, this one {content.Length}"));
        }

        foreach (var c in content)
        {
            if (c < 0x21 || c > 0x7E)
            {
                throw Fail(DecodeError.BadString, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: character 0x{c:X2} is not visible ASCII"));
            }
        }

        return Encoding.ASCII.GetString(content);
    }

    /// <summary>Decodes UTF-8 content.</summary>
    public readonly string DecodeUtf8(ReadOnlySpan<byte> content, int offset, string what, int maxLength)
    {
        if (content.Length > maxLength)
        {
            throw Fail(DecodeError.BadString, offset, string.Create(CultureInfo.InvariantCulture, $"{what}: {content.Length} octets, at most {maxLength} allowed"));
        }

        if (!System.Text.Unicode.Utf8.IsValid(content))
        {
            throw Fail(DecodeError.BadString, offset, $"{what}: not UTF-8");
        }

        return Encoding.UTF8.GetString(content);
    }

    private readonly BerTag ReadTagAt(ref int position, string what)
    {
        if (position >= _data.Length)
        {
            throw Fail(DecodeError.Truncated, _base + position, $"{what}: no identifier octet left");
        }

        var first = _data[position++];
        var tagClass = (TagClass)(first >> 6);
        var constructed = (first & 0x20) != 0;
        var number = first & 0x1F;
        if (number == 0x1F)
        {
            number = 0;
            byte next;
            var octets = 0;
            do
            {
                if (position >= _data.Length)
                {
                    throw Fail(DecodeError.Truncated, _base + position, $"{what}: the tag number ends early");
                }

                next = _data[position++];
                if (++octets > 3)
                {
                    throw Fail(DecodeError.TagTooLarge, _base + position - 1, $"{what}: a tag number of more than 3 octets");
                }

                number = (number << 7) | (next & 0x7F);
            }
            while ((next & 0x80) != 0);
        }

        return new BerTag(tagClass, constructed, number);
    }

    private readonly int ReadLengthAt(ref int position, string what)
    {
        if (position >= _data.Length)
        {
            throw Fail(DecodeError.Truncated, _base + position, $"{what}: no length octet left");
        }

        var lengthOffset = position;
        int first = _data[position++];
        int length;
        if (first < 0x80)
        {
            length = first;
        }
        else if (first == 0x80)
        {
            throw Fail(DecodeError.IndefiniteLength, _base + lengthOffset, $"{what}: indefinite length");
        }
        else
        {
            var count = first & 0x7F;
            if (count > 4)
            {
                throw Fail(DecodeError.LengthTooLarge, _base + lengthOffset, string.Create(CultureInfo.InvariantCulture, $"{what}: a length of {count} octets"));
            }

            if (_data.Length - position < count)
            {
                throw Fail(DecodeError.Truncated, _base + lengthOffset, $"{what}: the length field ends early");
            }

            long value = 0;
            for (var i = 0; i < count; i++)
            {
                value = (value << 8) | _data[position++];
            }

            if (value > int.MaxValue)
            {
                throw Fail(DecodeError.LengthTooLarge, _base + lengthOffset, string.Create(CultureInfo.InvariantCulture, $"{what}: length {value}"));
            }

            length = (int)value;
        }

        if (length > _data.Length - position)
        {
            throw Fail(DecodeError.LengthOverrun, _base + lengthOffset, string.Create(CultureInfo.InvariantCulture, $"{what}: length {length}, but only {_data.Length - position} octets remain"));
        }

        return length;
    }
}
