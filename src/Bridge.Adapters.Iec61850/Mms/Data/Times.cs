using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms.Data;

/// <summary>
/// MMS TimeOfDay (binary-time): milliseconds since midnight in 4 octets, then optionally the days
/// since 1984-01-01 in 2 octets (ISO 9506-2 §14.4.2; IEC 61850-8-1 EntryTime).
/// </summary>
public readonly record struct BinaryTime(uint MillisecondsOfDay, ushort? Days)
{
    /// <summary>Day 0 of the 6-octet form.</summary>
    public static readonly DateTimeOffset Epoch = new(1984, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The encoded length: 4 or 6.</summary>
    public int EncodedLength => Days is null ? 4 : 6;

    /// <summary>The instant (the 6-octet form) or the time of day on 1984-01-01 (the 4-octet form).</summary>
    public DateTimeOffset ToDateTimeOffset() => Epoch.AddDays(Days ?? 0).AddMilliseconds(MillisecondsOfDay);

    /// <summary>The 6-octet form of <paramref name="time"/>, truncated to milliseconds.</summary>
    public static BinaryTime FromDateTimeOffset(DateTimeOffset time)
    {
        var since = time.ToUniversalTime() - Epoch;
        if (since < TimeSpan.Zero || since.TotalDays >= ushort.MaxValue + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "binary-time covers 1984-01-01 to 2163");
        }

        return new BinaryTime((uint)(since.Ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerMillisecond), (ushort)since.Days);
    }

    /// <summary>Reads the 4 or 6 content octets.</summary>
    public static bool TryRead(ReadOnlySpan<byte> content, out BinaryTime time)
    {
        time = default;
        if (content.Length is not (4 or 6))
        {
            return false;
        }

        time = new BinaryTime(BinaryPrimitives.ReadUInt32BigEndian(content), content.Length == 6 ? BinaryPrimitives.ReadUInt16BigEndian(content[4..]) : null);
        return true;
    }

    /// <summary>Writes the content octets; returns how many.</summary>
    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, MillisecondsOfDay);
        if (Days is { } days)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[4..], days);
            return 6;
        }

        return 4;
    }

    /// <inheritdoc/>
    public override string ToString() => Days is null
        ? TimeSpan.FromMilliseconds(MillisecondsOfDay).ToString("c", CultureInfo.InvariantCulture)
        : ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// MMS UtcTime (IEC 61850-8-1 §8.1.3.7, TimeStamp): seconds since 1970-01-01 in 4 octets, the
/// fraction of a second in 3 octets (units of 2^-24 s), and the time quality octet.
/// </summary>
/// <param name="Seconds">Seconds since the Unix epoch.</param>
/// <param name="Fraction">The fraction of the second, 24 bits.</param>
/// <param name="Quality">Bit 7 leap seconds known, bit 6 clock failure, bit 5 clock not synchronised, bits 4-0 the number of significant fraction bits (time accuracy).</param>
public readonly record struct UtcTime(uint Seconds, uint Fraction, byte Quality)
{
    /// <summary>The encoded length.</summary>
    public const int EncodedLength = 8;

    /// <summary>The instant, to 100 ns.</summary>
    public DateTimeOffset ToDateTimeOffset()
        => DateTimeOffset.UnixEpoch.AddSeconds(Seconds).AddTicks((long)Fraction * TimeSpan.TicksPerSecond >> 24);

    /// <summary><paramref name="time"/> with <paramref name="quality"/> (0x0A: 10 significant fraction bits, about 1 ms).</summary>
    public static UtcTime FromDateTimeOffset(DateTimeOffset time, byte quality = 0x0A)
    {
        var since = time.ToUniversalTime() - DateTimeOffset.UnixEpoch;
        if (since < TimeSpan.Zero || since.TotalSeconds >= uint.MaxValue + 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "utc-time covers 1970 to 2106");
        }

        var seconds = (uint)(since.Ticks / TimeSpan.TicksPerSecond);
        var fraction = (uint)(((since.Ticks % TimeSpan.TicksPerSecond) << 24) / TimeSpan.TicksPerSecond);
        return new UtcTime(seconds, fraction, quality);
    }

    /// <summary>Reads the 8 content octets.</summary>
    public static bool TryRead(ReadOnlySpan<byte> content, out UtcTime time)
    {
        time = default;
        if (content.Length != EncodedLength)
        {
            return false;
        }

        time = new UtcTime(BinaryPrimitives.ReadUInt32BigEndian(content), (uint)((content[4] << 16) | (content[5] << 8) | content[6]), content[7]);
        return true;
    }

    /// <summary>Writes the 8 content octets.</summary>
    public void Write(Span<byte> destination)
    {
        if (Fraction > 0xFFFFFF)
        {
            throw new InvalidOperationException("the fraction has 24 bits");
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Seconds);
        destination[4] = (byte)(Fraction >> 16);
        destination[5] = (byte)(Fraction >> 8);
        destination[6] = (byte)Fraction;
        destination[7] = Quality;
    }

    /// <inheritdoc/>
    public override string ToString()
        => ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)
           + string.Create(CultureInfo.InvariantCulture, $" q=0x{Quality:X2}");
}
