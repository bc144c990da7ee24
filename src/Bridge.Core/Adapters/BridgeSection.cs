using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Core.Requests;
using Bridge.Core.Routing;

namespace Bridge.Core.Adapters;

/// <summary>
/// The <c>bridge</c> section: an edge bridge between adapter sides (one per kind given) and
/// groups, and the rules that map them. Reloadable: see <see cref="RulesSectionReader"/> for the
/// rules; a side restarts when its settings change.
/// </summary>
public sealed record BridgeSection
{
    /// <summary>The key of the section.</summary>
    public const string Key = "bridge";

    /// <summary>The settings of each side, in the order of the host's kinds.</summary>
    public required IReadOnlyList<AdapterSettings> Adapters { get; init; }

    /// <summary>The rules, in file order; together they form no loop (<see cref="MappingLoops"/>).</summary>
    public required IReadOnlyList<MappingRule> Rules { get; init; }

    /// <summary>The request rules (<c>bridge.requests</c>), in file order; empty when the file has none.</summary>
    public IReadOnlyList<RequestRule> Requests { get; init; } = [];

    /// <summary>The settings of the <paramref name="kind"/> side, or null when the file has none.</summary>
    public AdapterSettings? Adapter(string kind) => Adapters.FirstOrDefault(a => a.Kind == kind);

    /// <summary>The settings of the side of type <typeparamref name="TSettings"/>, or null when the file has none.</summary>
    public TSettings? Adapter<TSettings>()
        where TSettings : AdapterSettings
        => Adapters.OfType<TSettings>().FirstOrDefault();

    /// <summary>The routing table of the rules.</summary>
    public RoutingTable ToRoutingTable() => new(Rules);
}

/// <summary>The <c>bridge</c> section as bound: each kind's section input and the rules.</summary>
/// <param name="Path">The section's path.</param>
/// <param name="Adapters">The bound section of each kind the file gives.</param>
/// <param name="Rules">The bound rules; null when <c>rules</c> is absent or not a list.</param>
public sealed record BridgeInput(string Path, IReadOnlyList<(IAdapterKind Kind, object Input)> Adapters, IReadOnlyList<RuleInput>? Rules)
{
    /// <summary>The kinds whose sections the file gives, whether or not they bound.</summary>
    public IReadOnlyList<string> Given { get; init; } = [];

    /// <summary>The bound request rules; null when <c>requests</c> is absent or not a list.</summary>
    internal IReadOnlyList<RequestRuleInput>? Requests { get; init; }
}

/// <summary>Reads the <c>bridge</c> section with the adapter kinds the host registers.</summary>
public static class BridgeSectionReader
{
    /// <summary>Binds the section at <paramref name="value"/>; null when it is absent or (with an error) not a mapping.</summary>
    public static BridgeInput? Bind(ConfigValue? value, IReadOnlyList<IAdapterKind> kinds, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        if (SectionReader.Open(value, BridgeSection.Key, errors, [.. kinds.Select(k => k.Name), RulesSectionReader.Key, RequestRulesReader.Key]) is not { } section)
        {
            return null;
        }

        var adapters = new List<(IAdapterKind, object)>();
        foreach (var kind in kinds.Where(k => section.Has(k.Name)))
        {
            if (kind.Bind(section.Value(kind.Name), section.PathOf(kind.Name), errors) is { } input)
            {
                adapters.Add((kind, input));
            }
        }

        return new BridgeInput(section.Path, adapters, RulesSectionReader.Bind(section, kinds, errors))
        {
            Given = [.. kinds.Where(k => section.Has(k.Name)).Select(k => k.Name)],
            Requests = RequestRulesReader.Bind(section, kinds),
        };
    }

    /// <summary>Validates the bound section; null (with every error added) when any part is wrong.</summary>
    public static BridgeSection? Validate(BridgeInput input, IReadOnlyList<IAdapterKind> kinds, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var adapters = input.Adapters.Select(a => a.Kind.Validate(a.Input, context, errors)).ToList();
        if (input.Given.Count == 0)
        {
            errors.Add(input.Path, $"give {Choices(kinds)}: the brokers the rules map from and to");
        }

        var sections = new HashSet<string>(input.Given, StringComparer.Ordinal);
        var rules = RulesSectionReader.Validate(input.Rules, input.Path, kinds, sections, context, errors);
        var requests = RequestRulesReader.Validate(input.Requests, kinds, sections, context, errors);
        return errors.Count == before && rules is not null && requests is not null
            ? new BridgeSection { Adapters = new ValueList<AdapterSettings>(adapters.OfType<AdapterSettings>()), Rules = rules, Requests = requests }
            : null;
    }

    /// <summary>Checks what each side's section says about this machine.</summary>
    public static void CheckEnvironment(BridgeInput input, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var (kind, section) in input.Adapters)
        {
            kind.CheckEnvironment(section, context, errors);
        }
    }

    // "mqtt, amqp or both" for two kinds; "one or more of a, b, c" beyond.
    private static string Choices(IReadOnlyList<IAdapterKind> kinds) => kinds.Count switch
    {
        1 => kinds[0].Name,
        2 => $"{kinds[0].Name}, {kinds[1].Name} or both",
        _ => $"one or more of {string.Join(", ", kinds.Select(k => k.Name))}",
    };
}
