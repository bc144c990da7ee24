namespace Bridge.Multicast.Security.ControlPlane;

/// <summary>
/// Why a <see cref="ControlFrameAuthenticator"/> refused a control frame (docs/security.md,
/// "Control plane"). The checks run in this order, so a frame is refused for the first that fails;
/// only a frame whose tag verified can be refused as stale or replayed, so a host without the key
/// cannot disturb what the receiver remembers of a real sender.
/// </summary>
public enum ControlFrameRejection
{
    /// <summary>Not refused: the frame verified.</summary>
    None = 0,

    /// <summary>The frame has no tag, where the receiver holds a key and so requires one.</summary>
    MissingTag,

    /// <summary>The tag is not a control-plane tag: another length or another suite byte.</summary>
    MalformedTag,

    /// <summary>No key in the receiver's ring has the tag's key id: a guessed id, or a key rotated away.</summary>
    UnknownKey,

    /// <summary>The tag's key exists but its validity has not begun.</summary>
    KeyNotYetValid,

    /// <summary>The tag's key exists but its validity has ended.</summary>
    KeyExpired,

    /// <summary>The MAC does not match the frame: forged, altered on the way, or made with another key of the same id.</summary>
    BadTag,

    /// <summary>The frame's timestamp lies further from the receiver's clock than the allowed age: an old frame replayed, or a sender's clock far off.</summary>
    Stale,

    /// <summary>The receiver has accepted this sequence number from this sender already, or it lies behind the replay window.</summary>
    Replayed,
}
