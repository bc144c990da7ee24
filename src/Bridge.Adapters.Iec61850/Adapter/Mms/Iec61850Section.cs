using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>
/// <c>bridge.iec61850</c>: the IEDs GridCast is an IEC 61850 client of (MMS over TCP), and how it
/// reconnects to them. Reloadable: a side whose settings changed is restarted.
/// </summary>
public sealed record Iec61850Section : AdapterSettings
{
    /// <summary>The first wait after an association closed, when none is given.</summary>
    public static readonly TimeSpan DefaultReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts, when none is given.</summary>
    public static readonly TimeSpan DefaultMaxReconnectDelay = TimeSpan.FromSeconds(60);

    /// <inheritdoc/>
    public override string Kind => Iec61850AdapterKind.KindName;

    /// <summary>The IEDs, each name once, in file order.</summary>
    public required ValueList<Iec61850Ied> Ieds { get; init; }

    /// <summary>The wait before the first new attempt after an association closed or a connect failed; it doubles per failed attempt.</summary>
    public TimeSpan ReconnectDelay { get; init; } = DefaultReconnectDelay;

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = DefaultMaxReconnectDelay;

    /// <summary>The IED called <paramref name="name"/>, or null.</summary>
    public Iec61850Ied? Ied(string name) => Ieds.FirstOrDefault(i => i.Name == name);
}

/// <summary>One IED of <c>bridge.iec61850.ieds</c>.</summary>
/// <param name="Name">What rules call it (<c>ied=NAME</c>).</param>
/// <param name="Address">Where its MMS server listens (port 102 by convention).</param>
public sealed record Iec61850Ied(string Name, HostPort Address)
{
    /// <summary>How long TCP connect and the association handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request may wait for its answer before the association is taken as stalled and closed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The ACSE password (IEC 61850-8-1 weak authentication); null for none.</summary>
    public string? Password { get; init; }
}

/// <summary><c>bridge.iec61850</c> as bound.</summary>
/// <param name="Path">The section's path.</param>
/// <param name="Ieds"><c>ieds</c>, in file order; null when absent or not a mapping.</param>
/// <param name="ReconnectDelay"><c>reconnectDelay</c>.</param>
/// <param name="MaxReconnectDelay"><c>maxReconnectDelay</c>.</param>
public sealed record Iec61850SectionInput(string Path, IReadOnlyList<Iec61850IedInput>? Ieds, ConfigText? ReconnectDelay, ConfigText? MaxReconnectDelay);

/// <summary>One IED of <c>bridge.iec61850.ieds</c> as bound.</summary>
/// <param name="Path">The IED's path (<c>bridge.iec61850.ieds.ied1</c>).</param>
/// <param name="Name">The IED's name: its key in <c>ieds</c>.</param>
/// <param name="Address"><c>address</c>.</param>
/// <param name="ConnectTimeout"><c>connectTimeout</c>.</param>
/// <param name="RequestTimeout"><c>requestTimeout</c>.</param>
/// <param name="Password"><c>password</c>.</param>
public sealed record Iec61850IedInput(string Path, ConfigText? Name, ConfigText? Address, ConfigText? ConnectTimeout, ConfigText? RequestTimeout, ConfigText? Password);

/// <summary>Binds and validates <c>bridge.iec61850</c> (docs/configuration.md).</summary>
public static class Iec61850SectionReader
{
    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["ieds", "reconnectDelay", "maxReconnectDelay"];

    private static readonly string[] IedKeys = ["address", "connectTimeout", "requestTimeout", "password"];

    /// <summary>Binds the opened section.</summary>
    public static Iec61850SectionInput Bind(SectionReader section)
    {
        ArgumentNullException.ThrowIfNull(section);
        List<Iec61850IedInput>? ieds = null;
        if (section.Section("ieds") is { } list)
        {
            // Keyed by name, as YARP keys its routes: a name is unique by construction.
            ieds = [];
            foreach (var (name, _) in list.Entries)
            {
                if (list.Section(name, IedKeys) is { } ied)
                {
                    ieds.Add(new Iec61850IedInput(ied.Path, new ConfigText(name, ied.Path), ied.Text("address"), ied.Text("connectTimeout"), ied.Text("requestTimeout"), ied.Text("password")));
                }
            }
        }

        return new Iec61850SectionInput(section.Path, ieds, section.Text("reconnectDelay"), section.Text("maxReconnectDelay"));
    }

    /// <summary>Validates the bound section (pure); the settings, or null with every error added.</summary>
    public static Iec61850Section? Validate(Iec61850SectionInput input, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var ieds = new List<Iec61850Ied>();
        if (input.Ieds is null or { Count: 0 })
        {
            errors.Add(ConfigPath.Key(input.Path, "ieds"), "is required: at least one IED by name, such as ied1: { address: 10.0.0.5:102 }");
        }

        foreach (var ied in input.Ieds ?? [])
        {
            var name = ConfigValues.Id(ied.Name, errors);
            var address = ConfigValues.HostPort(ConfigValues.Required(ied.Address, ConfigPath.Key(ied.Path, "address"), errors), errors);
            var connect = ConfigValues.Duration(ied.ConnectTimeout, errors);
            var request = ConfigValues.Duration(ied.RequestTimeout, errors);
            if (name is not null && address is not null)
            {
                ieds.Add(new Iec61850Ied(name, address)
                {
                    ConnectTimeout = connect ?? TimeSpan.FromSeconds(10),
                    RequestTimeout = request ?? TimeSpan.FromSeconds(10),
                    Password = ied.Password?.Text,
                });
            }
        }

        var delay = ConfigValues.Duration(input.ReconnectDelay, errors) ?? Iec61850Section.DefaultReconnectDelay;
        var maxDelay = ConfigValues.Duration(input.MaxReconnectDelay, errors) ?? Iec61850Section.DefaultMaxReconnectDelay;
        if (maxDelay < delay)
        {
            errors.Add(ConfigPath.Key(input.Path, "maxReconnectDelay"), $"must not be shorter than reconnectDelay ({delay})");
        }

        return errors.Count != before
            ? null
            : new Iec61850Section { Ieds = new ValueList<Iec61850Ied>(ieds), ReconnectDelay = delay, MaxReconnectDelay = maxDelay };
    }

    /// <summary>
    /// Checks the IEC 61850 rules together: each names an IED of the section; report and poll rules
    /// are to-group, write, operate and read rules from-group; a read rule asks one group without
    /// placeholders, and a group has one read rule (a node answers a request with one value).
    /// </summary>
    /// <returns>One message per problem, naming the rule.</returns>
    public static IReadOnlyList<string> CheckRules(IEnumerable<MappingRule> rules, Iec61850Section settings)
        => [.. Problems(rules, settings).Select(p => $"rule '{p.Rule}': {p.Message}")];

    /// <summary>The problems of <see cref="CheckRules"/> as configuration errors, each at the rule's endpoint (<c>bridge.rules[feeder].iec61850</c>).</summary>
    public static IReadOnlyList<ConfigurationError> RuleErrors(IEnumerable<MappingRule> rules, Iec61850Section settings)
        => [.. Problems(rules, settings).Select(p => new ConfigurationError(
            ConfigPath.Key(ConfigPath.Named(ConfigPath.Key(BridgeSection.Key, RulesSectionReader.Key), p.Rule), Iec61850AdapterKind.KindName), p.Message))];

    private static List<(string Rule, string Message)> Problems(IEnumerable<MappingRule> rules, Iec61850Section settings)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<(string, string)>();
        // By (IED, group): each IED answers a request with one value, as a member of its own.
        var readGroups = new Dictionary<(string Ied, string Group), string>();
        foreach (var rule in rules)
        {
            if (rule.Endpoint is not Iec61850Endpoint endpoint)
            {
                continue;
            }

            if (settings.Ied(endpoint.Ied) is null)
            {
                problems.Add((rule.Name, $"IED '{endpoint.Ied}' is not in bridge.iec61850.ieds ({string.Join(", ", settings.Ieds.Select(i => i.Name))})"));
            }

            if (endpoint.IsToGroup && rule.Direction != RuleDirection.ToGroup)
            {
                problems.Add((rule.Name, $"a {endpoint.ActionKey} rule carries the IED's values to its groups, so its direction is to-group"));
            }

            if (!endpoint.IsToGroup && rule.Direction != RuleDirection.FromGroup)
            {
                problems.Add((rule.Name, endpoint.Action == Iec61850Action.Read
                    ? "a read rule answers its group's requests, so its direction is from-group"
                    : $"a {endpoint.ActionKey} rule applies its groups' commands to the IED, so its direction is from-group"));
            }

            if (endpoint.Action == Iec61850Action.Read)
            {
                if (rule.Groups.Count != 1 || rule.Groups[0].Name is not { } group)
                {
                    problems.Add((rule.Name, "a read rule answers one group, without placeholders"));
                }
                else if (readGroups.TryGetValue((endpoint.Ied, group.Canonical), out var other))
                {
                    problems.Add((rule.Name, $"rule '{other}' answers requests of the same group for IED '{endpoint.Ied}' already: an IED answers a request with one value"));
                }
                else
                {
                    readGroups[(endpoint.Ied, group.Canonical)] = rule.Name;
                }
            }
        }

        return problems;
    }
}
