using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Host.Configuration;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Host.Bridging;

/// <summary>How a bridge runs: its MQTT and AMQP sides, its rules, its interface and which groups repeat their last value.</summary>
internal sealed record BridgeSettings
{
    /// <summary>The MQTT side (client of a broker or embedded broker), or null.</summary>
    public MqttSection? Mqtt { get; init; }

    /// <summary>The AMQP side, or null.</summary>
    public AmqpSection? Amqp { get; init; }

    /// <summary>The rules of both sides; each side runs the part <see cref="RoutingTable.ForSource"/> gives it.</summary>
    public required RoutingTable Rules { get; init; }

    /// <summary>The interface groups are joined and sent on.</summary>
    public required MulticastInterface Interface { get; init; }

    /// <summary>The groups (templates) whose last value this bridge sends again, and how often.</summary>
    public IReadOnlyList<(GroupTemplate Group, TimeSpan Refresh)> LastValues { get; init; } = [];
}
