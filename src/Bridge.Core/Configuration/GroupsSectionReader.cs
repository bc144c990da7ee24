using Bridge.Core.Mapping;
using Bridge.Multicast.Security;

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

    /// <summary><c>security</c> written as a value (<c>authenticate</c>), or <c>security.mode</c>.</summary>
    public ConfigText? SecurityMode { get; init; }

    /// <summary>Whether <c>security</c> was written as a mapping.</summary>
    public bool SecurityMapping { get; init; }

    /// <summary><c>security.window</c>.</summary>
    public ConfigText? SecurityWindow { get; init; }

    /// <summary><c>security.maxAge</c>.</summary>
    public ConfigText? SecurityMaxAge { get; init; }

    /// <summary><c>security.maxAhead</c>.</summary>
    public ConfigText? SecurityMaxAhead { get; init; }

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
            if (SectionReader.Open(entry, path, errors, "uri", "lastValue", "security", "reliable") is not { } group)
            {
                groups.Add(new GroupInput(id, path) { Bound = entry is ConfigScalar { Text: null } });
                continue;
            }

            var lastValue = group.Value("lastValue") is ConfigMapping ? group.Section("lastValue", "refresh") : null;
            var security = group.Value("security") is ConfigMapping ? group.Section("security", "mode", "window", "maxAge", "maxAhead") : null;
            groups.Add(new GroupInput(id, path)
            {
                SecurityMode = security is null ? group.Text("security") : security.Text("mode"),
                SecurityMapping = security is not null,
                SecurityWindow = security?.Text("window"),
                SecurityMaxAge = security?.Text("maxAge"),
                SecurityMaxAhead = security?.Text("maxAhead"),
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

            var security = Security(group, errors);
            if (GroupTemplate.TryParse(uri.Text, out var template, out var error))
            {
                if (security is not null && template.Name is null)
                {
                    errors.Add(ConfigPath.Key(group.Path, "security"), "a group URI with placeholders names many groups, and key rings are per group: secure each group on its own");
                }

                valid.Add(new GroupDefinition(group.Id, template, lastValue) { Security = security, Reliability = reliability });
            }
            else
            {
                errors.Add(uri.Path, error);
            }
        }

        var catalog = new GroupCatalog(groups.Select(g => g.Id), valid);
        return (catalog, errors.Count == before ? new ValueList<GroupDefinition>(valid) : null);
    }

    // security: MODE, or { mode: MODE, window: N, maxAge: DURATION, maxAhead: DURATION }.
    private static GroupSecurity? Security(GroupInput group, ConfigurationErrors errors)
    {
        var path = ConfigPath.Key(group.Path, "security");
        if (group.SecurityMode is not { } mode)
        {
            if (group.SecurityMapping)
            {
                errors.Add(ConfigPath.Key(path, "mode"), "is required (authenticate, encrypt or sign)");
            }

            return null;
        }

        if (!GroupSecurityModes.TryParse(mode.Text, out var parsed))
        {
            errors.Add(mode.Path, $"'{mode.Text}' is not one of none, authenticate, encrypt, sign");
            return null;
        }

        var defaults = new ReplayOptions();
        var window = group.SecurityWindow is null ? defaults.Window : ConfigValues.WholeNumber(group.SecurityWindow, 1, 1 << 20, errors);
        var maxAge = group.SecurityMaxAge is null ? defaults.MaxAge : ConfigValues.Duration(group.SecurityMaxAge, errors);
        var maxAhead = group.SecurityMaxAhead is null ? defaults.MaxAhead : ConfigValues.Duration(group.SecurityMaxAhead, errors);
        if (parsed == GroupSecurityMode.None || window is null || maxAge is null || maxAhead is null)
        {
            return null;
        }

        return new GroupSecurity(parsed, new ReplayOptions { Window = window.Value, MaxAge = maxAge.Value, MaxAhead = maxAhead.Value });
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
