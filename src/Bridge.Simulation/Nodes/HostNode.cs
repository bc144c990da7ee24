using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// A host on a simulated domain: it publishes Data frames to the domain and records every Data
/// frame it receives by (source, sequence), so tests can count deliveries of each message.
/// </summary>
public sealed class HostNode(DomainId domain, ulong sourceId) : ISimulatedNode
{
    private readonly Queue<byte[]> _outgoing = new();
    private readonly Dictionary<(ulong Source, ulong Sequence), int> _received = [];
    private readonly List<(TimeSpan At, ulong Source, ulong Sequence)> _deliveries = [];

    public DomainId Domain { get; } = domain;

    public ulong SourceId { get; } = sourceId;

    /// <summary>Called at each delivery of a message this host had received already.</summary>
    public Action? DuplicateSeen { get; init; }

    /// <summary>Deliveries of a message this host had received already.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Every Data frame received, in order.</summary>
    public IReadOnlyList<(TimeSpan At, ulong Source, ulong Sequence)> Deliveries => _deliveries;

    /// <summary>How often the message (<paramref name="source"/>, <paramref name="sequence"/>) arrived.</summary>
    public int TimesReceived(ulong source, ulong sequence) => _received.GetValueOrDefault((source, sequence));

    /// <summary>A Data frame of <paramref name="group"/> from this host, encoded.</summary>
    public byte[] Frame(GroupName group, ulong sequence, TimeSpan now)
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.Raw,
            Group = System.Text.Encoding.UTF8.GetBytes(group.WireName),
            SourceId = SourceId,
            Sequence = sequence,
            TimestampMicroseconds = (long)now.TotalMicroseconds,
            Payload = BitConverter.GetBytes(sequence),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }

    /// <summary>Sends message <paramref name="sequence"/> of <paramref name="group"/> to the domain; give it through <see cref="Simulator.Invoke"/>.</summary>
    public void Publish(TimeSpan now, GroupName group, ulong sequence) => _outgoing.Enqueue(Frame(group, sequence, now));

    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out _) || frame.Type != FrameType.Data)
        {
            return; // the gateways' election hellos, mostly
        }

        var key = (frame.SourceId, frame.Sequence);
        var times = _received.GetValueOrDefault(key) + 1;
        _received[key] = times;
        if (times > 1)
        {
            Duplicates++;
            DuplicateSeen?.Invoke();
        }

        _deliveries.Add((now, frame.SourceId, frame.Sequence));
    }

    public void HandleTimeout(TimeSpan now)
    {
    }

    public bool TryPollTransmit(out SimTransmit transmit)
    {
        if (_outgoing.TryDequeue(out var bytes))
        {
            transmit = SimTransmit.ToDomain(Domain, bytes);
            return true;
        }

        transmit = default;
        return false;
    }

    public TimeSpan? PollTimeout() => null;
}
