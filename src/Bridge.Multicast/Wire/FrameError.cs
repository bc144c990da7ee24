namespace Bridge.Multicast.Wire;

/// <summary>Why <see cref="FrameCodec"/> did not return a frame. Each value is a counted drop reason.</summary>
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

    /// <summary>The group name is not valid UTF-8.</summary>
    GroupNameNotUtf8,

    /// <summary>The group hash does not match the group name.</summary>
    GroupHashMismatch,

    /// <summary>Header and announced lengths exceed the maximum frame size.</summary>
    FrameTooLarge,

    /// <summary>A datagram holds bytes after the end of its frame.</summary>
    TrailingBytes,
}
