using System.Net;
using Bridge.Core.Routing;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Host.Bridging;

/// <summary>How <c>gridcast bridge</c> runs: its MQTT side, its rules and its interface.</summary>
internal sealed record BridgeSettings
{
    /// <summary>Connect to this broker (client mode); when null, run the embedded broker.</summary>
    public Uri? Broker { get; init; }

    /// <summary>The MQTT client id in client mode; a host- and process-unique one when null.</summary>
    public string? ClientId { get; init; }

    /// <summary>Where the embedded broker listens.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 1883);

    public required RoutingTable Rules { get; init; }

    public required MulticastInterface Interface { get; init; }
}
