namespace Bridge.Multicast.Wire;

/// <summary>
/// Why <see cref="FrameCodec"/> did not return a frame. Each value is a counted drop reason;
/// docs/wire-format.md §8 gives the order in which the checks run.
/// </summary>
public enum FrameError
{
    /// <summary>No error: a frame was decoded.</summary>
    None = 0,

    /// <summary>The input ends before the frame does; a stream reader waits for more bytes.</summary>
    Incomplete,

    /// <summary>A datagram ends before the frame its header announces.</summary>
    Truncated,

    /// <summary>The first two bytes are not "GC".</summary>
    BadMagic,

    /// <summary>The version byte is not one this build reads.</summary>
    UnsupportedVersion,

    /// <summary>The frame type byte is not a known <see cref="FrameType"/>.</summary>
    UnknownFrameType,

    /// <summary>A flag bit is set that this version does not define.</summary>
    UnknownFlags,

    /// <summary>The content type byte is not a known <see cref="ContentType"/>.</summary>
    UnknownContentType,

    /// <summary>The group name length is zero or above <see cref="FrameCodec.MaxGroupNameLength"/>.</summary>
    BadGroupNameLength,

    /// <summary>The tag length is above <see cref="FrameCodec.MaxTagLength"/>.</summary>
    BadTagLength,

    /// <summary>Header and announced lengths exceed the maximum frame size.</summary>
    FrameTooLarge,

    /// <summary>The <see cref="FrameFlags.Encrypted"/> flag is set but the frame has no authentication tag.</summary>
    EncryptedWithoutTag,

    /// <summary>The fragment count is zero; a whole message has count 1.</summary>
    FragmentCountZero,

    /// <summary>The fragment index is not below the fragment count.</summary>
    FragmentIndexOutOfRange,

    /// <summary>The payload is longer than the whole message it is part of.</summary>
    PayloadExceedsMessage,

    /// <summary>
    /// The fragment's payload length cannot be its part of the message: an unfragmented frame
    /// whose message length differs from its payload length, an empty fragment, or lengths that
    /// break the rule that every fragment but the last carries the same number of bytes.
    /// </summary>
    InconsistentFragment,

    /// <summary>The timestamp lies outside years 1 to 9999, which no clock produces.</summary>
    TimestampOutOfRange,

    /// <summary>The group hash does not match the group name.</summary>
    GroupHashMismatch,

    /// <summary>The group name is not valid UTF-8.</summary>
    GroupNameNotUtf8,

    /// <summary>A datagram holds bytes after the end of its frame.</summary>
    TrailingBytes,
}
