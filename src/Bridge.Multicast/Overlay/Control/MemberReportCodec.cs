using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Control;

/// <summary>
/// Encodes and decodes the payload of a member report, version 2 (docs/wire-format.md §5.1.2.1).
/// It travels in a whole GridCast frame of type <see cref="FrameType.Membership"/> on the members
/// group; the frame's source id names the member, so the payload carries no id. Version 1 was the
/// gateway hello's layout, which a report no longer shares: a version 1 payload is refused as
/// <see cref="HelloError.UnsupportedVersion"/>. Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+-------------------------------+
/// |  version = 2  | reserved = 0  |   report interval (ms, >= 1)  |
/// +---------------+---------------+-------------------------------+
/// |   hold time (ms, > interval)  |        group count N          |
/// +-------------------------------+-------------------------------+
/// | name length M (1 to 1024)     | group wire name: M bytes UTF-8 ...   (N times)
/// +-------------------------------+-------------------------------+
/// </code>
/// <para>
/// <see cref="TryDecode"/> checks the total size first and the remaining length before every field,
/// and names the first broken one with a <see cref="HelloError"/> (the reasons are the hello's,
/// whose group list this shares); <see cref="Encode"/> refuses what the decoder would reject.
/// </para>
/// </remarks>
public static class MemberReportCodec
{
    /// <summary>Version written and read.</summary>
    public const byte Version = 2;

    /// <summary>Bytes before the group list.</summary>
    public const int FixedHeaderSize = 6;

    /// <summary>The smallest report: the header and a group count of zero (a withdrawal).</summary>
    public const int MinEncodedSize = FixedHeaderSize + 2;

    /// <summary>The largest report accepted: as for a hello.</summary>
    public const int MaxEncodedSize = GatewayHelloCodec.MaxEncodedSize;

    /// <summary>Encodes <paramref name="report"/> into a new array.</summary>
    /// <exception cref="ArgumentException">No receiver could decode the report.</exception>
    public static byte[] Encode(MemberReportPayload report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ControlTimes.Check(report.Interval, nameof(report.Interval));
        ControlTimes.Check(report.HoldTime, nameof(report.HoldTime));
        if (report.HoldTime <= report.Interval)
        {
            throw new ArgumentException($"Hold time {report.HoldTime} must be longer than the report interval {report.Interval}.", nameof(report));
        }

        var size = FixedHeaderSize + GroupListCodec.Measure(report.Groups, "member report", nameof(report));
        if (size > MaxEncodedSize)
        {
            throw new ArgumentException($"The member report would take {size} bytes; at most {MaxEncodedSize}.", nameof(report));
        }

        var bytes = new byte[size];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)report.Interval.TotalMilliseconds);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)report.HoldTime.TotalMilliseconds);
        GroupListCodec.Write(report.Groups, bytes.AsSpan(FixedHeaderSize));
        return bytes;
    }

    /// <summary>Decodes one report that fills <paramref name="input"/> exactly. Never throws: on failure <paramref name="error"/> names the first broken field.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out MemberReportPayload? report, out HelloError error)
    {
        report = null;
        error = Decode(input, ref report);
        return error == HelloError.None;
    }

    private static HelloError Decode(ReadOnlySpan<byte> input, ref MemberReportPayload? report)
    {
        if (input.Length > MaxEncodedSize)
        {
            return HelloError.TooLarge;
        }

        if (input.Length < FixedHeaderSize)
        {
            return HelloError.Truncated;
        }

        if (input[0] != Version)
        {
            return HelloError.UnsupportedVersion;
        }

        if (input[1] != 0)
        {
            return HelloError.UnknownFlags;
        }

        var intervalMs = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        var holdMs = BinaryPrimitives.ReadUInt16BigEndian(input[4..]);
        if (intervalMs == 0)
        {
            return HelloError.ZeroHelloInterval;
        }

        if (holdMs <= intervalMs)
        {
            return HelloError.HoldTimeNotAboveInterval;
        }

        var error = GroupListCodec.Read(input[FixedHeaderSize..], out var groups);
        if (error == HelloError.None)
        {
            report = new MemberReportPayload(TimeSpan.FromMilliseconds(intervalMs), TimeSpan.FromMilliseconds(holdMs), groups);
        }

        return error;
    }
}
