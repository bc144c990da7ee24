using System.Buffers.Binary;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// The UtcTime of IEC 61850-8-1 (§8.1.3.7): 8 octets, kept exactly as sent so that a decoded
/// time re-encodes to the same bytes.
/// <code>
/// | seconds since 1970-01-01 UTC (4) | fraction of a second, /2^24 (3) | time quality (1) |
/// time quality: bit 7 leap seconds known, 6 clock failure, 5 clock not synchronized,
///               4..0 time accuracy (number of significant fraction bits; 31 unspecified)
/// </code>
/// </summary>
/// <param name="Seconds">Whole seconds since the Unix epoch.</param>
/// <param name="Fraction">The fraction of the second in units of 2^-24 s (24 bits).</param>
/// <param name="Quality">The time-quality octet.</param>
public readonly record struct UtcTime(uint Seconds, uint Fraction, byte Quality)
{
    /// <summary>The encoded size.</summary>
    public const int Size = 8;

    /// <summary>Leap seconds known (bit 7 of the quality octet).</summary>
    public const byte LeapSecondsKnown = 0x80;

    /// <summary>Clock failure (bit 6).</summary>
    public const byte ClockFailure = 0x40;

    /// <summary>Clock not synchronized (bit 5).</summary>
    public const byte ClockNotSynchronized = 0x20;

    private const double FractionUnit = 1 << 24;

    /// <summary>The time quality's accuracy field: significant bits of the fraction (0..24; 31 unspecified).</summary>
    public int TimeAccuracy => Quality & 0x1F;

    /// <summary>
    /// The UtcTime for <paramref name="time"/> (truncated to the 2^-24 s grid) with quality
    /// octet <paramref name="quality"/>; times outside 1970..2106 are refused.
    /// </summary>
    public static UtcTime FromDateTimeOffset(DateTimeOffset time, byte quality)
    {
        var sinceEpoch = time.UtcDateTime - DateTime.UnixEpoch;
        if (sinceEpoch < TimeSpan.Zero || sinceEpoch.TotalSeconds >= uint.MaxValue + 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "a UtcTime holds 1970-01-01 to 2106-02-07 only");
        }

        var seconds = (uint)(sinceEpoch.Ticks / TimeSpan.TicksPerSecond);
        var ticks = sinceEpoch.Ticks % TimeSpan.TicksPerSecond;
        var fraction = (uint)(ticks * (1L << 24) / TimeSpan.TicksPerSecond);
        return new UtcTime(seconds, fraction, quality);
    }

    /// <summary>The time as a <see cref="DateTimeOffset"/> in UTC (rounded to 100 ns ticks).</summary>
    public DateTimeOffset ToDateTimeOffset()
        => new(DateTime.UnixEpoch.AddTicks((Seconds * TimeSpan.TicksPerSecond) + (long)Math.Round(Fraction / FractionUnit * TimeSpan.TicksPerSecond)), TimeSpan.Zero);

    /// <summary>Reads the 8 content octets of a UtcTime.</summary>
    public static UtcTime Read(ReadOnlySpan<byte> content)
        => new(BinaryPrimitives.ReadUInt32BigEndian(content), (uint)((content[4] << 16) | (content[5] << 8) | content[6]), content[7]);

    /// <summary>Writes the 8 content octets.</summary>
    public void Write(Span<byte> destination)
    {
        if (Fraction > 0xFF_FFFF)
        {
            throw new InvalidOperationException($"the fraction {Fraction} does not fit 24 bits");
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Seconds);
        destination[4] = (byte)(Fraction >> 16);
        destination[5] = (byte)(Fraction >> 8);
        destination[6] = (byte)Fraction;
        destination[7] = Quality;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ToDateTimeOffset():yyyy-MM-dd HH:mm:ss.fffffff}Z q=0x{Quality:x2}";
}
