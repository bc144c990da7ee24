namespace Bridge.Multicast.Wire;

/// <summary>
/// The frame type byte (offset 3). Values not listed are rejected; see docs/wire-format.md §5.1.
/// Types other than <see cref="Data"/> are registered now so that every version 1 reader accepts
/// them; their payloads are defined by the issues that introduce them.
/// </summary>
public enum FrameType : byte
{
    /// <summary>An application message for a group.</summary>
    Data = 1,

    /// <summary>Which groups a domain has members for (gateway membership announcements).</summary>
    Membership = 2,

    /// <summary>A gateway's overlay links and their measured round-trip times.</summary>
    LinkState = 3,

    /// <summary>A request that asks group members for replies (the reverse channel).</summary>
    Request = 4,

    /// <summary>A gateway's aggregate of the replies of its subtree.</summary>
    PartialAggregate = 5,

    /// <summary>A negative acknowledgement: the sequence numbers a receiver is missing.</summary>
    RepairRequest = 6,

    /// <summary>Liveness of a source or gateway.</summary>
    Heartbeat = 7,

    /// <summary>A frame carried between gateways over an overlay link, with the gateway where it entered the overlay.</summary>
    Relay = 8,

    /// <summary>One member's answer to a <see cref="Request"/>, sent on its own domain to the node that aggregates for it.</summary>
    Reply = 9,
}
