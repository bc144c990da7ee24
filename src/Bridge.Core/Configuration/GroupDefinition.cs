using Bridge.Core.Mapping;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Configuration;

/// <summary>
/// A group: the id rules and gateways refer to, its name (RFC 7046 URI, possibly with
/// placeholders such as <c>ham:sg:tariff.{region}</c>) and its settings. Settings that later
/// issues add have their place here as optional sub-records; the node file sets only those that
/// do something, so an unset one is null.
/// </summary>
/// <param name="Id">The key under <c>groups</c>.</param>
/// <param name="Uri">The parsed <c>uri</c>.</param>
/// <param name="LastValue">Whether and how often a bridge repeats the group's last retained value; null when off.</param>
public sealed record GroupDefinition(string Id, GroupTemplate Uri, LastValueSettings? LastValue = null)
{
    /// <summary>How the group's messages are authenticated and encrypted (<c>groups.ID.security</c>); null: plain.</summary>
    public GroupSecurity? Security { get; init; }

    /// <summary>How losses in the group are repaired (<c>reliable: true</c>, docs/reliability.md); null: best effort.</summary>
    public GroupReliability? Reliability { get; init; }

    /// <summary>How requests to the group are aggregated unless a request says otherwise; null: no defaults.</summary>
    // Reserved for issue 11 (the reverse channel): no key of the node file sets it yet.
    public AggregationDefaults? Aggregation { get; init; }

    /// <summary>Whether the URI has placeholders (then it names a family of groups, one per value).</summary>
    public bool IsTemplate => Uri.Name is null;

    /// <summary>The group, for a URI without placeholders.</summary>
    /// <exception cref="InvalidOperationException">The URI has placeholders.</exception>
    public GroupName Name => Uri.Name ?? throw new InvalidOperationException($"group '{Id}' ({Uri.Text}) has placeholders, so it names no single group");
}

/// <summary>
/// <c>groups.ID.lastValue</c>: the bridge that sends a retained (last-value) message into the
/// group sends the group's latest one again every <paramref name="Refresh"/>, so a bridge that
/// joins later has the current value within one interval.
/// </summary>
/// <param name="Refresh">How often the latest value is sent again.</param>
public sealed record LastValueSettings(TimeSpan Refresh)
{
    /// <summary>The interval of <c>lastValue: true</c>.</summary>
    public static TimeSpan DefaultRefresh { get; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// <c>groups.ID.security</c>: how the group's messages are protected (docs/security.md), and its
/// replay windows. The keys come from the key files under <c>security.keys</c>.
/// </summary>
/// <param name="Mode">Authenticate, encrypt or sign.</param>
/// <param name="Replay">The sequence and time windows of replay protection.</param>
public sealed record GroupSecurity(Bridge.Multicast.Security.GroupSecurityMode Mode, Bridge.Multicast.Security.ReplayOptions Replay);

/// <summary>
/// <c>groups.ID.reliable: true</c>: NACK-based repair from the sender's cache and reported loss
/// (DESIGN.md §8, docs/reliability.md), with the default settings; the tuning knobs are not in the
/// node file yet.
/// </summary>
public sealed record GroupReliability;

/// <summary>The aggregation a request to the group gets unless it names its own (DESIGN.md §1, reverse channel).</summary>
// Reserved for issue 11, which gives it its members (functions, deadline).
public sealed record AggregationDefaults;
