using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// Puts a <see cref="GroupEndpoint"/> on a <see cref="Simulator"/>: datagrams go to the multicast
/// domain that carries their group, the way the IP driver sends them to the group's address on
/// one interface, and the endpoint's events are collected with the virtual time they came at.
/// </summary>
/// <remarks>
/// The endpoint sees exactly the calls a real driver makes; the adapter adds nothing to its
/// behaviour. Give it commands inside <see cref="Simulator.Invoke"/> so that the simulator polls
/// it afterwards, e.g. <c>sim.Invoke(id, now =&gt; node.Send(now, ...))</c>.
/// </remarks>
public sealed class GroupEndpointNode : ISimulatedNode
{
    private readonly Func<GroupName, DomainId> _domainOf;
    private readonly List<(TimeSpan At, EndpointEvent Event)> _events = [];
    private readonly List<(TimeSpan At, byte[] Datagram)> _received = [];
    private readonly List<(TimeSpan At, byte[] Datagram)> _sent = [];
    private TimeSpan _now;

    /// <summary>An endpoint whose groups all travel on one domain (one LAN).</summary>
    public GroupEndpointNode(GroupEndpoint endpoint, DomainId domain)
        : this(endpoint, _ => domain)
    {
    }

    /// <summary>An endpoint whose groups travel on the domains <paramref name="domainOf"/> picks.</summary>
    public GroupEndpointNode(GroupEndpoint endpoint, Func<GroupName, DomainId> domainOf)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(domainOf);
        Endpoint = endpoint;
        _domainOf = domainOf;
    }

    /// <summary>The endpoint under test.</summary>
    public GroupEndpoint Endpoint { get; }

    /// <summary>Whether to keep a copy of every datagram received and sent (<see cref="DatagramsReceived"/>, <see cref="DatagramsSent"/>).</summary>
    public bool RecordDatagrams { get; init; }

    /// <summary>Every event the endpoint raised, in order, with the virtual time of the input that raised it.</summary>
    public IReadOnlyList<(TimeSpan At, EndpointEvent Event)> Events => _events;

    /// <summary>The datagrams the network delivered, duplicates included, when <see cref="RecordDatagrams"/> is set.</summary>
    public IReadOnlyList<(TimeSpan At, byte[] Datagram)> DatagramsReceived => _received;

    /// <summary>The datagrams the endpoint handed over, when <see cref="RecordDatagrams"/> is set.</summary>
    public IReadOnlyList<(TimeSpan At, byte[] Datagram)> DatagramsSent => _sent;

    /// <summary>The messages received, in order of delivery.</summary>
    public IEnumerable<MessageReceived> MessagesReceived => _events.Select(e => e.Event).OfType<MessageReceived>();

    /// <summary>
    /// <see cref="GroupEndpoint.Send"/>, with <paramref name="now"/> remembered as the time of
    /// whatever the endpoint raises before the next input.
    /// </summary>
    public void Send(
        TimeSpan now,
        long timestampMicroseconds,
        GroupName group,
        ReadOnlyMemory<byte> payload,
        ContentType contentType,
        int? atomicMessageSize = null)
    {
        _now = now;
        Endpoint.Send(now, timestampMicroseconds, group, payload, contentType, atomicMessageSize);
        CollectEvents();
    }

    /// <inheritdoc/>
    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        _now = now;
        if (RecordDatagrams)
        {
            _received.Add((now, datagram.ToArray()));
        }

        Endpoint.HandleDatagram(now, datagram);
        CollectEvents();
    }

    /// <inheritdoc/>
    public void HandleTimeout(TimeSpan now)
    {
        _now = now;
        Endpoint.HandleTimeout(now);
        CollectEvents();
    }

    /// <inheritdoc/>
    public bool TryPollTransmit(out SimTransmit transmit)
    {
        if (!Endpoint.TryPollTransmit(out var next))
        {
            // The simulator polls after every input, commands included: events a command raised
            // outside Send are collected here.
            CollectEvents();
            transmit = default;
            return false;
        }

        if (RecordDatagrams)
        {
            _sent.Add((_now, next.Datagram.ToArray()));
        }

        transmit = SimTransmit.ToDomain(_domainOf(next.Group), next.Datagram);
        return true;
    }

    /// <inheritdoc/>
    public TimeSpan? PollTimeout() => Endpoint.PollTimeout();

    private void CollectEvents()
    {
        while (Endpoint.TryPollEvent(out var e))
        {
            _events.Add((_now, e));
        }
    }
}
