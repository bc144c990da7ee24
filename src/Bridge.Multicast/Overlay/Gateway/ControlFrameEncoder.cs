using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// Wraps a gateway's own control payloads (election hellos, link state, a leaf's interest,
/// partial aggregates) in GridCast frames from the gateway's source id. One per gateway, shared by
/// its sub-machines, so the sequence numbers of its control frames rise in the order the frames
/// were made. A frame for the domain is tagged with the domain key and one for a peer with the
/// overlay key, when the gateway has them (docs/security.md, "Control plane"); without a key it
/// goes untagged with timestamp 0, as before keys existed.
/// </summary>
internal sealed class ControlFrameEncoder(ulong sourceId, ControlFrameAuthenticator? domain = null, ControlFrameAuthenticator? overlay = null)
{
    private ulong _sequence;

    /// <summary>A frame sent on the domain, tagged with the domain key when there is one.</summary>
    public byte[] EncodeForDomain(FrameType type, ReadOnlyMemory<byte> group, ReadOnlyMemory<byte> payload) => Encode(domain, type, group, payload);

    /// <summary>A frame sent to an overlay peer, tagged with the overlay key when there is one.</summary>
    public byte[] EncodeForPeer(FrameType type, ReadOnlyMemory<byte> group, ReadOnlyMemory<byte> payload) => Encode(overlay, type, group, payload);

    private byte[] Encode(ControlFrameAuthenticator? authenticator, FrameType type, ReadOnlyMemory<byte> group, ReadOnlyMemory<byte> payload)
    {
        var frame = new GridCastFrame
        {
            Type = type,
            Group = group,
            SourceId = sourceId,
            Sequence = ++_sequence,
            Payload = payload,
        };
        if (authenticator is not null)
        {
            // The timestamp is what lets a receiver refuse an old frame played back (the replay window).
            return authenticator.Seal(frame with { TimestampMicroseconds = authenticator.NowMicroseconds() });
        }

        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }
}
