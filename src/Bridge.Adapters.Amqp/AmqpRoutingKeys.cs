using System.Diagnostics.CodeAnalysis;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Amqp;

/// <summary>
/// How AMQP routing keys meet the router's topics. The router matches MQTT topic filters, so a
/// routing key is shown to it as a topic with '.' and '/' swapped, as RabbitMQ's own MQTT plugin
/// maps them: routing key <c>meters.north.tariff</c> is topic <c>meters/north/tariff</c>, and a
/// '/' inside a word becomes a '.' inside a level, so the mapping is its own inverse. A topic
/// filter becomes a binding pattern of a topic exchange the same way, '+' becoming '*' (exactly
/// one word) and a trailing '#' staying '#' (zero or more words, as MQTT's '#' also matches the
/// parent level).
/// </summary>
public static class AmqpRoutingKeys
{
    /// <summary>
    /// The topic the router sees for <paramref name="routingKey"/>; false with a reason when the
    /// key cannot be one: empty, or holding '+', '#' or NUL, which a topic name must not hold
    /// (MQTT 5 §4.7.1, §4.7.3) and which would turn into wildcards on a broker on the far side.
    /// </summary>
    public static bool TryGetTopic(
        string routingKey,
        [NotNullWhen(true)] out string? topic,
        [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(routingKey);
        topic = null;
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

        topic = Swap(routingKey);
        reason = null;
        return true;
    }

    /// <summary>The routing key to publish a message of <paramref name="topic"/> with.</summary>
    public static string FromTopic(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return Swap(topic);
    }

    /// <summary>
    /// The binding pattern that makes a topic exchange deliver what <paramref name="filter"/>
    /// matches; throws <see cref="FormatException"/> for a level that is a literal '*', which a
    /// pattern cannot say.
    /// </summary>
    public static string BindingPattern(TopicFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var levels = filter.Text.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            levels[i] = levels[i] switch
            {
                "+" => "*",
                "#" => "#",
                "*" => throw new FormatException(
                    $"topic filter '{filter.Text}': level {i + 1} is a literal '*', which an AMQP binding pattern reads as a wildcard"),
                var level => level.Replace('.', '/'),
            };
        }

        return string.Join('.', levels);
    }

    /// <summary>
    /// The topic filter for an AMQP binding pattern (<c>meters.*.tariff</c>, <c>meters.#</c>), so
    /// rules can be written as RabbitMQ users write them; '#' must be the last word, since a topic
    /// filter cannot match zero or more levels in the middle.
    /// </summary>
    public static TopicFilter FilterFor(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var words = pattern.Split('.');
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = words[i] switch
            {
                "*" => "+",
                "#" when i == words.Length - 1 => "#",
                var word when word.Contains('+', StringComparison.Ordinal) || word.Contains('#', StringComparison.Ordinal) => throw new FormatException(
                    $"binding pattern '{pattern}': word {i + 1} ('{word}') holds '+' or '#' other than a trailing '#' word"),
                var word => word.Replace('/', '.'),
            };
        }

        return TopicFilter.Parse(string.Join('/', words));
    }

    private static string Swap(string text)
        => string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] switch
                {
                    '.' => '/',
                    '/' => '.',
                    var c => c,
                };
            }
        });
}
