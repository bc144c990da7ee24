using Bridge.Core.Adapters;
using Bridge.Core.Routing;

namespace Bridge.Host.Diagnostics;

/// <summary>One adapter kind of the bridge, as the metrics and the health checks read it.</summary>
/// <param name="Kind">The kind's name (<c>mqtt</c>).</param>
/// <param name="Configured">Whether the configuration in force has a side of this kind.</param>
/// <param name="Description">The configured side in one line (<c>MQTT client of mqtt://…</c>); null when not configured.</param>
/// <param name="Router">Its router (kept across restarts of the side); null before the first start.</param>
/// <param name="Running">The running side's status; null while no side runs (starting, or stopped).</param>
/// <param name="Retired">The sum of what the kind's stopped sides counted; null when none stopped.</param>
internal sealed record AdapterReading(string Kind, bool Configured, string? Description, Router? Router, AdapterSideStatus? Running, AdapterSideStatus? Retired)
{
    /// <summary>Counts of the running side and the stopped ones together, so a restart never sets a counter back.</summary>
    public AdapterSideStatus Total => Running is null ? Retired ?? Empty(Kind) : Retired is null ? Running : Add(Retired, Running);

    /// <summary>The sum of two statuses' counts; connection and peer are <paramref name="later"/>'s.</summary>
    public static AdapterSideStatus Add(AdapterSideStatus earlier, AdapterSideStatus later)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        var dropped = new Dictionary<string, long>(earlier.Dropped, StringComparer.Ordinal);
        foreach (var (reason, count) in later.Dropped)
        {
            dropped[reason] = dropped.GetValueOrDefault(reason) + count;
        }

        return later with
        {
            Received = earlier.Received + later.Received,
            Published = earlier.Published + later.Published,
            Acknowledged = earlier.Acknowledged + later.Acknowledged,
            Reconnects = earlier.Reconnects + later.Reconnects,
            Dropped = dropped,
        };
    }

    private static AdapterSideStatus Empty(string kind) => new() { Connected = false, Peer = kind };
}
