using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// A datagram for the driver to send to a group on its technology. The endpoint owns
/// <paramref name="Datagram"/> exclusively for the driver: it stays valid after later calls.
/// </summary>
/// <param name="Group">The group whose addresses the driver sends to.</param>
/// <param name="Datagram">One encoded frame.</param>
public readonly record struct Transmit(GroupName Group, ReadOnlyMemory<byte> Datagram)
{
    /// <summary>
    /// A repair that only one receiver asked for: the source id of that receiver (see
    /// <see cref="RepairRequested"/>). A driver that can reach it alone sends it there; any other
    /// sends to the group as usual, which is always correct, only louder. Null for everything else.
    /// </summary>
    public ulong? UnicastTo { get; init; }
}
