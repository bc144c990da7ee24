namespace Bridge.Multicast.Security;

/// <summary>
/// Why a frame of a secured group was refused. Checked in this order: the tag's shape, the key,
/// the tag's value, the Encrypted flag, then replay (only after the frame is known authentic, so
/// a forger cannot move a replay window).
/// </summary>
public enum SecurityRejection
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>The frame has no tag, on a group that requires one.</summary>
    Unprotected,

    /// <summary>The tag's length or suite byte is not that of the group's algorithm.</summary>
    WrongSuite,

    /// <summary>No key of the group's ring has the tag's key id: a forgery, a sender not entitled, or a key rotated away.</summary>
    UnknownKey,

    /// <summary>The key's validity has not begun.</summary>
    KeyNotYetValid,

    /// <summary>The key's validity has ended: a stale key.</summary>
    KeyExpired,

    /// <summary>The MAC, AEAD tag or signature does not verify: the frame was forged or altered.</summary>
    BadTag,

    /// <summary>The Encrypted flag contradicts the group's mode (set on an authenticated group, clear on an encrypted one).</summary>
    EncryptionMismatch,

    /// <summary>This (sequence, fragment) of the source was accepted before: a replay, or the same frame heard twice.</summary>
    Replayed,

    /// <summary>The sequence number lies further behind the source's newest than the replay window reaches.</summary>
    BeyondWindow,

    /// <summary>The timestamp is older than the group's maximum age.</summary>
    Stale,

    /// <summary>The timestamp is further ahead of the receiver's clock than the allowed skew.</summary>
    FromFuture,
}
