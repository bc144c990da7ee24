using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports;

namespace Bridge.Multicast;

/// <summary>The kinds of membership event of RFC 7046 §5.2 (enableEvents).</summary>
public enum MembershipEventKind
{
    /// <summary>A member joined the group on the interface.</summary>
    Join,

    /// <summary>A member left the group on the interface.</summary>
    Leave,

    /// <summary>A source not heard before sent to the group.</summary>
    NewSource,
}

/// <summary>A membership event on one interface of a socket.</summary>
/// <param name="Kind">Join, leave or new source.</param>
/// <param name="Group">The group.</param>
/// <param name="Interface">Where it happened.</param>
/// <param name="Member">
/// Who: <see cref="LocalMember"/> for this socket's own joins and leaves, the peer's name where the
/// technology sees other members, the 16-hex-digit source id for a new source.
/// </param>
public sealed record MembershipEvent(MembershipEventKind Kind, GroupName Group, InterfaceId Interface, string Member)
{
    /// <summary>The member name of this socket itself.</summary>
    public const string LocalMember = "local";
}
