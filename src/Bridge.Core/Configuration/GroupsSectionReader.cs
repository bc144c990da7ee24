using Bridge.Core.Mapping;

namespace Bridge.Core.Configuration;

/// <summary>One entry of <c>groups</c> as bound: its id and the texts of its keys.</summary>
/// <param name="Id">The key under <c>groups</c>.</param>
/// <param name="Path">Its path, <c>groups.ID</c>.</param>
public sealed record GroupInput(string Id, string Path)
{
    /// <summary>Whether the entry was a mapping (or empty); false when it had the wrong shape, which binding reported.</summary>
    public bool Bound { get; init; } = true;

    /// <summary><c>uri</c>.</summary>
    public ConfigText? Uri { get; init; }

    /// <summary><c>lastValue</c> written as a value (<c>true</c>, <c>false</c>).</summary>
    public ConfigText? LastValue { get; init; }

    /// <summary>Whether <c>lastValue</c> was written as a mapping (<c>{ refresh: … }</c>).</summary>
    public bool LastValueMapping { get; init; }

    /// <summary><c>lastValue.refresh</c>.</summary>
    public ConfigText? Refresh { get; init; }

    /// <summary><c>reliable</c>.</summary>
    public ConfigText? Reliable { get; init; }
}

/// <summary>
/// The <c>groups</c> section (docs/configuration.md): a mapping from group id to <c>uri</c> and
/// <c>lastValue</c>. Reloadable: the bridge applies new URIs and last-value settings at once.
/// </summary>
public static class GroupsSectionReader
{
    /// <summary>The key of the section.</summary>
    public const string Key = "groups";

    /// <summary>Binds the section at <paramref name="value"/>; null when it is absent or (with an error) not a mapping.</summary>
    public static IReadOnlyList<GroupInput>? Bind(ConfigValue? value, ConfigurationErrors errors)
    {
        if (SectionReader.Open(value, Key, errors) is not { } section)
        {
            return null;
        }

        var groups = new List<GroupInput>();
        foreach (var (id, entry) in section.Entries)
        {
            var path = section.PathOf(id);
            if (SectionReader.Open(entry, path, errors, "uri", "lastValue", "reliable") is not { } group)
            {
                groups.Add(new GroupInput(id, path) { Bound = entry is ConfigScalar { Text: null } });
                continue;
            }

            var lastValue = group.Value("lastValue") is ConfigMapping ? group.Section("lastValue", "refresh") : null;
            groups.Add(new GroupInput(id, path)
            {
                Uri = group.Text("uri"),
                LastValue = lastValue is null ? group.Text("lastValue") : null,
                LastValueMapping = lastValue is not null,
                Refresh = lastValue?.Text("refresh"),
                Reliable = group.Text("reliable"),
            });
        }

        return groups;
    }

    /// <summary>
    /// Validates the bound groups; returns the catalog later sections refer to (every id, the
    /// valid groups) and the definitions, which are null when any group has an error.
    /// <paramref name="present"/> says whether the file has the key at all: a section of the
    /// wrong shape was reported by binding, a missing one is reported here.
    /// </summary>
    public static (GroupCatalog Catalog, IReadOnlyList<GroupDefinition>? Groups) Validate(IReadOnlyList<GroupInput>? groups, bool present, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (groups is null || groups.Count == 0)
        {
            if (groups is not null || !present)
            {
                errors.Add(Key, "at least one group is required");
            }

            return (new GroupCatalog(groups?.Select(g => g.Id) ?? [], []), null);
        }

        var before = errors.Count;
        var valid = new List<GroupDefinition>();
        foreach (var group in groups)
        {
            if (!ValueSyntax.IsId(group.Id))
            {
                errors.Add(group.Path, $"group id '{group.Id}' must be 1 to {ValueSyntax.MaxIdLength} characters of A-Z a-z 0-9 . _ -");
            }

            if (!group.Bound)
            {
                continue;
            }

            var lastValue = LastValue(group, errors);
            var reliability = ConfigValues.Boolean(group.Reliable, errors) == true ? new GroupReliability() : null;
            if (ConfigValues.Required(group.Uri, ConfigPath.Key(group.Path, "uri"), errors) is not { } uri)
            {
                continue;
            }

            if (GroupTemplate.TryParse(uri.Text, out var template, out var error))
            {
                valid.Add(new GroupDefinition(group.Id, template, lastValue) { Reliability = reliability });
            }
            else
            {
                errors.Add(uri.Path, error);
            }
        }

        var catalog = new GroupCatalog(groups.Select(g => g.Id), valid);
        return (catalog, errors.Count == before ? new ValueList<GroupDefinition>(valid) : null);
    }

    // lastValue: false (the default), true (refresh every 30s) or { refresh: DURATION }.
    private static LastValueSettings? LastValue(GroupInput group, ConfigurationErrors errors)
    {
        if (!group.LastValueMapping)
        {
            return ConfigValues.Boolean(group.LastValue, errors) == true ? new LastValueSettings(LastValueSettings.DefaultRefresh) : null;
        }

        if (group.Refresh is null)
        {
            errors.Add(ConfigPath.Key(ConfigPath.Key(group.Path, "lastValue"), "refresh"), "is required (or write lastValue: true for every 30s)");
            return null;
        }

        return ConfigValues.Duration(group.Refresh, errors) is { } refresh ? new LastValueSettings(refresh) : null;
    }
}
