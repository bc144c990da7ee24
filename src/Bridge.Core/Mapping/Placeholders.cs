using System.Diagnostics.CodeAnalysis;

namespace Bridge.Core.Mapping;

/// <summary>
/// The syntax shared by topic and group templates: a placeholder is written <c>{name}</c>, its
/// name is a lower-case letter followed by lower-case letters, digits and '_', and the value it
/// stands for is one or more letters, digits, '-' and '_', so a value can never change the
/// structure of a topic (no '/') or of a group name (no '.', ':', '@' or '/').
/// </summary>
public static class Placeholders
{
    /// <summary>Whether <paramref name="name"/> is a placeholder name: <c>[a-z][a-z0-9_]*</c>.</summary>
    public static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name[0] is < 'a' or > 'z')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> may stand for a placeholder: <c>[A-Za-z0-9_-]+</c>.</summary>
    public static bool IsValue(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every combination of <paramref name="values"/> for the placeholders <paramref name="names"/>, in order.</summary>
    /// <remarks>A name without values yields no combination at all; no names yield one empty combination.</remarks>
    public static IEnumerable<IReadOnlyDictionary<string, string>> Combinations(
        IReadOnlyList<string> names, IReadOnlyDictionary<string, IReadOnlyList<string>> values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        IEnumerable<Dictionary<string, string>> combinations = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (var name in names)
        {
            var choices = values.TryGetValue(name, out var list) ? list : [];
            combinations = combinations.SelectMany(c => choices.Select(v => new Dictionary<string, string>(c, StringComparer.Ordinal) { [name] = v }));
        }

        return combinations;
    }

    /// <summary>
    /// Fills a template written as parts (an MQTT topic's levels, a routing key's words): each part
    /// where <paramref name="placeholderAt"/> names a placeholder takes its value from
    /// <paramref name="bindings"/>, the others stay. False, with the reason naming
    /// <paramref name="template"/> (<c>topic template 'a/{x}'</c>), when a value is missing or is
    /// not a placeholder value.
    /// </summary>
    public static bool TryFill(
        IReadOnlyList<string> parts,
        IReadOnlyList<string?> placeholderAt,
        IReadOnlyDictionary<string, string> bindings,
        string template,
        [NotNullWhen(true)] out string[]? filled,
        [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(placeholderAt);
        ArgumentNullException.ThrowIfNull(bindings);
        filled = null;
        var result = new string[parts.Count];
        for (var i = 0; i < result.Length; i++)
        {
            if (placeholderAt[i] is not { } name)
            {
                result[i] = parts[i];
            }
            else if (!bindings.TryGetValue(name, out var value))
            {
                reason = $"{template}: no value for {{{name}}}";
                return false;
            }
            else if (!IsValue(value))
            {
                reason = $"{template}: '{value}' for {{{name}}} is not letters, digits, '-' and '_'";
                return false;
            }
            else
            {
                result[i] = value;
            }
        }

        filled = result;
        reason = null;
        return true;
    }
}
