using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms.Transport;

/// <summary>What <see cref="Tpkt.TryReadFrame"/> found at the start of a stream buffer.</summary>
public enum FrameStatus
{
    /// <summary>The buffer ends inside the header or the frame: read more.</summary>
    NeedMoreData,

    /// <summary>A whole frame.</summary>
    Frame,

    /// <summary>A header no TPKT sender writes: the stream cannot be resynchronised.</summary>
    Malformed,
}

/// <summary>
/// RFC 1006 TPKT, the framing of ISO transport over TCP (port 102). Pure functions over buffers.
/// </summary>
/// <remarks>
/// <code>
///  0          1          2          3
/// +----------+----------+----------+----------+
/// | vrsn = 3 | reserved |  packet length      |  length counts the header: 7 to 65535
/// +----------+----------+----------+----------+
/// | TPDU (ISO 8073), packet length - 4 octets ...
/// </code>
/// The smallest frame holds a 3-octet class 0 DT TPDU (RFC 1006 §6).
/// </remarks>
public static class Tpkt
{
    /// <summary>The header size.</summary>
    public const int HeaderSize = 4;

    /// <summary>The TPKT version, the only one defined.</summary>
    public const byte Version = 3;

    /// <summary>The smallest frame: a header and a 3-octet TPDU.</summary>
    public const int MinFrameSize = 7;

    /// <summary>The largest frame the 16-bit length allows.</summary>
    public const int MaxFrameSize = ushort.MaxValue;

    /// <summary>
    /// Reads the frame length from a 4-octet header; false with the reason when the version is
    /// not 3 or the length is below 7.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out int frameLength, out DecodeFailure failure)
    {
        frameLength = 0;
        failure = default;
        if (header.Length < HeaderSize)
        {
            failure = new DecodeFailure(StackLayer.Tpkt, DecodeError.Truncated, header.Length, "a TPKT header has 4 octets");
            return false;
        }

        if (header[0] != Version)
        {
            failure = new DecodeFailure(StackLayer.Tpkt, DecodeError.BadTpktHeader, 0, string.Create(CultureInfo.InvariantCulture, $"version {header[0]}, expected 3"));
            return false;
        }

        frameLength = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (frameLength < MinFrameSize)
        {
            failure = new DecodeFailure(StackLayer.Tpkt, DecodeError.BadTpktHeader, 2, string.Create(CultureInfo.InvariantCulture, $"packet length {frameLength}, at least 7"));
            return false;
        }

        return true;
    }

    /// <summary>
    /// Takes one frame from the start of <paramref name="buffer"/>: on <see cref="FrameStatus.Frame"/>
    /// <paramref name="tpdu"/> is the TPDU (the frame without its header) and
    /// <paramref name="buffer"/> is advanced past the frame. The header is checked before the frame
    /// is waited for, so a bad header fails at once instead of after 64 KiB.
    /// </summary>
    public static FrameStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> tpdu, out DecodeFailure failure)
    {
        tpdu = default;
        failure = default;
        if (buffer.Length < HeaderSize)
        {
            return FrameStatus.NeedMoreData;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (!TryReadHeader(header, out var frameLength, out failure))
        {
            return FrameStatus.Malformed;
        }

        if (buffer.Length < frameLength)
        {
            return FrameStatus.NeedMoreData;
        }

        tpdu = buffer.Slice(HeaderSize, frameLength - HeaderSize);
        buffer = buffer.Slice(frameLength);
        return FrameStatus.Frame;
    }

    /// <summary>Writes a header for a frame of <paramref name="frameLength"/> octets (header included).</summary>
    public static void WriteHeader(Span<byte> destination, int frameLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameLength, MinFrameSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frameLength, MaxFrameSize);
        destination[0] = Version;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)frameLength);
    }
}
