namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>
/// Why <see cref="LinkStateAdvertisementCodec"/> or <see cref="FloodingMessageCodec"/> refused
/// its input. Each value is a counted drop reason (<see cref="FloodingCounters"/>); none throws.
/// </summary>
public enum LsaError
{
    /// <summary>No error: the input was decoded.</summary>
    None = 0,

    /// <summary>The input ends before a field it needs.</summary>
    Truncated,

    /// <summary>Bytes follow the last field.</summary>
    TrailingBytes,

    /// <summary>A gateway id length is zero or above <see cref="LinkStateAdvertisementCodec.MaxIdLength"/>.</summary>
    BadIdLength,

    /// <summary>A gateway id or group name is not well-formed UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The link count is above <see cref="LinkStateAdvertisementCodec.MaxLinks"/>.</summary>
    TooManyLinks,

    /// <summary>The group count is above <see cref="LinkStateAdvertisementCodec.MaxGroups"/>.</summary>
    TooManyGroups,

    /// <summary>A link points back to the advertising gateway.</summary>
    SelfLink,

    /// <summary>A link has cost 0; costs are at least 1.</summary>
    ZeroCost,

    /// <summary>Two links name the same neighbour.</summary>
    DuplicateLink,

    /// <summary>A group name length is zero or above <see cref="LinkStateAdvertisementCodec.MaxGroupNameLength"/>.</summary>
    BadGroupNameLength,

    /// <summary>A group name does not parse as a <c>ham:</c> URI.</summary>
    BadGroupName,

    /// <summary>The same group is listed twice.</summary>
    DuplicateGroup,

    /// <summary>A flooding message is empty: not even its kind byte.</summary>
    EmptyMessage,

    /// <summary>The kind byte of a flooding message is not a known <see cref="FloodingMessageKind"/>.</summary>
    UnknownMessageKind,
}
