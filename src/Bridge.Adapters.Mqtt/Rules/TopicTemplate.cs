using System.Diagnostics.CodeAnalysis;
using Bridge.Core.Mapping;
using PlaceholderSyntax = Bridge.Core.Mapping.Placeholders;

namespace Bridge.Adapters.Mqtt.Rules;

/// <summary>
/// A topic with placeholders, such as <c>meters/{region}/tariff</c>: levels separated by '/',
/// each a literal, a placeholder <c>{name}</c> standing for one whole level, or an MQTT wildcard
/// ('+' one level, '#' as the last level the rest). As a filter the placeholders are '+'; a
/// matching topic binds each placeholder to its level, and bindings expand the template back into
/// a topic (only when it has no wildcard: one cannot publish on a wildcard). The MQTT adapter's
/// rule endpoint: its addresses are topic names.
/// </summary>
public sealed class TopicTemplate : EndpointTemplate<string>
{
    // Per level: the placeholder's name, or null for a literal or wildcard level.
    private readonly string?[] _placeholderAt;
    private readonly string _text;
    private readonly string[] _levels;

    private TopicTemplate(string text, string[] levels, string?[] placeholderAt, TopicFilter filter)
    {
        _text = text;
        _levels = levels;
        _placeholderAt = placeholderAt;
        Filter = filter;
        Placeholders = [.. placeholderAt.OfType<string>()];
    }

    /// <inheritdoc/>
    public override string Kind => MqttAdapterKind.KindName;

    /// <summary>The template as written.</summary>
    public override string Text => _text;

    /// <summary>The filter an adapter subscribes to: the template with each placeholder as '+'.</summary>
    public TopicFilter Filter { get; }

    /// <summary>The placeholder names, in level order.</summary>
    public override IReadOnlyList<string> Placeholders { get; }

    /// <summary>Whether the template holds '+' or '#' (then it cannot be published on).</summary>
    public bool HasWildcard => _levels.Any(l => l is "+" or "#");

    /// <inheritdoc/>
    public override bool CanPublish => !HasWildcard;

    /// <summary>A template of <paramref name="filter"/> as it is, without placeholders (for rules given as plain filters).</summary>
    public static TopicTemplate Literal(TopicFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var levels = filter.Text.Split('/');
        return new TopicTemplate(filter.Text, levels, new string?[levels.Length], filter);
    }

    /// <summary>Parses an MQTT topic template, throwing <see cref="FormatException"/> that names the bad level.</summary>
    public static TopicTemplate Parse(string text)
        => TryParse(text, out var template, out var error) ? template : throw new FormatException(error);

    /// <summary>Parses an MQTT topic template; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out TopicTemplate? template,
        [NotNullWhen(false)] out string? error)
    {
        template = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "topic template is empty";
            return false;
        }

        var levels = text.Split('/');
        var placeholderAt = new string?[levels.Length];
        var filterLevels = new string[levels.Length];
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('{', StringComparison.Ordinal) || level.Contains('}', StringComparison.Ordinal))
            {
                var name = level.Length > 2 && level[0] == '{' && level[^1] == '}' ? level[1..^1] : null;
                if (name is null || !PlaceholderSyntax.IsName(name))
                {
                    error = $"topic template '{text}': level {i + 1} ('{level}') must be a whole placeholder {{name}}, the name a-z then a-z 0-9 _";
                    return false;
                }

                if (placeholderAt.Contains(name, StringComparer.Ordinal))
                {
                    error = $"topic template '{text}': placeholder {{{name}}} appears twice";
                    return false;
                }

                placeholderAt[i] = name;
                filterLevels[i] = "+";
            }
            else
            {
                filterLevels[i] = level;
            }
        }

        var filterText = string.Join('/', filterLevels);
        if (!TopicFilter.TryParse(filterText, out var filter, out var filterError))
        {
            error = filterError.Replace($"topic filter '{filterText}'", $"topic template '{text}'", StringComparison.Ordinal);
            return false;
        }

        template = new TopicTemplate(text, levels, placeholderAt, filter);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="topic"/> matches; if so, <paramref name="bindings"/> holds the level of each placeholder.</summary>
    public override bool TryMatch(string topic, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        ArgumentNullException.ThrowIfNull(topic);
        bindings = null;
        if (!Filter.Matches(topic))
        {
            return false;
        }

        var topicLevels = topic.Split('/');
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _placeholderAt.Length; i++)
        {
            if (_placeholderAt[i] is { } name)
            {
                bound[name] = topicLevels[i];
            }
        }

        bindings = bound;
        return true;
    }

    /// <summary>The topic for <paramref name="bindings"/>; false with a reason for a wildcard template or a missing or bad value.</summary>
    public override bool TryExpand(
        IReadOnlyDictionary<string, string> bindings,
        [NotNullWhen(true)] out string? topic,
        [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        topic = null;
        if (HasWildcard)
        {
            reason = $"topic template '{Text}' holds '+' or '#' and cannot be published on";
            return false;
        }

        if (!PlaceholderSyntax.TryFill(_levels, _placeholderAt, bindings, $"topic template '{Text}'", out var levels, out reason))
        {
            return false;
        }

        topic = string.Join('/', levels);
        return true;
    }

    /// <summary>The topic for <paramref name="bindings"/>.</summary>
    /// <exception cref="FormatException">The template has a wildcard, or a value is missing or bad.</exception>
    public string Expand(IReadOnlyDictionary<string, string> bindings)
        => TryExpand(bindings, out var topic, out var error) ? topic : throw new FormatException(error);
}
