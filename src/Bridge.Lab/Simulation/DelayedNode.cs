using Bridge.Simulation;

namespace Bridge.Lab.Simulation;

/// <summary>
/// Wraps a simulated node so that what it receives arrives <see cref="Ingress"/> later and what it
/// sends leaves <see cref="Egress"/> later, and shows every datagram it sends to an observer.
/// </summary>
/// <remarks>
/// <para>The simulator gives a multicast domain one delay for every pair of members, but a site's
/// native multicast runs through the site's backbone router: a home's copy crosses the sender's
/// access link up and the receiver's down, while the provider gateway sits at the router itself.
/// With the domain's own delay at zero, a host wrapped with its access delay both ways gets
/// exactly that: home to home two access links, home to gateway one. A gateway wrapped with an
/// egress delay spends its per-hop processing time on every frame it sends.</para>
/// <para>Held datagrams wait in first-in first-out queues (the delays are constant, so the order
/// is kept) and are released by the node's own timer, which is the earlier of the inner node's
/// timeout and the next release. The observer sees a transmit when the inner node hands it over,
/// which is when the measured transmission starts.</para>
/// </remarks>
public sealed class DelayedNode : ISimulatedNode
{
    private readonly Func<TimeSpan> _clock;
    private readonly Action<SimTransmit>? _observer;
    private readonly Queue<(TimeSpan At, NodeId From, ReadOnlyMemory<byte> Datagram)> _inbound = new();
    private readonly Queue<(TimeSpan At, SimTransmit Transmit)> _outbound = new();

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="clock"/> is the simulator's virtual time (<see cref="Simulator.Now"/>).</summary>
    public DelayedNode(ISimulatedNode inner, Func<TimeSpan> clock, TimeSpan egress, TimeSpan ingress, Action<SimTransmit>? observer = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(egress, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ingress, TimeSpan.Zero);
        Inner = inner;
        _clock = clock;
        Egress = egress;
        Ingress = ingress;
        _observer = observer;
    }

    /// <summary>The wrapped node.</summary>
    public ISimulatedNode Inner { get; }

    /// <summary>How long each datagram the inner node sends is held.</summary>
    public TimeSpan Egress { get; }

    /// <summary>How long each datagram for the inner node is held.</summary>
    public TimeSpan Ingress { get; }

    /// <inheritdoc/>
    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        if (Ingress == TimeSpan.Zero)
        {
            Inner.HandleDatagram(now, from, datagram);
            return;
        }

        _inbound.Enqueue((now + Ingress, from, datagram));
    }

    /// <inheritdoc/>
    public void HandleTimeout(TimeSpan now)
    {
        while (_inbound.TryPeek(out var next) && next.At <= now)
        {
            _inbound.Dequeue();
            Inner.HandleDatagram(next.At, next.From, next.Datagram);
        }

        if (Inner.PollTimeout() is { } due && due <= now)
        {
            Inner.HandleTimeout(now);
        }
    }

    /// <inheritdoc/>
    public bool TryPollTransmit(out SimTransmit transmit)
    {
        var now = _clock();
        while (Inner.TryPollTransmit(out var handed))
        {
            // The simulator copies a transmit only when it is polled from here; the inner node may
            // reuse its buffer before then, so a held one is copied now.
            var held = handed.Node is { } node
                ? SimTransmit.ToNode(node, handed.Datagram.ToArray())
                : SimTransmit.ToDomain(handed.Domain!.Value, handed.Datagram.ToArray());
            _observer?.Invoke(held);
            _outbound.Enqueue((now + Egress, held));
        }

        if (_outbound.TryPeek(out var next) && next.At <= now)
        {
            transmit = _outbound.Dequeue().Transmit;
            return true;
        }

        transmit = default;
        return false;
    }

    /// <inheritdoc/>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? earliest = Inner.PollTimeout();
        if (_inbound.TryPeek(out var nextIn) && (earliest is null || nextIn.At < earliest))
        {
            earliest = nextIn.At;
        }

        if (_outbound.TryPeek(out var nextOut) && (earliest is null || nextOut.At < earliest))
        {
            earliest = nextOut.At;
        }

        return earliest;
    }
}
