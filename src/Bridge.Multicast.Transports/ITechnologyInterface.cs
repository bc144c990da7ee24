using System.Net;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Transports;

/// <summary>Names an interface of a socket: its technology and its name there, written <c>ip:eth0</c>.</summary>
/// <param name="Technology">The technology module, such as <c>ip</c> or <c>loopback</c>.</param>
/// <param name="Name">The interface within that technology, such as <c>eth0</c>.</param>
public sealed record InterfaceId(string Technology, string Name)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Technology}:{Name}";
}

/// <summary>A member of a group on an interface, other than this host, joined or left.</summary>
/// <param name="Peer">Who joined or left, as the technology names it.</param>
/// <param name="Group">The group.</param>
/// <param name="Joined">True for a join, false for a leave.</param>
public sealed record PeerMembership(string Peer, GroupName Group, bool Joined);

/// <summary>Receives the datagrams an interface takes in; called from the interface's receive loop.</summary>
/// <param name="source">The interface that received the datagram.</param>
/// <param name="datagram">The datagram; valid only until the returned task completes.</param>
/// <param name="from">The sender's address, where the technology has one.</param>
public delegate ValueTask DatagramHandler(ITechnologyInterface source, ReadOnlyMemory<byte> datagram, IPEndPoint? from);

/// <summary>
/// One interface of a technology module (RFC 7046 §5: the interfaces a socket is bound to): joins
/// and leaves groups, sends datagrams to a group, and hands received datagrams to a handler. The
/// group socket above it frames, fragments and reassembles; an interface only moves datagrams.
/// </summary>
/// <remarks>
/// The service calls of RFC 7046 §5.3 (neighborSet, childrenSet, parentSet, designatedHost)
/// answer from the technology's own state: a native IP host has no neighbours or tree in the
/// overlay sense and is not a designated forwarder; the overlay module of the gateways answers
/// from its link-state and trees.
/// </remarks>
public interface ITechnologyInterface : IAsyncDisposable
{
    /// <summary>Which interface this is.</summary>
    InterfaceId Id { get; }

    /// <summary>The largest datagram this interface carries in one piece (RFC 7046 getAtomicMsgSize).</summary>
    int AtomicMessageSize { get; }

    /// <summary>The groups joined here now.</summary>
    IReadOnlyCollection<GroupName> JoinedGroups { get; }

    /// <summary>Whether this interface can carry <paramref name="group"/> (it has an address family the name maps to).</summary>
    bool CanCarry(GroupName group);

    /// <summary>Joins <paramref name="group"/>; its datagrams start reaching the handler.</summary>
    void Join(GroupName group);

    /// <summary>Leaves <paramref name="group"/>.</summary>
    void Leave(GroupName group);

    /// <summary>Sets the hop limit of sent datagrams (RFC 7046 setTTL).</summary>
    void SetTimeToLive(int timeToLive);

    /// <summary>Sends one datagram to <paramref name="group"/>.</summary>
    ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default);

    /// <summary>Starts handing received datagrams to <paramref name="handler"/>; called once.</summary>
    void Start(DatagramHandler handler);

    /// <summary>
    /// Raised when another member joins or leaves a group on this interface, where the technology
    /// can see that (the in-process bus can; native IP hosts see no other members' IGMP/MLD).
    /// </summary>
    event Action<ITechnologyInterface, PeerMembership>? PeerMembershipChanged;

    /// <summary>Overlay peers reachable on this interface (RFC 7046 neighborSet).</summary>
    IReadOnlyCollection<string> Neighbors { get; }

    /// <summary>Where this interface forwards <paramref name="group"/> to in its tree (RFC 7046 childrenSet).</summary>
    IReadOnlyCollection<string> ChildrenOf(GroupName group);

    /// <summary>Where <paramref name="group"/> comes from in its tree (RFC 7046 parentSet).</summary>
    IReadOnlyCollection<string> ParentsOf(GroupName group);

    /// <summary>Whether this host forwards <paramref name="group"/> for its link (RFC 7046 designatedHost).</summary>
    bool IsDesignatedHost(GroupName group);
}
