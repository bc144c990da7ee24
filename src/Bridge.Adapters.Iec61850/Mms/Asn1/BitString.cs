using System.Text;

namespace Bridge.Adapters.Iec61850.Mms.Asn1;

/// <summary>
/// A BIT STRING: <see cref="Length"/> bits, bit 0 the most significant bit of the first byte
/// (X.690 §8.6). IEC 61850 names its bits by these numbers (TrgOps bit 1 is data-change).
/// </summary>
/// <remarks>
/// The bytes are kept as they were received, padding bits included, so that a decoded string
/// encodes to the same octets; strings made here have zero padding.
/// </remarks>
public sealed class BitString : IEquatable<BitString>
{
    private readonly byte[] _bytes;

    /// <summary>A string of <paramref name="length"/> bits held in <paramref name="bytes"/> (exactly ceil(length / 8) bytes).</summary>
    public BitString(int length, ReadOnlySpan<byte> bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (bytes.Length != (length + 7) / 8)
        {
            throw new ArgumentException($"{length} bits take {(length + 7) / 8} bytes, not {bytes.Length}", nameof(bytes));
        }

        Length = length;
        _bytes = bytes.ToArray();
    }

    /// <summary>The number of bits.</summary>
    public int Length { get; }

    /// <summary>The padding bits at the end of the last byte (0 to 7).</summary>
    public int UnusedBits => (_bytes.Length * 8) - Length;

    /// <summary>The octets, padding included.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Bit <paramref name="index"/> (0 is the first, most significant).</summary>
    public bool this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
            return (_bytes[index / 8] & (0x80 >> (index % 8))) != 0;
        }
    }

    /// <summary>A string of <paramref name="length"/> bits with the bits of <paramref name="setBits"/> set.</summary>
    public static BitString FromBits(int length, params IEnumerable<int> setBits)
    {
        ArgumentNullException.ThrowIfNull(setBits);
        var bytes = new byte[(length + 7) / 8];
        foreach (var bit in setBits)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(bit);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bit, length);
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return new BitString(length, bytes);
    }

    /// <summary>
    /// A string of <paramref name="length"/> bits (at most 32) whose bit <c>i</c> is bit <c>i</c>
    /// of <paramref name="flags"/> (bit 0 the least significant): how flag enums map to IEC 61850 bit strings.
    /// </summary>
    public static BitString FromFlags(uint flags, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 32);
        return FromBits(length, Enumerable.Range(0, length).Where(i => (flags & (1u << i)) != 0));
    }

    /// <summary>The inverse of <see cref="FromFlags"/>: bit <c>i</c> (of the first 32) becomes bit <c>i</c> of the result.</summary>
    public uint ToFlags()
    {
        uint flags = 0;
        for (var i = 0; i < Math.Min(Length, 32); i++)
        {
            if (this[i])
            {
                flags |= 1u << i;
            }
        }

        return flags;
    }

    /// <summary>The indexes of the set bits.</summary>
    public IEnumerable<int> SetBits()
    {
        for (var i = 0; i < Length; i++)
        {
            if (this[i])
            {
                yield return i;
            }
        }
    }

    /// <summary>How many bits are set.</summary>
    public int CountSetBits() => SetBits().Count();

    /// <inheritdoc/>
    public bool Equals(BitString? other) => other is not null && other.Length == Length && other._bytes.AsSpan().SequenceEqual(_bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as BitString);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Length);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>The bits as 0 and 1 characters, bit 0 first.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Length);
        for (var i = 0; i < Length; i++)
        {
            text.Append(this[i] ? '1' : '0');
        }

        return text.ToString();
    }
}
