using System.Text.Unicode;

namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>
/// The content octets of BER primitive types (X.690 §8): INTEGER as two's complement, BOOLEAN,
/// BIT STRING with its unused-bits octet, VisibleString and UTF8String checks. Readers take the
/// content an element holds; writers write content only (the element header is
/// <see cref="BerWriter"/>'s).
/// </summary>
public static class BerPrimitive
{
    /// <summary>Reads an INTEGER content as a signed 64-bit value (1 to 8 octets; X.690 8.3).</summary>
    public static BerError TryReadInt64(ReadOnlySpan<byte> content, out long value)
    {
        value = 0;
        if (content.IsEmpty)
        {
            return BerError.IntegerEmpty;
        }

        if (content.Length > sizeof(long))
        {
            // Nine or more octets only fit when the extra ones are pure sign extension, which
            // X.690 8.3.2 forbids: treat as out of range.
            return BerError.IntegerOutOfRange;
        }

        long result = (sbyte)content[0];
        for (var i = 1; i < content.Length; i++)
        {
            result = (result << 8) | content[i];
        }

        value = result;
        return BerError.None;
    }

    /// <summary>
    /// Reads an INTEGER content as an unsigned 64-bit value: 1 to 9 octets, not negative (a ninth
    /// octet is the leading zero that keeps values of 2^63 and above positive).
    /// </summary>
    public static BerError TryReadUInt64(ReadOnlySpan<byte> content, out ulong value)
    {
        value = 0;
        if (content.IsEmpty)
        {
            return BerError.IntegerEmpty;
        }

        if ((content[0] & 0x80) != 0)
        {
            return BerError.IntegerOutOfRange;
        }

        if (content.Length > sizeof(ulong) + 1 || (content.Length == sizeof(ulong) + 1 && content[0] != 0))
        {
            return BerError.IntegerOutOfRange;
        }

        ulong result = 0;
        foreach (var octet in content)
        {
            result = (result << 8) | octet;
        }

        value = result;
        return BerError.None;
    }

    /// <summary>Reads an INTEGER content that must lie in 0..2^32-1 (the INT32U of IEC 61850).</summary>
    public static BerError TryReadUInt32(ReadOnlySpan<byte> content, out uint value)
    {
        value = 0;
        var error = TryReadUInt64(content, out var wide);
        if (error != BerError.None)
        {
            return error;
        }

        if (wide > uint.MaxValue)
        {
            return BerError.IntegerOutOfRange;
        }

        value = (uint)wide;
        return BerError.None;
    }

    /// <summary>Reads a BOOLEAN content: one octet, zero is FALSE and any other value TRUE (X.690 8.2.2).</summary>
    public static BerError TryReadBoolean(ReadOnlySpan<byte> content, out bool value)
    {
        value = false;
        if (content.Length != 1)
        {
            return BerError.BooleanLength;
        }

        value = content[0] != 0;
        return BerError.None;
    }

    /// <summary>
    /// Reads a BIT STRING content: the unused-bits octet (0..7, 0 when there are no data
    /// octets) and the data octets (X.690 8.6.2).
    /// </summary>
    public static BerError TryReadBitString(ReadOnlySpan<byte> content, out int unusedBits, out ReadOnlySpan<byte> bits)
    {
        unusedBits = 0;
        bits = default;
        if (content.IsEmpty || content[0] > 7 || (content.Length == 1 && content[0] != 0))
        {
            return BerError.BitStringUnusedBits;
        }

        unusedBits = content[0];
        bits = content[1..];
        return BerError.None;
    }

    /// <summary>Checks that every octet is a VisibleString character (ISO 646, 0x20..0x7E).</summary>
    public static BerError CheckVisibleString(ReadOnlySpan<byte> content)
        => content.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0 ? BerError.None : BerError.NotVisibleString;

    /// <summary>Checks that the octets are valid UTF-8 (a UTF8String).</summary>
    public static BerError CheckUtf8(ReadOnlySpan<byte> content) => Utf8.IsValid(content) ? BerError.None : BerError.NotUtf8;

    /// <summary>The content octets of the shortest two's complement encoding of <paramref name="value"/>.</summary>
    public static int GetInt64Size(long value)
    {
        var size = 1;
        while (size < sizeof(long) && (value >> ((8 * size) - 1)) is not (0 or -1))
        {
            size++;
        }

        return size;
    }

    /// <summary>The content octets of the shortest encoding of the non-negative <paramref name="value"/> (1 to 9).</summary>
    public static int GetUInt64Size(ulong value)
    {
        var size = 1;
        // A value needs its top bit clear in the first octet: 0x80 takes two octets, 00 80.
        while (size <= sizeof(ulong) && (value >> ((8 * size) - 1)) != 0)
        {
            size++;
        }

        return size;
    }

    /// <summary>Writes the shortest INTEGER content of <paramref name="value"/>; returns the octets written.</summary>
    public static int WriteInt64(Span<byte> destination, long value)
    {
        var size = GetInt64Size(value);
        for (var i = size - 1; i >= 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }

        return size;
    }

    /// <summary>Writes the shortest INTEGER content of the non-negative <paramref name="value"/>; returns the octets written.</summary>
    public static int WriteUInt64(Span<byte> destination, ulong value)
    {
        var size = GetUInt64Size(value);
        for (var i = size - 1; i >= 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }

        return size;
    }
}
