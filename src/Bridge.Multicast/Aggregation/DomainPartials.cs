using System.Globalization;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Aggregation;

/// <summary>
/// How a source names the gateways of its domain whose partials it takes (docs/aggregation.md,
/// "Who aggregates"): a partial heard on the domain carries no gateway id, only the frame's
/// source id, which is the gateway's own and stable while it runs.
/// </summary>
public static class DomainPartials
{
    /// <summary>The child id under which a source's aggregator takes the partials sent with <paramref name="sourceId"/>.</summary>
    public static GatewayId ChildOf(ulong sourceId) => new("gateway-" + sourceId.ToString("x16", CultureInfo.InvariantCulture));
}
