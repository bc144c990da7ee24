using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// Puts a <see cref="LinkStateFlooding"/> on a <see cref="Simulator"/>: its transmits travel over
/// the point-to-point link to the neighbour's node, as a driver sends them on the overlay link.
/// Counts what it sends per neighbour, so tests can bound the messages per link.
/// </summary>
public sealed class FloodingNode(LinkStateFlooding flooding, GatewayDirectory network) : ISimulatedNode
{
    private readonly Dictionary<GatewayId, long> _sentTo = [];

    public LinkStateFlooding Flooding { get; } = flooding;

    public GatewayId Id => Flooding.Self;

    /// <summary>Messages handed over per neighbour since the start.</summary>
    public IReadOnlyDictionary<GatewayId, long> SentTo => _sentTo;

    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        Flooding.HandleMessage(now, network.GatewayOf(from), datagram.Span);
        Drain();
    }

    public void HandleTimeout(TimeSpan now)
    {
        Flooding.HandleTimeout(now);
        Drain();
    }

    public bool TryPollTransmit(out SimTransmit transmit)
    {
        Drain();
        if (!Flooding.TryPollTransmit(out var next))
        {
            transmit = default;
            return false;
        }

        _sentTo[next.To] = _sentTo.GetValueOrDefault(next.To) + 1;
        transmit = SimTransmit.ToNode(network.NodeOf(next.To), next.Bytes);
        return true;
    }

    public TimeSpan? PollTimeout() => Flooding.PollTimeout();

    private void Drain()
    {
        while (Flooding.TryPollEvent(out _))
        {
        }
    }
}
