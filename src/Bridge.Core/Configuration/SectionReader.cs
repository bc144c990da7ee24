namespace Bridge.Core.Configuration;

/// <summary>
/// The bind step over one mapping of the tree: it reports every key it does not know and every
/// value of the wrong shape (a list where a value belongs, a value where a mapping belongs), and
/// hands out what it read with the path of each value. It interprets no text: whether a value is a
/// number, a duration or an address is the validation step's business (<see cref="ConfigValues"/>).
/// A value of the wrong shape reads as absent, so binding goes on and finds the next error too.
/// </summary>
public sealed class SectionReader
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

    /// <summary>The entries, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, ConfigValue>> Entries => _mapping.Entries;

    /// <summary>
    /// Opens <paramref name="value"/> as a mapping whose keys must be among <paramref name="keys"/>
    /// (any key when empty); null (and an error unless it is absent) when it is not a mapping.
    /// </summary>
    public static SectionReader? Open(ConfigValue? value, string path, ConfigurationErrors errors, params IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value is null or ConfigScalar { Text: null })
        {
            return null;
        }

        if (value is not ConfigMapping mapping)
        {
            errors.Add(path, $"expected a mapping, found {value.Kind}");
            return null;
        }

        if (keys.Count > 0)
        {
            foreach (var (key, _) in mapping.Entries.Where(e => !keys.Contains(e.Key, StringComparer.Ordinal)))
            {
                errors.Add(ConfigPath.Key(path, key), UnknownKey(key, keys));
            }
        }

        return new SectionReader(mapping, path, errors);
    }

    /// <summary>
    /// The text of a list item, with its path; null, with an error, when the item is not a value
    /// (<c>expected a value, found nothing</c> for an empty item).
    /// </summary>
    public static ConfigText? ItemText(ConfigValue value, string path, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value is ConfigScalar { Text: { } text })
        {
            return new ConfigText(text, path);
        }

        errors.Add(path, $"expected a value, found {(value is ConfigScalar ? "nothing" : value.Kind)}");
        return null;
    }

    /// <summary>The path of <paramref name="key"/> in this mapping.</summary>
    public string PathOf(string key) => ConfigPath.Key(Path, key);

    /// <summary>Whether <paramref name="key"/> is present with a value other than null.</summary>
    public bool Has(string key) => Value(key) is not null and not ConfigScalar { Text: null };

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public ConfigValue? Value(string key) => _mapping.Entries.FirstOrDefault(e => e.Key == key).Value;

    /// <summary>The mapping at <paramref name="key"/>, restricted to <paramref name="keys"/>.</summary>
    public SectionReader? Section(string key, params IReadOnlyList<string> keys) => Open(Value(key), PathOf(key), _errors, keys);

    /// <summary>The text of the scalar at <paramref name="key"/>; null when absent, or (with an error) when it is not a value.</summary>
    public ConfigText? Text(string key)
    {
        switch (Value(key))
        {
            case null or ConfigScalar { Text: null }:
                return null;
            case ConfigScalar { Text: { } text }:
                return new ConfigText(text, PathOf(key));
            case { } other:
                _errors.Add(PathOf(key), $"expected a value, found {other.Kind}");
                return null;
        }
    }

    /// <summary>The items of the list at <paramref name="key"/>, each with its path; null when absent or (with an error) not a list.</summary>
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

    /// <summary>
    /// Opens the items of the list at <paramref name="key"/> whose items are named entries
    /// (<c>bridge.rules</c>, <c>bridge.requests</c>), each a mapping with keys among
    /// <paramref name="keys"/>. An item's path names it once its name is known and unique
    /// (<c>bridge.rules[tariffs].group</c>), else it is the item's index; an empty item is reported
    /// as "expected <paramref name="expected"/>, found nothing", and an item that is not a mapping
    /// comes with a null reader. Null when the list is absent or (with an error) not a list.
    /// </summary>
    public IReadOnlyList<NamedItem>? NamedItems(string key, IReadOnlyList<string> keys, string expected)
    {
        if (List(key) is not { } items)
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var opened = new List<NamedItem>(items.Count);
        foreach (var (value, indexPath) in items)
        {
            var name = value is ConfigMapping mapping && mapping.Entries.FirstOrDefault(e => e.Key == "name").Value is ConfigScalar { Text: { Length: > 0 } text }
                ? text
                : null;
            var unique = name is not null && names.Add(name);
            var path = unique ? ConfigPath.Named(PathOf(key), name!) : indexPath;
            var entry = Open(value, path, _errors, keys);
            if (entry is null && value is ConfigScalar { Text: null })
            {
                _errors.Add(path, $"expected {expected}, found nothing");
            }

            opened.Add(new NamedItem(path, unique, entry));
        }

        return opened;
    }

    /// <summary>The texts of the list of values at <paramref name="key"/>; an item that is no value is reported and left out.</summary>
    public IReadOnlyList<ConfigText>? Texts(string key)
        => List(key) is { } items ? [.. items.Select(i => ItemText(i.Value, i.Path, _errors)).OfType<ConfigText>()] : null;

    private static string UnknownKey(string key, IReadOnlyList<string> keys)
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

/// <summary>An item of a list of named entries (<see cref="SectionReader.NamedItems"/>).</summary>
/// <param name="Path">Its path: by name when the name is known and unique, else by index.</param>
/// <param name="UniqueName">Whether its name is given and no earlier item has it.</param>
/// <param name="Entry">Its keys; null when it is not a mapping (already reported).</param>
public sealed record NamedItem(string Path, bool UniqueName, SectionReader? Entry);
