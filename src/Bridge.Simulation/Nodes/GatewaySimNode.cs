using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// Puts an <see cref="OverlayGateway"/> on a <see cref="Simulator"/> as its driver would run it:
/// overlay frames travel over the point-to-point link to the peer's node, domain frames to every
/// other member of the gateway's domain. Counts the relay copies it hands to overlay links (the
/// simulated TCP's own retransmissions are not copies) and keeps the gateway's events.
/// </summary>
/// <remarks>
/// A real driver has one socket per overlay link and one per domain interface. The simulator
/// hands every datagram to the same call, so overlay datagrams carry a leading
/// <see cref="OverlayChannel"/> byte, which no GridCast frame starts with (its magic is 0x47).
/// </remarks>
public sealed class GatewaySimNode(OverlayGateway gateway, DomainId domain, GatewayDirectory directory) : ISimulatedNode
{
    public const byte OverlayChannel = 0;

    /// <summary>Overlay frames are TLS records in production; their limit leaves room for a relay of a maximum-size frame.</summary>
    public const int OverlayMaxFrameSize = FrameCodec.DefaultMaxFrameSize + RelayCodec.MaxOverhead;

    private readonly List<(TimeSpan At, GatewayEvent Event)> _events = [];
    private TimeSpan _now;

    public OverlayGateway Gateway { get; private set; } = gateway;

    public GatewayId Id => Gateway.Id;

    public DomainId Domain { get; } = domain;

    /// <summary>Relay frames handed to overlay links.</summary>
    public long RelayCopiesSent { get; private set; }

    /// <summary>Overlay datagrams that did not decode as one frame (a driver would close the link).</summary>
    public long UndecodableOverlayFrames { get; private set; }

    public IReadOnlyList<(TimeSpan At, GatewayEvent Event)> Events => _events;

    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        _now = now;
        if (!datagram.IsEmpty && datagram.Span[0] == OverlayChannel)
        {
            if (!FrameCodec.TryDecodeDatagram(datagram[1..], out var frame, out _, OverlayMaxFrameSize))
            {
                UndecodableOverlayFrames++;
                return;
            }

            Gateway.HandlePeerFrame(now, directory.GatewayOf(from), frame);
        }
        else
        {
            Gateway.HandleNativeDatagram(now, datagram);
        }

        CollectEvents();
    }

    public void HandleTimeout(TimeSpan now)
    {
        _now = now;
        Gateway.HandleTimeout(now);
        CollectEvents();
    }

    public bool TryPollTransmit(out SimTransmit transmit)
    {
        CollectEvents();
        if (!Gateway.TryPollTransmit(out var next))
        {
            transmit = default;
            return false;
        }

        if (next.Peer is { } peer)
        {
            if (next.Frame.Span[3] == (byte)FrameType.Relay)
            {
                RelayCopiesSent++;
            }

            var bytes = new byte[next.Frame.Length + 1];
            bytes[0] = OverlayChannel;
            next.Frame.Span.CopyTo(bytes.AsSpan(1));
            transmit = SimTransmit.ToNode(directory.NodeOf(peer), bytes);
        }
        else
        {
            transmit = SimTransmit.ToDomain(Domain, next.Frame);
        }

        return true;
    }

    public TimeSpan? PollTimeout() => Gateway.PollTimeout();

    /// <summary>The gateway's process starts again: a fresh state machine with no state, as a restarted driver builds it.</summary>
    public void Restart(OverlayGateway fresh)
    {
        CollectEvents();
        Gateway = fresh;
    }

    private void CollectEvents()
    {
        while (Gateway.TryPollEvent(out var e))
        {
            _events.Add((_now, e));
        }
    }
}
