using System.Buffers.Binary;
using System.Diagnostics;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks.Gateway;

/// <summary>
/// Data frames of <see cref="GatewayChain.Group"/> from one source with consecutive sequence
/// numbers; the first 8 payload bytes hold <see cref="Stopwatch.GetTimestamp"/> at encoding, so a
/// receiver in the same process reads the frame's age from it.
/// </summary>
internal sealed class FrameSource(int payloadSize)
{
    private static readonly byte[] GroupBytes = System.Text.Encoding.UTF8.GetBytes(GatewayChain.Group.WireName);

    private readonly byte[] _payload = new byte[Math.Max(payloadSize, 8)];
    private ulong _sequence;

    /// <summary>The sequence number of the last frame made.</summary>
    public ulong Sequence => _sequence;

    /// <summary>A new frame, stamped now.</summary>
    public byte[] Next()
    {
        BinaryPrimitives.WriteInt64LittleEndian(_payload, Stopwatch.GetTimestamp());
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.Raw,
            Group = GroupBytes,
            SourceId = 0x5EED_0000_0000_0001,
            Sequence = ++_sequence,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = _payload,
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }

    /// <summary>The stamp <see cref="Next"/> wrote into a received frame, or null when it is not one of ours.</summary>
    public static long? StampOf(ReadOnlyMemory<byte> datagram)
    {
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out _) || frame.Payload.Length < 8)
        {
            return null;
        }

        return BinaryPrimitives.ReadInt64LittleEndian(frame.Payload.Span);
    }

    /// <summary>The sequence number of a received frame, or null when it does not decode.</summary>
    public static ulong? SequenceOf(ReadOnlyMemory<byte> datagram)
        => FrameCodec.TryDecodeDatagram(datagram, out var frame, out _) ? frame.Sequence : null;
}
