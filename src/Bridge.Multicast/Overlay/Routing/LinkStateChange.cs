using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Overlay.Routing;

/// <summary>What <see cref="LinkStateDatabase"/> did with an advertisement or a removal.</summary>
public enum LinkStateOutcome
{
    /// <summary>The first advertisement of its origin; installed.</summary>
    Installed,

    /// <summary>Newer than the one held for its origin; replaced it.</summary>
    Replaced,

    /// <summary>Older than the one held; ignored. The flooding protocol answers with the newer one.</summary>
    Stale,

    /// <summary>Same sequence number as the one held; ignored, whatever its content.</summary>
    Duplicate,

    /// <summary>The origin's advertisement was removed.</summary>
    Removed,

    /// <summary>Nothing was held for the origin to remove.</summary>
    NotFound,
}

/// <summary>
/// The effect of one call on a <see cref="LinkStateDatabase"/>, so that callers recompute (or
/// re-flood) only what changed.
/// </summary>
/// <param name="Outcome">What was done with the input.</param>
/// <param name="TopologyChanged">
/// Whether the usable graph changed: a two-way link appeared or disappeared, or its cost changed.
/// A link advertised by one end only does not count until the other end advertises it too.
/// </param>
/// <param name="ChangedGroups">The groups whose set of interested gateways changed, sorted by canonical name.</param>
public readonly record struct LinkStateChange(LinkStateOutcome Outcome, bool TopologyChanged, IReadOnlyList<GroupName> ChangedGroups)
{
    /// <summary>Whether any tree computed before this call may now be different.</summary>
    public bool TreesChanged => TopologyChanged || ChangedGroups is { Count: > 0 };

    internal static LinkStateChange Ignored(LinkStateOutcome outcome) => new(outcome, false, []);
}
