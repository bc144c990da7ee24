using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// A read-only view of 16-bit register values as the wire carries them: two bytes each,
/// big-endian (§4.2). Indexing reads them in place; nothing is copied.
/// </summary>
public readonly struct RegisterValues : IEquatable<RegisterValues>
{
    /// <summary>A view of <paramref name="bytes"/>, whose length must be even.</summary>
    public RegisterValues(ReadOnlyMemory<byte> bytes)
    {
        if ((bytes.Length & 1) != 0)
        {
            throw new ArgumentException($"registers take two bytes each; {bytes.Length} bytes is odd", nameof(bytes));
        }

        Bytes = bytes;
    }

    /// <summary>The big-endian bytes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>How many registers there are.</summary>
    public int Count => Bytes.Length >> 1;

    /// <summary>The register at <paramref name="index"/>.</summary>
    public ushort this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return BinaryPrimitives.ReadUInt16BigEndian(Bytes.Span[(index << 1)..]);
        }
    }

    /// <summary>Writes <paramref name="values"/> big-endian into a new array.</summary>
    public static byte[] Pack(ReadOnlySpan<ushort> values)
    {
        var bytes = new byte[values.Length << 1];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i << 1), values[i]);
        }

        return bytes;
    }

    /// <summary>The values in a new array.</summary>
    public ushort[] ToArray()
    {
        var values = new ushort[Count];
        CopyTo(values);
        return values;
    }

    /// <summary>Writes the values to the start of <paramref name="destination"/>.</summary>
    public void CopyTo(Span<ushort> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Count, nameof(destination));
        var bytes = Bytes.Span;
        for (var i = 0; i < Count; i++)
        {
            destination[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i << 1)..]);
        }
    }

    /// <inheritdoc/>
    public bool Equals(RegisterValues other) => Bytes.Span.SequenceEqual(other.Bytes.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RegisterValues other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Count, Count > 0 ? this[0] : 0);

    /// <inheritdoc/>
    public override string ToString() => string.Join(' ', ToArray().Select(static v => v.ToString(CultureInfo.InvariantCulture)));

    public static bool operator ==(RegisterValues left, RegisterValues right) => left.Equals(right);

    public static bool operator !=(RegisterValues left, RegisterValues right) => !left.Equals(right);
}
