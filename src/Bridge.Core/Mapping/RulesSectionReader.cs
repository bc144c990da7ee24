using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Routing;

namespace Bridge.Core.Mapping;

/// <summary>One <c>bridge.rules</c> item as bound: the texts of its keys, each with its path.</summary>
/// <param name="Path">The rule's path: <c>bridge.rules[NAME]</c> once its name is known and unique, else by position.</param>
public sealed record RuleInput(string Path)
{
    /// <summary>Whether the item was a mapping; false when it had the wrong shape, which binding reported.</summary>
    public bool Bound { get; init; } = true;

    /// <summary><c>name</c>.</summary>
    public ConfigText? Name { get; init; }

    /// <summary>Whether the rule is the first to use its name (a later one is named by position and is an error).</summary>
    public bool UniqueName { get; init; }

    /// <summary>The endpoint keys given (<c>mqtt</c>, <c>amqp</c>, <c>topic</c>), in the order the kinds list them, with their texts.</summary>
    public IReadOnlyList<(string Key, ConfigText? Text)> Endpoints { get; init; } = [];

    /// <summary><c>direction</c>.</summary>
    public ConfigText? Direction { get; init; }

    /// <summary><c>guarantee</c>.</summary>
    public ConfigText? Guarantee { get; init; }

    /// <summary><c>group</c>.</summary>
    public ConfigText? Group { get; init; }

    /// <summary>Whether <c>groups</c> was given.</summary>
    public bool HasGroups { get; init; }

    /// <summary><c>groups</c>: its items that are values; null when it was not a list.</summary>
    public IReadOnlyList<ConfigText>? Groups { get; init; }

    /// <summary>Whether <c>values</c> was given.</summary>
    public bool HasValues { get; init; }

    /// <summary><c>values</c>: each placeholder's values; null when it was not a mapping.</summary>
    public IReadOnlyList<ValuesInput>? Values { get; init; }

    /// <summary>The path of <paramref name="key"/> in the rule.</summary>
    public string PathOf(string key) => ConfigPath.Key(Path, key);
}

/// <summary>One entry of a rule's <c>values</c> as bound.</summary>
/// <param name="Name">The placeholder.</param>
/// <param name="Path">The entry's path.</param>
/// <param name="Items">The items that are values; null when the entry is not a list.</param>
/// <param name="Count">How many items the list has, values or not.</param>
/// <param name="Nothing">Whether the entry was written without a value.</param>
public sealed record ValuesInput(string Name, string Path, IReadOnlyList<ConfigText>? Items, int Count, bool Nothing);

/// <summary>
/// The <c>bridge.rules</c> list (docs/configuration.md): each rule's endpoint belongs to one of
/// the registered adapter kinds, which parses it. Reloadable: the bridge swaps its routing table,
/// joins and leaves groups, and restarts a side only when its subscriptions change.
/// </summary>
public static class RulesSectionReader
{
    /// <summary>The key of the list under <c>bridge</c>.</summary>
    public const string Key = "rules";

    /// <summary>Binds the rules of <paramref name="bridge"/>; null when the key is absent or (with an error) not a list.</summary>
    public static IReadOnlyList<RuleInput>? Bind(SectionReader bridge, IReadOnlyList<IAdapterKind> kinds, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        var endpointKeys = EndpointKeys(kinds);
        string[] keys = ["name", .. endpointKeys, "direction", "group", "groups", "guarantee", "values"];
        if (bridge.NamedItems(Key, keys, $"a rule (name, {Or([.. kinds.Select(k => k.RuleKeys[0])])}, direction, group)") is not { } items)
        {
            return null;
        }

        var rules = new List<RuleInput>();
        foreach (var (path, unique, entry) in items)
        {
            if (entry is not { } rule)
            {
                rules.Add(new RuleInput(path) { Bound = false });
                continue;
            }

            rules.Add(new RuleInput(path)
            {
                Name = rule.Text("name"),
                UniqueName = unique,
                Endpoints = [.. endpointKeys.Where(rule.Has).Select(k => (k, rule.Text(k)))],
                Direction = rule.Text("direction"),
                Guarantee = rule.Text("guarantee"),
                Group = rule.Text("group"),
                HasGroups = rule.Has("groups"),
                Groups = rule.Texts("groups"),
                HasValues = rule.Has("values"),
                Values = BindValues(rule, errors),
            });
        }

        return rules;
    }

    /// <summary>
    /// Validates the bound rules against the groups of <paramref name="context"/> and the kinds
    /// whose sections <paramref name="sections"/> holds; the rules, or null when any has an error.
    /// Rules that form a loop through a broker (<see cref="MappingLoops"/>) are errors too.
    /// </summary>
    public static IReadOnlyList<MappingRule>? Validate(
        IReadOnlyList<RuleInput>? inputs, string bridgePath, IReadOnlyList<IAdapterKind> kinds, ISet<string> sections,
        ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(errors);
        if (inputs is null || inputs.Count == 0)
        {
            errors.Add(ConfigPath.Key(bridgePath, Key), "a bridge needs at least one rule");
            return null;
        }

        var before = errors.Count;
        var rules = new List<MappingRule>();
        var endpointPaths = new Dictionary<MappingRule, string>(ReferenceEqualityComparer.Instance);
        foreach (var input in inputs.Where(i => i.Bound))
        {
            ConfigValues.Required(input.Name, input.PathOf("name"), errors);
            if (input.Name is { Text.Length: > 0 } name && !input.UniqueName)
            {
                errors.Add(name.Path, $"rule name '{name.Text}' is used twice");
            }

            if (Rule(input, kinds, sections, context, errors) is { } rule && input.UniqueName)
            {
                rules.Add(rule);
                endpointPaths[rule] = input.PathOf(input.Endpoints[0].Key);
            }
        }

        foreach (var loop in MappingLoops.Find(rules))
        {
            errors.Add(
                endpointPaths[loop.Publisher],
                ReferenceEquals(loop.Publisher, loop.Reader)
                    ? $"a loop through the broker: the rule publishes group '{loop.From.WireName}' on '{loop.ShownAddress}' and takes that topic back into group '{loop.To.WireName}'"
                    : $"a loop through the broker: the rule publishes group '{loop.From.WireName}' on '{loop.ShownAddress}', which rule '{loop.Reader.Name}' takes back into group '{loop.To.WireName}'");
        }

        return errors.Count == before ? new ValueList<MappingRule>(rules) : null;
    }

    /// <summary>The endpoint keys of every kind: each kind's preferred key, then the older names.</summary>
    public static IReadOnlyList<string> EndpointKeys(IReadOnlyList<IAdapterKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        return [.. kinds.Select(k => k.RuleKeys[0]), .. kinds.SelectMany(k => k.RuleKeys.Skip(1))];
    }

    /// <summary>Choices in prose: <c>a</c>, <c>a or b</c>, <c>a, b or c</c>.</summary>
    public static string Or(IReadOnlyList<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        return choices.Count <= 1 ? string.Concat(choices) : $"{string.Join(", ", choices.Take(choices.Count - 1))} or {choices[^1]}";
    }

    private static List<ValuesInput>? BindValues(SectionReader rule, ConfigurationErrors errors)
    {
        if (rule.Section("values") is not { } section)
        {
            return null;
        }

        var values = new List<ValuesInput>();
        foreach (var (name, value) in section.Entries)
        {
            var items = section.List(name);
            values.Add(new ValuesInput(
                name,
                section.PathOf(name),
                items is null ? null : [.. items.Select(i => SectionReader.ItemText(i.Value, i.Path, errors)).OfType<ConfigText>()],
                items?.Count ?? 0,
                value is ConfigScalar { Text: null }));
        }

        return values;
    }

    private static MappingRule? Rule(RuleInput rule, IReadOnlyList<IAdapterKind> kinds, ISet<string> sections, ConfigurationContext context, ConfigurationErrors errors)
    {
        var before = errors.Count;
        RuleDirection? direction = rule.Direction?.Text switch
        {
            "to-group" => RuleDirection.ToGroup,
            "from-group" => RuleDirection.FromGroup,
            "both" => RuleDirection.Both,
            _ => null,
        };
        if (ConfigValues.Required(rule.Direction, rule.PathOf("direction"), errors) is { } directionText && direction is null)
        {
            errors.Add(directionText.Path, $"'{directionText.Text}' must be to-group, from-group or both");
        }

        DeliveryGuarantee? guarantee = rule.Guarantee?.Text switch
        {
            null or "at-least-once" => DeliveryGuarantee.AtLeastOnce,
            "at-most-once" => DeliveryGuarantee.AtMostOnce,
            _ => null,
        };
        if (guarantee is null)
        {
            errors.Add(rule.Guarantee!.Path, $"'{rule.Guarantee.Text}' must be at-most-once or at-least-once");
        }

        var endpoint = Endpoint(rule, direction, kinds, sections, errors);
        var groups = Groups(rule, context.Groups, errors);
        var values = Values(rule, endpoint, errors);
        if (endpoint is not null && groups is not null)
        {
            CheckPlaceholders(rule, endpoint, groups, values, direction, errors);
        }

        if (errors.Count != before || rule.Name is null || direction is null || guarantee is null || endpoint is null || groups is null || values is null)
        {
            return null;
        }

        return new MappingRule
        {
            Name = rule.Name.Text,
            Endpoint = endpoint,
            Groups = new ValueList<GroupTemplate>(groups.Select(g => g.Template)),
            Direction = direction.Value,
            Guarantee = guarantee.Value,
            Values = values,
        };
    }

    // Exactly one endpoint key of all kinds; the kind's section must be there; the kind parses it.
    private static IRuleEndpoint? Endpoint(RuleInput rule, RuleDirection? direction, IReadOnlyList<IAdapterKind> kinds, ISet<string> sections, ConfigurationErrors errors)
    {
        if (rule.Endpoints.Count == 0)
        {
            errors.Add(
                rule.PathOf(kinds[0].RuleKeys[0]),
                $"is required: give {Or([.. kinds.Select(k => $"{k.RuleKeys[0]} ({k.EndpointDescription})")])}");
            return null;
        }

        if (rule.Endpoints.Count > 1)
        {
            errors.Add(
                rule.PathOf(rule.Endpoints[1].Key),
                $"give only one of {Or([.. kinds.Select(k => k.RuleKeys[0])])}, not {string.Join(" and ", rule.Endpoints.Select(e => e.Key))}");
            return null;
        }

        var (key, text) = rule.Endpoints[0];
        var kind = kinds.First(k => k.RuleKeys.Contains(key, StringComparer.Ordinal));
        if (text is null)
        {
            return null;
        }

        if (!sections.Contains(kind.Name))
        {
            errors.Add(text.Path, $"{kind.RuleNoun} needs bridge.{kind.Name}");
        }

        if (!kind.TryParseEndpoint(text.Text, direction is RuleDirection.FromGroup or RuleDirection.Both, out var endpoint, out var error))
        {
            errors.Add(text.Path, error);
            return null;
        }

        return endpoint;
    }

    // group: ID or groups: [ID, ...], each with the path errors about it name.
    private static List<(string Id, GroupTemplate Template, string Path)>? Groups(RuleInput rule, GroupCatalog catalog, ConfigurationErrors errors)
    {
        if (rule.Group is not null && rule.HasGroups)
        {
            errors.Add(rule.PathOf("groups"), "give group or groups, not both");
            return null;
        }

        var references = new List<ConfigText>();
        if (rule.HasGroups)
        {
            if (rule.Groups is null)
            {
                return null;
            }

            if (rule.Groups.Count == 0)
            {
                errors.Add(rule.PathOf("groups"), "at least one group is required");
                return null;
            }

            foreach (var id in rule.Groups)
            {
                if (references.Any(r => r.Text == id.Text))
                {
                    errors.Add(id.Path, $"group '{id.Text}' is listed twice");
                }

                references.Add(id);
            }
        }
        else if (ConfigValues.Required(rule.Group, rule.PathOf("group"), errors) is { } id)
        {
            references.Add(id);
        }

        var groups = new List<(string, GroupTemplate, string)>();
        var before = errors.Count;
        foreach (var id in references)
        {
            if (catalog.Reference(id, errors) is { } template)
            {
                groups.Add((id.Text, template, id.Path));
            }
            else if (catalog.IsDeclared(id.Text))
            {
                // Its uri is in error already; the rule cannot be built, but needs no second report.
                return null;
            }
        }

        return errors.Count == before && groups.Count == references.Count ? groups : null;
    }

    // values: { name: [value, ...] }; an empty mapping is the same as none.
    private static Dictionary<string, IReadOnlyList<string>>? Values(RuleInput rule, IRuleEndpoint? endpoint, ConfigurationErrors errors)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (rule.Values is null)
        {
            return rule.HasValues ? null : values;
        }

        var before = errors.Count;
        foreach (var entry in rule.Values)
        {
            if (endpoint is not null && !endpoint.Placeholders.Contains(entry.Name, StringComparer.Ordinal))
            {
                errors.Add(entry.Path, $"{{{entry.Name}}} is not a placeholder of the rule's topic");
                continue;
            }

            if (entry.Items is null)
            {
                if (entry.Nothing)
                {
                    errors.Add(entry.Path, "expected a list of values, found nothing");
                }

                continue;
            }

            var list = new List<string>();
            foreach (var value in entry.Items)
            {
                if (!Placeholders.IsValue(value.Text))
                {
                    errors.Add(value.Path, $"'{value.Text}' must be letters, digits, '-' and '_'");
                }
                else if (list.Contains(value.Text, StringComparer.Ordinal))
                {
                    errors.Add(value.Path, $"'{value.Text}' is listed twice");
                }
                else
                {
                    list.Add(value.Text);
                }
            }

            if (entry.Count == 0)
            {
                errors.Add(entry.Path, "at least one value is required");
            }

            values[entry.Name] = new ValueList<string>(list);
        }

        return errors.Count == before ? values : null;
    }

    // Every placeholder of the endpoint is in every group URI and back; a from-group rule has
    // values for each, and each combination of values makes a group name.
    private static void CheckPlaceholders(
        RuleInput rule, IRuleEndpoint endpoint, List<(string Id, GroupTemplate Template, string Path)> groups,
        Dictionary<string, IReadOnlyList<string>>? values, RuleDirection? direction, ConfigurationErrors errors)
    {
        var endpointText = rule.Endpoints[0].Text!;
        foreach (var (id, template, path) in groups)
        {
            foreach (var missing in endpoint.Placeholders.Except(template.Placeholders, StringComparer.Ordinal))
            {
                errors.Add(path, $"group '{id}' ({template.Text}) has no {{{missing}}}, which the topic has: the topic's value would be lost");
            }

            foreach (var extra in template.Placeholders.Except(endpoint.Placeholders, StringComparer.Ordinal))
            {
                errors.Add(endpointText.Path, $"'{endpointText.Text}' has no {{{extra}}}, which group '{id}' ({template.Text}) needs");
            }
        }

        if (values is null || direction is not (RuleDirection.FromGroup or RuleDirection.Both))
        {
            return;
        }

        var unvalued = endpoint.Placeholders.Where(p => !values.ContainsKey(p)).ToList();
        if (unvalued.Count > 0)
        {
            errors.Add(
                rule.PathOf("values"),
                $"a rule that carries groups to the broker needs the values of {string.Join(", ", unvalued.Select(p => $"{{{p}}}"))}, to know which groups to join");
            return;
        }

        foreach (var bindings in Placeholders.Combinations(endpoint.Placeholders, values))
        {
            foreach (var (id, template, _) in groups)
            {
                if (!template.TryExpand(bindings, out _, out var error))
                {
                    errors.Add(
                        rule.PathOf("values"),
                        $"{string.Join(", ", bindings.Select(b => $"{b.Key}={b.Value}"))} makes no name of group '{id}': {error}");
                    return;
                }
            }
        }
    }
}
