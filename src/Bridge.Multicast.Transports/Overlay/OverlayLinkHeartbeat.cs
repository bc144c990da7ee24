using System.Buffers.Binary;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>
/// The link heartbeat of docs/wire-format.md §5.1.1: a Heartbeat frame for the reserved group
/// <c>link</c> whose 9-byte payload is a kind (probe or echo) and a probe number. Pure encoding
/// and parsing; the link keeps the send time of each probe itself, so an echo cannot claim a
/// round-trip time the link did not see.
/// </summary>
internal static class OverlayLinkHeartbeat
{
    /// <summary>Payload length: kind (1) and probe number (8).</summary>
    public const int PayloadLength = 9;

    public const byte Probe = 0x01;

    public const byte Echo = 0x02;

    /// <summary>The group name that marks a heartbeat as the link's own, never forwarded.</summary>
    public static ReadOnlySpan<byte> GroupName => "link"u8;

    private static readonly ReadOnlyMemory<byte> Group = "link"u8.ToArray();

    /// <summary>Whether <paramref name="frame"/> is a link heartbeat, to be consumed by the link rather than its owner.</summary>
    public static bool IsLinkHeartbeat(in GridCastFrame frame)
        => frame.Type == FrameType.Heartbeat && frame.Group.Span.SequenceEqual(GroupName);

    /// <summary>Reads kind and probe number; false when the payload is not one of §5.1.1.</summary>
    public static bool TryParse(in GridCastFrame frame, out byte kind, out ulong probe)
    {
        var payload = frame.Payload.Span;
        kind = 0;
        probe = 0;
        if (payload.Length != PayloadLength || frame.IsFragment || payload[0] is not (Probe or Echo))
        {
            return false;
        }

        kind = payload[0];
        probe = BinaryPrimitives.ReadUInt64BigEndian(payload[1..]);
        return true;
    }

    /// <summary>Encodes a complete heartbeat frame.</summary>
    public static byte[] Encode(byte kind, ulong probe, ulong sourceId, long timestampMicroseconds)
    {
        var payload = new byte[PayloadLength];
        payload[0] = kind;
        BinaryPrimitives.WriteUInt64BigEndian(payload.AsSpan(1), probe);
        var frame = new GridCastFrame
        {
            Type = FrameType.Heartbeat,
            ContentType = ContentType.Raw,
            Group = Group,
            SourceId = sourceId,
            Sequence = probe,
            TimestampMicroseconds = timestampMicroseconds,
            Payload = payload,
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }
}
