using System.Diagnostics.CodeAnalysis;
using Bridge.Core.Mapping;
using PlaceholderSyntax = Bridge.Core.Mapping.Placeholders;

namespace Bridge.Adapters.Amqp.Rules;

/// <summary>
/// The AMQP adapter's rule endpoint: a routing-key template such as <c>meters.{region}.tariff</c>,
/// written as RabbitMQ users write binding keys. Words are separated by '.'; each is a literal, a
/// placeholder <c>{name}</c> standing for one whole word, '*' (exactly one word) or, as the last
/// word, '#' (zero or more words). As a binding pattern of a topic exchange the placeholders are
/// '*' (<see cref="BindingPattern"/>); a routing key that matches binds each placeholder to its
/// word, and bindings expand the template back into a routing key (only without wildcards: one
/// cannot publish on a wildcard).
/// </summary>
/// <remarks>
/// '#' stands only at the end, and '+' nowhere: the same rule set may be carried to MQTT brokers
/// by bridges on the far side of a group, where a topic filter can say neither.
/// </remarks>
public sealed class RoutingKeyTemplate : EndpointTemplate<string>
{
    // Per word: the placeholder's name, or null for a literal or wildcard word.
    private readonly string?[] _placeholderAt;
    private readonly string[] _words;
    private readonly string _text;

    private RoutingKeyTemplate(string text, string[] words, string?[] placeholderAt)
    {
        _text = text;
        _words = words;
        _placeholderAt = placeholderAt;
        Placeholders = [.. placeholderAt.OfType<string>()];
        BindingPattern = string.Join('.', words.Select((w, i) => placeholderAt[i] is null ? w : "*"));
    }

    /// <inheritdoc/>
    public override string Kind => AmqpAdapterKind.KindName;

    /// <summary>The template as written.</summary>
    public override string Text => _text;

    /// <summary>The placeholder names, in word order.</summary>
    public override IReadOnlyList<string> Placeholders { get; }

    /// <summary>The binding pattern of a topic exchange that delivers what the template matches: each placeholder as '*'.</summary>
    public string BindingPattern { get; }

    /// <summary>Whether the template holds '*' or '#' (then it cannot be published on).</summary>
    public bool HasWildcard => _words.Any(w => w is "*" or "#");

    /// <inheritdoc/>
    public override bool CanPublish => !HasWildcard;

    /// <summary>Parses a routing-key template, throwing <see cref="FormatException"/> that names the bad word.</summary>
    public static RoutingKeyTemplate Parse(string text)
        => TryParse(text, out var template, out var error) ? template : throw new FormatException(error);

    /// <summary>Parses a routing-key template; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out RoutingKeyTemplate? template,
        [NotNullWhen(false)] out string? error)
    {
        template = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "routing-key template is empty";
            return false;
        }

        // Checked as topic templates are, in the same order and, but for '+', in the same
        // words ("level"): one vocabulary for the templates of one file.
        var words = text.Split('.');
        var placeholderAt = new string?[words.Length];
        error = words.Select((w, i) => PlusError(text, w, i)).FirstOrDefault(e => e is not null);
        for (var i = 0; i < words.Length && error is null; i++)
        {
            error = PlaceholderError(text, words[i], i, placeholderAt);
        }

        for (var i = 0; i < words.Length && error is null; i++)
        {
            error = WildcardError(text, words, i);
        }

        if (error is not null)
        {
            return false;
        }

        template = new RoutingKeyTemplate(text, words, placeholderAt);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="routingKey"/> matches; if so, <paramref name="bindings"/> holds the word of each placeholder.</summary>
    public override bool TryMatch(string routingKey, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        ArgumentNullException.ThrowIfNull(routingKey);
        bindings = null;
        var keyWords = routingKey.Split('.');
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _words.Length; i++)
        {
            if (_words[i] == "#")
            {
                // Zero or more words: whatever is left (AMQP 0-9-1 topic exchange, as RabbitMQ matches it).
                bindings = bound;
                return true;
            }

            if (i >= keyWords.Length || (_words[i] != "*" && _placeholderAt[i] is null && _words[i] != keyWords[i]))
            {
                return false;
            }

            if (_placeholderAt[i] is { } name)
            {
                bound[name] = keyWords[i];
            }
        }

        if (keyWords.Length != _words.Length)
        {
            return false;
        }

        bindings = bound;
        return true;
    }

    /// <summary>The routing key for <paramref name="bindings"/>; false with a reason for a wildcard template or a missing or bad value.</summary>
    public override bool TryExpand(
        IReadOnlyDictionary<string, string> bindings,
        [NotNullWhen(true)] out string? routingKey,
        [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        routingKey = null;
        if (HasWildcard)
        {
            reason = $"routing-key template '{Text}' holds '*' or '#' and cannot be published on";
            return false;
        }

        if (!PlaceholderSyntax.TryFill(_words, _placeholderAt, bindings, $"routing-key template '{Text}'", out var words, out reason))
        {
            return false;
        }

        routingKey = string.Join('.', words);
        return true;
    }

    private static string? PlusError(string text, string word, int i)
        => word.Contains('+', StringComparison.Ordinal) ? $"routing-key template '{text}': word {i + 1} ('{word}') holds '+'; AMQP writes one word as '*'" : null;

    // A word with a brace must be a whole placeholder whose name is new; it is noted in placeholderAt.
    private static string? PlaceholderError(string text, string word, int i, string?[] placeholderAt)
    {
        if (!word.Contains('{', StringComparison.Ordinal) && !word.Contains('}', StringComparison.Ordinal))
        {
            return null;
        }

        var name = word.Length > 2 && word[0] == '{' && word[^1] == '}' ? word[1..^1] : null;
        if (name is null || !PlaceholderSyntax.IsName(name))
        {
            return $"routing-key template '{text}': level {i + 1} ('{word}') must be a whole placeholder {{name}}, the name a-z then a-z 0-9 _";
        }

        if (placeholderAt.Contains(name, StringComparer.Ordinal))
        {
            return $"routing-key template '{text}': placeholder {{{name}}} appears twice";
        }

        placeholderAt[i] = name;
        return null;
    }

    private static string? WildcardError(string text, string[] words, int i)
    {
        var word = words[i];
        if (word.Contains('#', StringComparison.Ordinal) && (word != "#" || i != words.Length - 1))
        {
            return $"routing-key template '{text}': '#' must be a whole level and the last one (level {i + 1} is '{word}')";
        }

        return word.Contains('\0', StringComparison.Ordinal) ? $"routing-key template '{text}': level {i + 1} holds a NUL character" : null;
    }
}
