namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>
/// Writes BER elements front to back into a span that is large enough (callers compute sizes
/// first with <see cref="BerElement.GetEncodedSize"/>, so a constructed element's length is known
/// before its content is written). Lengths are written in the shortest definite form; BOOLEAN
/// TRUE is written as 0x01, as libiec61850 and most IEC 61850 stacks do.
/// </summary>
public ref struct BerWriter
{
    private readonly Span<byte> _destination;
    private int _position;

    /// <summary>A writer that starts at the beginning of <paramref name="destination"/>.</summary>
    public BerWriter(Span<byte> destination)
    {
        _destination = destination;
        _position = 0;
    }

    /// <summary>The octets written so far.</summary>
    public readonly int Position => _position;

    /// <summary>Writes an identifier and a length: the start of an element whose content follows.</summary>
    public void WriteHeader(BerTag tag, int contentLength)
    {
        _position += tag.Write(_destination[_position..]);
        _position += BerLength.Write(_destination[_position..], contentLength);
    }

    /// <summary>Writes a whole primitive element with <paramref name="content"/>.</summary>
    public void WriteElement(BerTag tag, scoped ReadOnlySpan<byte> content)
    {
        WriteHeader(tag, content.Length);
        WriteRaw(content);
    }

    /// <summary>Writes octets as they are (an already encoded element or content).</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_destination[_position..]);
        _position += bytes.Length;
    }

    /// <summary>Writes an INTEGER element with the shortest content for <paramref name="value"/>.</summary>
    public void WriteInteger(BerTag tag, long value)
    {
        WriteHeader(tag, BerPrimitive.GetInt64Size(value));
        _position += BerPrimitive.WriteInt64(_destination[_position..], value);
    }

    /// <summary>Writes an INTEGER element holding the non-negative <paramref name="value"/>.</summary>
    public void WriteUnsigned(BerTag tag, ulong value)
    {
        WriteHeader(tag, BerPrimitive.GetUInt64Size(value));
        _position += BerPrimitive.WriteUInt64(_destination[_position..], value);
    }

    /// <summary>Writes a BOOLEAN element (TRUE as 0x01).</summary>
    public void WriteBoolean(BerTag tag, bool value)
    {
        WriteHeader(tag, 1);
        _destination[_position++] = value ? (byte)1 : (byte)0;
    }

    /// <summary>Writes a BIT STRING element: the unused-bits octet, then <paramref name="bits"/>.</summary>
    public void WriteBitString(BerTag tag, int unusedBits, scoped ReadOnlySpan<byte> bits)
    {
        WriteHeader(tag, 1 + bits.Length);
        _destination[_position++] = (byte)unusedBits;
        WriteRaw(bits);
    }

    /// <summary>The size of an INTEGER element holding <paramref name="value"/>.</summary>
    public static int IntegerSize(BerTag tag, long value) => BerElement.GetEncodedSize(tag, BerPrimitive.GetInt64Size(value));

    /// <summary>The size of an INTEGER element holding the non-negative <paramref name="value"/>.</summary>
    public static int UnsignedSize(BerTag tag, ulong value) => BerElement.GetEncodedSize(tag, BerPrimitive.GetUInt64Size(value));
}
