using Bridge.Lab.Measurement;
using Bridge.Lab.Placement;

namespace Bridge.Lab.Schemes;

/// <summary>
/// n-times unicast: the source sends one copy of the message to every group node, each along the
/// shortest underlay path. Needs no gateway, so it is computed from the routes directly.
/// </summary>
/// <remarks>
/// A receiver's delay is the propagation delay of its path; per-hop processing is not added here
/// (routers forward at line rate; the gateways' processing time belongs to the hybrid schemes).
/// Every copy leaves through the source's access link, so its stress equals the group size.
/// </remarks>
public static class UnicastScheme
{
    /// <summary>The scheme's name in tables and JSON.</summary>
    public const string Name = "unicast";

    /// <summary>Sends one message to the whole group and measures it.</summary>
    public static SchemeResult Run(LabNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var measurement = new MessageMeasurement(network.Network, network.NodeVertices.Length);
        for (var node = 0; node < network.NodeVertices.Length; node++)
        {
            var path = network.Routes.Path(network.SourceVertex, network.NodeVertices[node]);
            measurement.Transmission(path.Links, bySource: true);
            measurement.Receive(node, path.Delay);
        }

        // Polling: the head-end asks each device on its own and gets one reply from each.
        return measurement.ToResult(Name) with { HeadEndMessagesPerRound = network.NodeVertices.Length };
    }
}
