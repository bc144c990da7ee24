using System.Globalization;

namespace Bridge.Host.Configuration;

/// <summary>
/// Reads the keys of one mapping of the tree, adding an error for every key it does not know,
/// every value of the wrong kind and every value out of range; a value in error reads as absent,
/// so the caller goes on and the next error is found too.
/// </summary>
internal sealed class SectionReader
{
    private readonly ConfigMapping _mapping;
    private readonly ConfigurationErrors _errors;

    private SectionReader(ConfigMapping mapping, string path, ConfigurationErrors errors)
    {
        _mapping = mapping;
        Path = path;
        _errors = errors;
    }

    /// <summary>The path of this mapping.</summary>
    public string Path { get; }

    /// <summary>The errors of this load.</summary>
    public ConfigurationErrors Errors => _errors;

    /// <summary>The entries, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, ConfigValue>> Entries => _mapping.Entries;

    /// <summary>
    /// Opens <paramref name="value"/> as a mapping whose keys must be among <paramref name="keys"/>
    /// (any key when empty); null (and an error unless it is absent) when it is not a mapping.
    /// </summary>
    public static SectionReader? Open(ConfigValue? value, string path, ConfigurationErrors errors, params string[] keys)
    {
        if (value is null or ConfigScalar { Text: null })
        {
            return null;
        }

        if (value is not ConfigMapping mapping)
        {
            errors.Add(path, $"expected a mapping, found {value.Kind}");
            return null;
        }

        if (keys.Length > 0)
        {
            foreach (var (key, _) in mapping.Entries.Where(e => !keys.Contains(e.Key, StringComparer.Ordinal)))
            {
                errors.Add(ConfigPath.Key(path, key), UnknownKey(key, keys));
            }
        }

        return new SectionReader(mapping, path, errors);
    }

    /// <summary>The path of <paramref name="key"/> in this mapping.</summary>
    public string PathOf(string key) => ConfigPath.Key(Path, key);

    /// <summary>Whether <paramref name="key"/> is present with a value other than null.</summary>
    public bool Has(string key) => Value(key) is not null and not ConfigScalar { Text: null };

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public ConfigValue? Value(string key) => _mapping.Entries.FirstOrDefault(e => e.Key == key).Value;

    /// <summary>The mapping at <paramref name="key"/>, restricted to <paramref name="keys"/>.</summary>
    public SectionReader? Section(string key, params string[] keys) => Open(Value(key), PathOf(key), _errors, keys);

    /// <summary>The text of the scalar at <paramref name="key"/>; null when absent (an error when <paramref name="required"/>) or not a scalar.</summary>
    public string? String(string key, bool required = false)
    {
        switch (Value(key))
        {
            case null or ConfigScalar { Text: null }:
                if (required)
                {
                    _errors.Add(PathOf(key), "is required");
                }

                return null;
            case ConfigScalar { Text: { } text }:
                return text;
            case { } other:
                _errors.Add(PathOf(key), $"expected a value, found {other.Kind}");
                return null;
        }
    }

    /// <summary>The whole number at <paramref name="key"/>, from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int? Integer(string key, int min, int max)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        _errors.Add(PathOf(key), string.Create(CultureInfo.InvariantCulture, $"'{text}' must be a whole number from {min} to {max}"));
        return null;
    }

    /// <summary>The boolean at <paramref name="key"/>: <c>true</c> or <c>false</c>.</summary>
    public bool? Boolean(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        _errors.Add(PathOf(key), $"'{text}' must be true or false");
        return null;
    }

    /// <summary>The positive duration at <paramref name="key"/>, with the text it was written as.</summary>
    public (TimeSpan Value, string Text)? Duration(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (!ValueSyntax.TryParseDuration(text, out var value))
        {
            _errors.Add(PathOf(key), $"'{text}' is not a duration (use 250ms, 2s, 1m or 00:00:01)");
            return null;
        }

        if (value <= TimeSpan.Zero)
        {
            _errors.Add(PathOf(key), $"'{text}' must be longer than zero");
            return null;
        }

        return (value, text);
    }

    /// <summary>The items of the list at <paramref name="key"/>, each with its path; null when absent or not a list.</summary>
    public IReadOnlyList<(ConfigValue Value, string Path)>? List(string key)
    {
        switch (Value(key))
        {
            case null or ConfigScalar { Text: null }:
                return null;
            case ConfigSequence sequence:
                return [.. sequence.Items.Select((item, i) => (item, ConfigPath.Index(PathOf(key), i)))];
            case { } other:
                _errors.Add(PathOf(key), $"expected a list, found {other.Kind}");
                return null;
        }
    }

    private static string UnknownKey(string key, string[] keys)
    {
        var close = keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            ?? keys.Where(k => EditDistance(k, key) <= 2).OrderBy(k => EditDistance(k, key)).FirstOrDefault()
            ?? keys.FirstOrDefault(k => key.Length >= 3 && (k.StartsWith(key, StringComparison.OrdinalIgnoreCase) || key.StartsWith(k, StringComparison.OrdinalIgnoreCase)));
        return close is not null
            ? $"unknown key (did you mean '{close}'?)"
            : $"unknown key (expected {string.Join(", ", keys)})";
    }

    // Levenshtein distance, small strings only: enough to catch a typo in a key.
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
