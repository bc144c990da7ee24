namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// A read-only view of coil or discrete-input values as the wire packs them (§6.1, §6.11): the
/// first value in the lowest bit of the first byte, eight to a byte, the unused high bits of the
/// last byte zero. Indexing reads the bits in place; nothing is copied.
/// </summary>
public readonly struct CoilValues : IEquatable<CoilValues>
{
    /// <summary>A view of the first <paramref name="count"/> bits of <paramref name="packed"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="packed"/> is shorter than <paramref name="count"/> bits need.</exception>
    public CoilValues(ReadOnlyMemory<byte> packed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (packed.Length < PackedLength(count))
        {
            throw new ArgumentException($"{count} coils need {PackedLength(count)} bytes, there are {packed.Length}", nameof(packed));
        }

        Packed = packed;
        Count = count;
    }

    /// <summary>The packed bytes (at least <c>ceil(Count / 8)</c> of them).</summary>
    public ReadOnlyMemory<byte> Packed { get; }

    /// <summary>How many values there are.</summary>
    public int Count { get; }

    /// <summary>The value at <paramref name="index"/>.</summary>
    public bool this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return (Packed.Span[index >> 3] & (1 << (index & 7))) != 0;
        }
    }

    /// <summary>Bytes that hold <paramref name="count"/> packed bits.</summary>
    public static int PackedLength(int count) => (count + 7) >> 3;

    /// <summary>Packs <paramref name="values"/> into a new array, unused bits zero.</summary>
    public static byte[] Pack(ReadOnlySpan<bool> values)
    {
        var packed = new byte[PackedLength(values.Length)];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i])
            {
                packed[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        return packed;
    }

    /// <summary>The values, one bool each, in a new array.</summary>
    public bool[] ToArray()
    {
        var values = new bool[Count];
        CopyTo(values);
        return values;
    }

    /// <summary>Writes the values to the start of <paramref name="destination"/>.</summary>
    public void CopyTo(Span<bool> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Count, nameof(destination));
        var packed = Packed.Span;
        for (var i = 0; i < Count; i++)
        {
            destination[i] = (packed[i >> 3] & (1 << (i & 7))) != 0;
        }
    }

    /// <summary>True when both hold the same values (padding bits are not compared).</summary>
    public bool Equals(CoilValues other)
    {
        if (Count != other.Count)
        {
            return false;
        }

        for (var i = 0; i < Count; i++)
        {
            if (this[i] != other[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CoilValues other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Count, Count > 0 ? Packed.Span[0] & (Count >= 8 ? 0xFF : (1 << Count) - 1) : 0);

    /// <inheritdoc/>
    public override string ToString() => string.Concat(ToArray().Select(static v => v ? '1' : '0'));

    public static bool operator ==(CoilValues left, CoilValues right) => left.Equals(right);

    public static bool operator !=(CoilValues left, CoilValues right) => !left.Equals(right);
}
