namespace Bridge.Multicast.Overlay.Election;

/// <summary>
/// Why <see cref="GatewayHelloCodec.TryDecode"/> did not return a hello. Each value is a counted
/// drop reason (<see cref="ElectionCounters.RejectedBy"/>); the checks run in the order of the
/// layout in <see cref="GatewayHelloCodec"/>, so the first broken field names the reason.
/// </summary>
public enum HelloError
{
    /// <summary>No error: a hello was decoded.</summary>
    None = 0,

    /// <summary>The input ends before a field, or before the bytes a length field announces.</summary>
    Truncated,

    /// <summary>The input is longer than <see cref="GatewayHelloCodec.MaxEncodedSize"/>.</summary>
    TooLarge,

    /// <summary>The version byte is not one this build reads.</summary>
    UnsupportedVersion,

    /// <summary>A flag bit is set that this version does not define.</summary>
    UnknownFlags,

    /// <summary>The gateway id length is zero.</summary>
    EmptyGatewayId,

    /// <summary>The gateway id is not valid UTF-8.</summary>
    GatewayIdNotUtf8,

    /// <summary>The hello interval is zero.</summary>
    ZeroHelloInterval,

    /// <summary>The hold time is not longer than the hello interval, so the sender would expire between its own hellos.</summary>
    HoldTimeNotAboveInterval,

    /// <summary>A group name length is zero or above <see cref="GatewayHelloCodec.MaxGroupNameLength"/>.</summary>
    BadGroupNameLength,

    /// <summary>A group name is not valid UTF-8.</summary>
    GroupNameNotUtf8,

    /// <summary>A group name is not a group name in wire form (canonical, without credentials).</summary>
    BadGroupName,

    /// <summary>A group appears twice.</summary>
    DuplicateGroup,

    /// <summary>Bytes follow the last group.</summary>
    TrailingBytes,
}
