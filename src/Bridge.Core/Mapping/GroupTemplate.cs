using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Mapping;

/// <summary>
/// A group URI with placeholders, such as <c>ham:sg:tariff.{region}</c>: bindings expand it into a
/// <see cref="GroupName"/>, and a group name matches it back into bindings. A placeholder may stand
/// anywhere in the text (usually in the group part) for a value of letters, digits, '-' and '_'
/// (<see cref="Placeholders.IsValue"/>). A template without placeholders is one group name.
/// </summary>
public sealed class GroupTemplate : IEquatable<GroupTemplate>
{
    // Values tried when checking a template: a letter for sg-like names, a digit for ip octets and ports.
    private static readonly string[] ProbeValues = ["a", "1"];

    private readonly Regex? _pattern;

    private GroupTemplate(string text, IReadOnlyList<string> placeholders, GroupName? name, Regex? pattern)
    {
        Text = text;
        Placeholders = placeholders;
        Name = name;
        _pattern = pattern;
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>The placeholder names, in the order written.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    /// <summary>The group, when the template has no placeholders; null otherwise.</summary>
    public GroupName? Name { get; }

    /// <summary>The template of exactly <paramref name="name"/>.</summary>
    public static GroupTemplate Of(GroupName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new GroupTemplate(name.Canonical, [], name, null);
    }

    /// <summary>Parses a template, throwing <see cref="FormatException"/> that says what is wrong.</summary>
    public static GroupTemplate Parse(string text)
        => TryParse(text, out var template, out var error) ? template : throw new FormatException(error);

    /// <summary>
    /// Parses a template; on failure <paramref name="error"/> says what is wrong: a malformed
    /// placeholder, or a URI that is not a group name whatever the values (the group name
    /// parser's message for the template with sample values).
    /// </summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out GroupTemplate? template,
        [NotNullWhen(false)] out string? error)
    {
        template = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "group URI is empty";
            return false;
        }

        var names = new List<string>();
        var pattern = new StringBuilder("^");
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOfAny(['{', '}'], at);
            if (open < 0)
            {
                pattern.Append(Regex.Escape(text[at..]));
                break;
            }

            var close = text[open] == '{' ? text.IndexOf('}', open) : -1;
            var name = close > open ? text[(open + 1)..close] : null;
            if (name is null || !Mapping.Placeholders.IsName(name))
            {
                error = $"group URI '{text}': '{{' and '}}' must enclose a placeholder name (a-z then a-z 0-9 _) at {open + 1}";
                return false;
            }

            if (names.Contains(name, StringComparer.Ordinal))
            {
                error = $"group URI '{text}': placeholder {{{name}}} appears twice";
                return false;
            }

            names.Add(name);
            pattern.Append(Regex.Escape(text[at..open])).Append("(?<").Append(name).Append(">[A-Za-z0-9_-]+)");
            at = close + 1;
        }

        if (names.Count == 0)
        {
            if (!GroupName.TryParse(text, out var group, out var parseError))
            {
                error = parseError;
                return false;
            }

            template = new GroupTemplate(text, [], group, null);
            error = null;
            return true;
        }

        var candidate = new GroupTemplate(text, names, null, new Regex(pattern.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture));
        error = null;
        foreach (var probe in ProbeValues)
        {
            if (candidate.TryExpand(names.ToDictionary(n => n, _ => probe, StringComparer.Ordinal), out _, out var probeError))
            {
                template = candidate;
                return true;
            }

            // The last probe's reason is reported: digits show an ip template's real problem best.
            error = $"group URI '{text}' is not a group name with its placeholders filled in: {probeError}";
        }

        error ??= $"group URI '{text}' is not a group name";
        return false;
    }

    /// <summary>The group for <paramref name="bindings"/>; false with the reason when a value is missing or bad or the name does not parse.</summary>
    public bool TryExpand(
        IReadOnlyDictionary<string, string> bindings,
        [NotNullWhen(true)] out GroupName? name,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        name = Name;
        if (name is not null)
        {
            error = null;
            return true;
        }

        var text = Text;
        foreach (var placeholder in Placeholders)
        {
            if (!bindings.TryGetValue(placeholder, out var value))
            {
                error = $"group URI '{Text}': no value for {{{placeholder}}}";
                return false;
            }

            if (!Mapping.Placeholders.IsValue(value))
            {
                error = $"group URI '{Text}': '{value}' for {{{placeholder}}} is not letters, digits, '-' and '_'";
                return false;
            }

            text = text.Replace($"{{{placeholder}}}", value, StringComparison.Ordinal);
        }

        return GroupName.TryParse(text, out name, out error);
    }

    /// <summary>The group for <paramref name="bindings"/>.</summary>
    /// <exception cref="FormatException">A value is missing or bad, or the result is not a group name.</exception>
    public GroupName Expand(IReadOnlyDictionary<string, string> bindings)
        => TryExpand(bindings, out var name, out var error) ? name : throw new FormatException(error);

    /// <summary>
    /// Whether <paramref name="group"/> is one this template expands to; if so, <paramref name="bindings"/>
    /// holds the values that expand to it (values as the group's canonical name writes them).
    /// </summary>
    public bool TryMatch(GroupName group, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        ArgumentNullException.ThrowIfNull(group);
        bindings = null;
        if (Name is not null)
        {
            if (Name != group)
            {
                return false;
            }

            bindings = new Dictionary<string, string>(StringComparer.Ordinal);
            return true;
        }

        foreach (var text in (string[])[group.Canonical, group.WireName])
        {
            var match = _pattern!.Match(text);
            if (!match.Success)
            {
                continue;
            }

            var bound = Placeholders.ToDictionary(p => p, p => match.Groups[p].Value, StringComparer.Ordinal);

            // Normalisation may map other texts to this name; only values that expand back to it count.
            if (TryExpand(bound, out var expanded, out _) && expanded == group)
            {
                bindings = bound;
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public bool Equals(GroupTemplate? other) => other is not null && (Name is null ? other.Name is null && other.Text == Text : Name == other.Name);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as GroupTemplate);

    /// <inheritdoc/>
    public override int GetHashCode() => Name?.GetHashCode() ?? Text.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Name?.WireName ?? Text;
}
