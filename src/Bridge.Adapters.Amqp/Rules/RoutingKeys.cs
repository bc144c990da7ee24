using System.Diagnostics.CodeAnalysis;

namespace Bridge.Adapters.Amqp.Rules;

/// <summary>Which routing keys of received messages the AMQP adapter routes.</summary>
public static class RoutingKeys
{
    /// <summary>
    /// Whether the adapter routes a message with <paramref name="routingKey"/>; false with a reason
    /// when the key is empty or holds '+', '#' or NUL. Such a key names no address a rule can
    /// publish at, on this broker or, through a group, on an MQTT broker on the far side, where
    /// '+' and '#' are wildcards and a topic name must not hold them (MQTT 5 §4.7.1, §4.7.3).
    /// </summary>
    public static bool IsRoutable(string routingKey, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(routingKey);
        if (routingKey.Length == 0)
        {
            reason = "the routing key is empty";
            return false;
        }

        var bad = routingKey.IndexOfAny(['+', '#', '\0']);
        if (bad >= 0)
        {
            reason = $"the routing key holds '{(routingKey[bad] == '\0' ? "NUL" : routingKey[bad])}' at {bad}, which a topic name must not";
            return false;
        }

        reason = null;
        return true;
    }
}
