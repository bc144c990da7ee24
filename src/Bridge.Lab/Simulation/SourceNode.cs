using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Simulation;

namespace Bridge.Lab.Simulation;

/// <summary>
/// The lab's head-end: a host on a domain that publishes Data frames of one group with a payload
/// of a given size, the sequence number in its first eight bytes. It receives nothing it needs.
/// </summary>
public sealed class SourceNode(DomainId domain, ulong sourceId, GroupName group, int payloadBytes) : ISimulatedNode
{
    private readonly Queue<byte[]> _outgoing = new();

    /// <summary>The source id of its frames.</summary>
    public ulong SourceId { get; } = sourceId;

    /// <summary>Frames published so far.</summary>
    public int Published { get; private set; }

    /// <summary>Size of one encoded frame, as it crosses an access link.</summary>
    public int FrameBytes => FrameCodec.GetEncodedSize(System.Text.Encoding.UTF8.GetByteCount(group.WireName), Math.Max(payloadBytes, sizeof(ulong)));

    /// <summary>Publishes message <paramref name="sequence"/>; give it through <see cref="Simulator.Invoke"/> or a scheduled command.</summary>
    public void Publish(TimeSpan now, ulong sequence)
    {
        var payload = new byte[Math.Max(payloadBytes, sizeof(ulong))];
        BitConverter.TryWriteBytes(payload, sequence);
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.Raw,
            Group = System.Text.Encoding.UTF8.GetBytes(group.WireName),
            SourceId = SourceId,
            Sequence = sequence,
            TimestampMicroseconds = (long)now.TotalMicroseconds,
            Payload = payload,
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        _outgoing.Enqueue(bytes);
        Published++;
    }

    /// <inheritdoc/>
    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
    }

    /// <inheritdoc/>
    public void HandleTimeout(TimeSpan now)
    {
    }

    /// <inheritdoc/>
    public bool TryPollTransmit(out SimTransmit transmit)
    {
        if (_outgoing.TryDequeue(out var bytes))
        {
            transmit = SimTransmit.ToDomain(domain, bytes);
            return true;
        }

        transmit = default;
        return false;
    }

    /// <inheritdoc/>
    public TimeSpan? PollTimeout() => null;
}
