using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// Wraps a gateway's own control payloads (election hellos, link state, a leaf's interest) in
/// GridCast frames from the gateway's source id. One per gateway, shared by its sub-machines, so
/// the sequence numbers of its control frames rise in the order the frames were made.
/// </summary>
internal sealed class ControlFrameEncoder(ulong sourceId)
{
    private ulong _sequence;

    public byte[] Encode(FrameType type, ReadOnlyMemory<byte> group, ReadOnlyMemory<byte> payload)
    {
        var frame = new GridCastFrame
        {
            Type = type,
            Group = group,
            SourceId = sourceId,
            Sequence = ++_sequence,
            Payload = payload,
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }
}
