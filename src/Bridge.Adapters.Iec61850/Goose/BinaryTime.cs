using System.Buffers.Binary;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// MMS TimeOfDay, the binary-time of GOOSE data (ISO 9506-2, IEC 61850-8-1 §8.1.3.6): 4 octets
/// of milliseconds since midnight, optionally followed by 2 octets of days since 1984-01-01.
/// </summary>
/// <param name="Milliseconds">Milliseconds since midnight (the first 4 octets; values above a day are kept as sent).</param>
/// <param name="Days">Days since 1984-01-01, or null for the 4-octet form (time of day only).</param>
public readonly record struct BinaryTime(uint Milliseconds, ushort? Days)
{
    /// <summary>The epoch of the day count.</summary>
    public static readonly DateTime Epoch = new(1984, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The encoded size: 6 with the date, 4 without.</summary>
    public int Size => Days is null ? 4 : 6;

    /// <summary>The 6-octet binary-time of <paramref name="time"/>, truncated to milliseconds.</summary>
    public static BinaryTime FromDateTimeOffset(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var days = (utc.Date - Epoch).Days;
        if (days is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "a binary-time holds 1984-01-01 to 2163-06-06 only");
        }

        return new BinaryTime((uint)(utc.TimeOfDay.Ticks / TimeSpan.TicksPerMillisecond), (ushort)days);
    }

    /// <summary>The date and time, when the days are present.</summary>
    public DateTimeOffset? ToDateTimeOffset()
        => Days is { } days ? new DateTimeOffset(Epoch.AddDays(days).AddMilliseconds(Milliseconds), TimeSpan.Zero) : null;

    /// <summary>Reads 4 or 6 content octets.</summary>
    public static BinaryTime Read(ReadOnlySpan<byte> content)
        => new(BinaryPrimitives.ReadUInt32BigEndian(content), content.Length == 6 ? BinaryPrimitives.ReadUInt16BigEndian(content[4..]) : null);

    /// <summary>Writes the <see cref="Size"/> content octets.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Milliseconds);
        if (Days is { } days)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[4..], days);
        }
    }
}
