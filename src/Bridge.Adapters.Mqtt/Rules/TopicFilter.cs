using System.Diagnostics.CodeAnalysis;

namespace Bridge.Adapters.Mqtt.Rules;

/// <summary>
/// An MQTT topic filter (MQTT 3.1.1 §4.7, MQTT 5 §4.7): levels separated by '/', '+' matches one
/// whole level, '#' as the last level matches that level's parent and everything below it.
/// Wildcards do not match topics that start with '$' at their first level (§4.7.2).
/// </summary>
public sealed record TopicFilter
{
    private readonly string[] _levels;

    private TopicFilter(string text, string[] levels)
    {
        Text = text;
        _levels = levels;
    }

    /// <summary>The filter as written.</summary>
    public string Text { get; }

    /// <summary>Whether the filter has a wildcard.</summary>
    public bool HasWildcard => _levels.Any(l => l is "+" or "#");

    /// <summary>Parses a filter, throwing <see cref="FormatException"/> that names the bad level.</summary>
    public static TopicFilter Parse(string text)
        => TryParse(text, out var filter, out var error) ? filter : throw new FormatException(error);

    /// <summary>Parses a filter; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out TopicFilter? filter,
        [NotNullWhen(false)] out string? error)
    {
        filter = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "topic filter is empty";
            return false;
        }

        var levels = text.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                error = $"topic filter '{text}': '#' must be a whole level and the last one (level {i + 1} is '{level}')";
                return false;
            }

            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                error = $"topic filter '{text}': '+' must be a whole level (level {i + 1} is '{level}')";
                return false;
            }

            if (level.Contains('\0', StringComparison.Ordinal))
            {
                error = $"topic filter '{text}': level {i + 1} holds a NUL character";
                return false;
            }
        }

        filter = new TopicFilter(text, levels);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="topic"/> (a topic name, no wildcards) matches this filter.</summary>
    public bool Matches(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var topicLevels = topic.Split('/');
        if (topic.StartsWith('$') && _levels[0] is "+" or "#")
        {
            return false;
        }

        for (var i = 0; i < _levels.Length; i++)
        {
            var level = _levels[i];
            if (level == "#")
            {
                return true;
            }

            if (i >= topicLevels.Length)
            {
                return false;
            }

            if (level != "+" && level != topicLevels[i])
            {
                return false;
            }
        }

        return topicLevels.Length == _levels.Length;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
