namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>
/// BER length octets, definite form only (X.690 8.1.3): short form <c>0..127</c> in one octet,
/// long form <c>0x80|n</c> followed by n big-endian octets (n from 1 to 4 here). The indefinite
/// form (0x80) is refused; writers always use the shortest form, readers accept longer ones
/// (BER allows them: some devices write fixed-width lengths).
/// </summary>
public static class BerLength
{
    /// <summary>The most length octets after the first accepted: lengths stay below 2^31.</summary>
    public const int MaxLongFormOctets = 4;

    /// <summary>The octets the shortest encoding of <paramref name="length"/> takes.</summary>
    public static int GetEncodedSize(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return length switch
        {
            < 0x80 => 1,
            <= 0xFF => 2,
            <= 0xFFFF => 3,
            <= 0xFF_FFFF => 4,
            _ => 5,
        };
    }

    /// <summary>
    /// Reads length octets from the start of <paramref name="input"/>; returns <see cref="BerError.None"/>
    /// with the length and the octets it took, or why they are not a definite length below 2^31.
    /// </summary>
    public static BerError TryRead(ReadOnlySpan<byte> input, out int length, out int consumed)
    {
        length = 0;
        consumed = 0;
        if (input.IsEmpty)
        {
            return BerError.Truncated;
        }

        var first = input[0];
        if (first < 0x80)
        {
            length = first;
            consumed = 1;
            return BerError.None;
        }

        if (first == 0x80)
        {
            return BerError.IndefiniteLength;
        }

        var count = first & 0x7F;
        if (count > MaxLongFormOctets)
        {
            return BerError.LengthOfLengthTooLarge; // includes the reserved 0xFF
        }

        if (input.Length < 1 + count)
        {
            return BerError.Truncated;
        }

        uint value = 0;
        for (var i = 1; i <= count; i++)
        {
            value = (value << 8) | input[i];
        }

        if (value > int.MaxValue)
        {
            return BerError.LengthTooLarge;
        }

        length = (int)value;
        consumed = 1 + count;
        return BerError.None;
    }

    /// <summary>Writes the shortest encoding of <paramref name="length"/>; returns the octets written.</summary>
    public static int Write(Span<byte> destination, int length)
    {
        var size = GetEncodedSize(length);
        if (size == 1)
        {
            destination[0] = (byte)length;
            return 1;
        }

        destination[0] = (byte)(0x80 | (size - 1));
        for (var i = size - 1; i >= 1; i--)
        {
            destination[i] = (byte)length;
            length >>= 8;
        }

        return size;
    }
}
