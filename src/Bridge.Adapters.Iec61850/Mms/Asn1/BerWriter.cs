using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Bridge.Adapters.Iec61850.Mms.Asn1;

/// <summary>
/// Writes BER into one growing buffer, forwards: a constructed element is opened with
/// <see cref="Push(BerTag)"/>, its contents are written, and <see cref="Pop"/> fills in its length,
/// moving the contents when the length needs more than the one octet reserved for it. Lengths
/// come out in their shortest definite form, integers in their fewest octets, BOOLEAN true as
/// 0x01 (what IEC 61850 stacks send; BER allows any non-zero octet).
/// </summary>
/// <remarks>
/// The session layer's length indicators (one octet, or 0xFF and two octets) are written by the
/// same mechanism (<see cref="PushSessionUnit"/>), so a whole TSDU, from the SPDU header down to
/// the MMS value, is written in one pass. The buffer comes from <see cref="ArrayPool{T}"/>;
/// dispose the writer to return it.
/// </remarks>
public sealed class BerWriter : IDisposable
{
    private const int SessionLength = -1;

    private byte[] _buffer;
    private int _length;
    private int[] _openStarts = new int[16];
    private int[] _openKinds = new int[16];
    private int _open;

    /// <summary>A writer with room for <paramref name="capacity"/> bytes before it grows.</summary>
    public BerWriter(int capacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 16));
    }

    /// <summary>Bytes written.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far. Invalid after the next write.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far. Invalid after the next write.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Writable view of the bytes written so far, to patch fixed-size headers in place.</summary>
    public Span<byte> WrittenMutable => _buffer.AsSpan(0, _length);

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Forgets everything written (and every open element).</summary>
    public void Clear()
    {
        _length = 0;
        _open = 0;
    }

    /// <summary>Opens a constructed element with <paramref name="tag"/>.</summary>
    public void Push(BerTag tag)
    {
        WriteTag(tag);
        Open(_length, 0);
        WriteByte(0);
    }

    /// <summary>Opens a session unit (an SPDU or a parameter) with code <paramref name="code"/> and an ISO 8327 length indicator.</summary>
    public void PushSessionUnit(byte code)
    {
        WriteByte(code);
        Open(_length, SessionLength);
        WriteByte(0);
    }

    /// <summary>Closes the innermost open element, writing its length.</summary>
    public void Pop()
    {
        if (_open == 0)
        {
            throw new InvalidOperationException("no open element to close");
        }

        _open--;
        var lengthAt = _openStarts[_open];
        var contentStart = lengthAt + 1;
        var contentLength = _length - contentStart;
        Span<byte> header = stackalloc byte[5];
        int headerLength;
        if (_openKinds[_open] == SessionLength)
        {
            if (contentLength > ushort.MaxValue)
            {
                throw new InvalidOperationException($"a session unit of {contentLength} octets is beyond the 65535 its length indicator can say");
            }

            if (contentLength < 255)
            {
                header[0] = (byte)contentLength;
                headerLength = 1;
            }
            else
            {
                header[0] = 0xFF;
                BinaryPrimitives.WriteUInt16BigEndian(header[1..], (ushort)contentLength);
                headerLength = 3;
            }
        }
        else
        {
            headerLength = EncodeLength(contentLength, header);
        }

        if (headerLength > 1)
        {
            Ensure(headerLength - 1);
            _buffer.AsSpan(contentStart, contentLength).CopyTo(_buffer.AsSpan(contentStart + headerLength - 1));
            _length += headerLength - 1;
        }

        header[..headerLength].CopyTo(_buffer.AsSpan(lengthAt));
    }

    /// <summary>Writes an identifier octet (or octets).</summary>
    public void WriteTag(BerTag tag)
    {
        var first = (byte)(((int)tag.Class << 6) | (tag.Constructed ? 0x20 : 0));
        if (tag.Number < 31)
        {
            WriteByte((byte)(first | tag.Number));
            return;
        }

        if (tag.Number > BerTag.MaxNumber)
        {
            throw new ArgumentOutOfRangeException(nameof(tag), tag.Number, "tag numbers above 2^21 - 1 are not written");
        }

        WriteByte((byte)(first | 0x1F));
        var shift = tag.Number >= 1 << 14 ? 14 : tag.Number >= 1 << 7 ? 7 : 0;
        for (; shift > 0; shift -= 7)
        {
            WriteByte((byte)(0x80 | ((tag.Number >> shift) & 0x7F)));
        }

        WriteByte((byte)(tag.Number & 0x7F));
    }

    /// <summary>Writes a primitive element with <paramref name="content"/>.</summary>
    public void WritePrimitive(BerTag tag, ReadOnlySpan<byte> content)
    {
        WriteTag(tag);
        Span<byte> header = stackalloc byte[5];
        var headerLength = EncodeLength(content.Length, header);
        WriteBytes(header[..headerLength]);
        WriteBytes(content);
    }

    /// <summary>Writes an INTEGER in its fewest octets.</summary>
    public void WriteInteger(BerTag tag, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        var start = 0;
        // Drop a leading octet while the next one carries the same sign (X.690 §8.3.2).
        while (start < 7 && ((bytes[start] == 0x00 && (bytes[start + 1] & 0x80) == 0) || (bytes[start] == 0xFF && (bytes[start + 1] & 0x80) != 0)))
        {
            start++;
        }

        WritePrimitive(tag, bytes[start..]);
    }

    /// <summary>Writes a non-negative INTEGER in its fewest octets (a leading zero octet when the top bit is set).</summary>
    public void WriteUnsigned(BerTag tag, ulong value)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], value);
        var start = 0;
        while (start < 8 && bytes[start] == 0 && (bytes[start + 1] & 0x80) == 0)
        {
            start++;
        }

        WritePrimitive(tag, bytes[start..]);
    }

    /// <summary>Writes a BOOLEAN (true as 0x01).</summary>
    public void WriteBoolean(BerTag tag, bool value) => WritePrimitive(tag, [value ? (byte)1 : (byte)0]);

    /// <summary>Writes a NULL.</summary>
    public void WriteNull(BerTag tag) => WritePrimitive(tag, []);

    /// <summary>Writes a string of single-byte characters (Latin-1, as <see cref="BerReader.ReadLatin1String"/> reads it).</summary>
    public void WriteLatin1String(BerTag tag, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var count = Encoding.Latin1.GetByteCount(value);
        WriteTag(tag);
        WriteLength(count);
        Ensure(count);
        Encoding.Latin1.GetBytes(value, _buffer.AsSpan(_length));
        _length += count;
    }

    /// <summary>Writes a UTF-8 string.</summary>
    public void WriteUtf8String(BerTag tag, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var count = Encoding.UTF8.GetByteCount(value);
        WriteTag(tag);
        WriteLength(count);
        Ensure(count);
        Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        _length += count;
    }

    /// <summary>Writes an OBJECT IDENTIFIER.</summary>
    public void WriteObjectIdentifier(BerTag tag, ObjectIdentifier value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WritePrimitive(tag, value.Encode());
    }

    /// <summary>Writes a BIT STRING, its padding bits as they are held.</summary>
    public void WriteBitString(BerTag tag, BitString value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteTag(tag);
        WriteLength(value.Bytes.Length + 1);
        WriteByte((byte)value.UnusedBits);
        WriteBytes(value.Bytes);
    }

    /// <summary>Writes one octet.</summary>
    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    /// <summary>Writes octets as they are (an element encoded elsewhere, a fixed header).</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Writes a definite length.</summary>
    public void WriteLength(int length)
    {
        Span<byte> header = stackalloc byte[5];
        WriteBytes(header[..EncodeLength(length, header)]);
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int EncodeLength(int length, Span<byte> header)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < 0x80)
        {
            header[0] = (byte)length;
            return 1;
        }

        var octets = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
        header[0] = (byte)(0x80 | octets);
        for (var i = 0; i < octets; i++)
        {
            header[octets - i] = (byte)(length >> (8 * i));
        }

        return octets + 1;
    }

    private void Open(int lengthAt, int kind)
    {
        if (_open == _openStarts.Length)
        {
            Array.Resize(ref _openStarts, _open * 2);
            Array.Resize(ref _openKinds, _open * 2);
        }

        _openStarts[_open] = lengthAt;
        _openKinds[_open] = kind;
        _open++;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_buffer.Length * 2, _length + more), 256));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }
}
