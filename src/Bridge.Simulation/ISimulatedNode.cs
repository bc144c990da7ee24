namespace Bridge.Simulation;

/// <summary>
/// What the <see cref="Simulator"/> needs of a sans-IO state machine: the same four calls a real
/// driver makes (DESIGN.md §4), with the network reduced to node and domain ids.
/// </summary>
/// <remarks>
/// <para>Call order, as quinn's drivers make it: one input (<see cref="HandleDatagram"/>,
/// <see cref="HandleTimeout"/>, or a command the test gives through
/// <see cref="Simulator.Invoke"/>), then <see cref="TryPollTransmit"/> until it returns false,
/// then <see cref="PollTimeout"/>. <c>now</c> never decreases from one call to the next.</para>
/// <para>A node owns no clock, socket, thread or randomness of its own: everything that varies
/// comes from the simulator, which is what makes a run replayable from its seed.</para>
/// </remarks>
public interface ISimulatedNode
{
    /// <summary>A datagram arrived from <paramref name="from"/>, directly or through a domain.</summary>
    /// <param name="now">The virtual time.</param>
    /// <param name="from">The node that sent it.</param>
    /// <param name="datagram">The bytes; valid only during this call.</param>
    void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram);

    /// <summary>The deadline last returned by <see cref="PollTimeout"/> has passed.</summary>
    void HandleTimeout(TimeSpan now);

    /// <summary>The next datagram the node wants sent; the simulator copies it before the next call.</summary>
    bool TryPollTransmit(out SimTransmit transmit);

    /// <summary>When the node next wants <see cref="HandleTimeout"/>, or null for never.</summary>
    TimeSpan? PollTimeout();
}

/// <summary>A datagram a node wants sent: to one node over a link, or to every member of a domain.</summary>
public readonly record struct SimTransmit
{
    private SimTransmit(NodeId? node, DomainId? domain, ReadOnlyMemory<byte> datagram)
    {
        Node = node;
        Domain = domain;
        Datagram = datagram;
    }

    /// <summary>The node it goes to over a point-to-point link, or null when it goes to a domain.</summary>
    public NodeId? Node { get; }

    /// <summary>The domain it is sent to, or null when it goes to one node.</summary>
    public DomainId? Domain { get; }

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Datagram { get; }

    /// <summary>A datagram for one node, carried by the link between the two.</summary>
    public static SimTransmit ToNode(NodeId node, ReadOnlyMemory<byte> datagram) => new(node, null, datagram);

    /// <summary>A datagram for every other member of a domain the sender is attached to.</summary>
    public static SimTransmit ToDomain(DomainId domain, ReadOnlyMemory<byte> datagram) => new(null, domain, datagram);
}
