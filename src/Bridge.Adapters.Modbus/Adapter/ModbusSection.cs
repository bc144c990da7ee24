using System.Net;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// <c>bridge.modbus</c>: the head-end side, a Modbus TCP server masters write to and read from
/// (<see cref="Listen"/>), or the device side, a Modbus TCP client that applies group commands to
/// a local device or gateway (<see cref="Device"/>). Reloadable: a side whose settings changed is restarted.
/// </summary>
public sealed record ModbusSection : AdapterSettings
{
    /// <inheritdoc/>
    public override string Kind => ModbusAdapterKind.KindName;

    /// <summary>Where the server listens (head-end side); null on the device side.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The device or Modbus gateway the side writes to (device side); null on the head-end side.</summary>
    public HostPort? Device { get; init; }

    /// <summary>The unit ids served (a request to another unit gets exception 0x0B), or on the device side the unit ids the rules may write to.</summary>
    public required ValueList<byte> Units { get; init; }

    /// <summary>Connections accepted at once.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Modbus/TCP Security: the server's certificate and the CA masters' certificates must chain to; null for plain TCP.</summary>
    public ModbusTlsFiles? Tls { get; init; }
}

/// <summary>The PEM files of <c>bridge.modbus.tls</c>, resolved against the configuration file's directory.</summary>
/// <param name="Certificate">The server's certificate.</param>
/// <param name="Key">Its private key.</param>
/// <param name="Authority">The CA certificate masters' certificates must chain to.</param>
public sealed record ModbusTlsFiles(string Certificate, string Key, string Authority);

/// <summary><c>bridge.modbus</c> as bound.</summary>
/// <param name="Path">The section's path.</param>
/// <param name="Listen"><c>listen</c>.</param>
/// <param name="Units"><c>units</c>; null when absent or not a list.</param>
/// <param name="UnitsGiven">Whether <c>units</c> is there at all.</param>
/// <param name="MaxConnections"><c>maxConnections</c>.</param>
public sealed record ModbusSectionInput(string Path, ConfigText? Listen, IReadOnlyList<ConfigText>? Units, bool UnitsGiven, ConfigText? MaxConnections)
{
    /// <summary><c>device</c>, when given.</summary>
    public ConfigText? Device { get; init; }

    /// <summary><c>tls</c>, when given.</summary>
    public ModbusTlsInput? Tls { get; init; }
}

/// <summary><c>bridge.modbus.tls</c> as bound.</summary>
/// <param name="Path">The section's path.</param>
/// <param name="Certificate"><c>certificate</c>.</param>
/// <param name="Key"><c>key</c>.</param>
/// <param name="Authority"><c>authority</c>.</param>
public sealed record ModbusTlsInput(string Path, ConfigText? Certificate, ConfigText? Key, ConfigText? Authority)
{
    /// <summary>The three files, absent ones as null.</summary>
    public IReadOnlyList<(string Key, ConfigText? Text)> Files => [("certificate", Certificate), ("key", Key), ("authority", Authority)];
}

/// <summary>Binds and validates <c>bridge.modbus</c> (docs/configuration.md).</summary>
public static class ModbusSectionReader
{
    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["listen", "device", "units", "maxConnections", "tls"];

    /// <summary>Binds the opened section.</summary>
    public static ModbusSectionInput Bind(SectionReader section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var tls = section.Section("tls", "certificate", "key", "authority");
        return new ModbusSectionInput(section.Path, section.Text("listen"), section.Texts("units"), section.Has("units"), section.Text("maxConnections"))
        {
            Device = section.Text("device"),
            Tls = tls is null ? null : new ModbusTlsInput(tls.Path, tls.Text("certificate"), tls.Text("key"), tls.Text("authority")),
        };
    }

    /// <summary>Validates the bound section (pure); the settings, or null with every error added.</summary>
    public static ModbusSection? Validate(ModbusSectionInput modbus, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(modbus);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        IPEndPoint? listen = null;
        HostPort? device = null;
        if (modbus.Listen is not null && modbus.Device is not null)
        {
            errors.Add(modbus.Path, "give listen (the head-end side: GridCast is the masters' server) or device (the device side: GridCast writes to a device), not both");
        }
        else if (modbus.Device is { } deviceText)
        {
            device = ConfigValues.HostPort(deviceText, errors);
            foreach (var (key, given) in new[] { ("maxConnections", modbus.MaxConnections is not null), ("tls", modbus.Tls is not null) })
            {
                if (given)
                {
                    errors.Add(ConfigPath.Key(modbus.Path, key), "applies to listen (the head-end side), not to device");
                }
            }
        }
        else if (modbus.Listen is null)
        {
            errors.Add(ConfigPath.Key(modbus.Path, "listen"), "is required: give listen (the head-end side, such as 0.0.0.0:502) or device (the device side, such as 10.0.0.5:502)");
        }
        else
        {
            listen = ConfigValues.EndPoint(modbus.Listen, errors);
        }
        var units = new List<byte>();
        if (!modbus.UnitsGiven)
        {
            errors.Add(ConfigPath.Key(modbus.Path, "units"), "is required: the unit ids served, such as [1]");
        }
        else if (modbus.Units is { Count: 0 })
        {
            errors.Add(ConfigPath.Key(modbus.Path, "units"), "at least one unit id is required");
        }

        foreach (var unit in modbus.Units ?? [])
        {
            if (ConfigValues.WholeNumber(unit, 0, 255, errors) is not { } id)
            {
                continue;
            }

            if (units.Contains((byte)id))
            {
                errors.Add(unit.Path, $"unit {id} is listed twice");
            }

            units.Add((byte)id);
        }

        var maxConnections = ConfigValues.WholeNumber(modbus.MaxConnections, 1, 10_000, errors);
        ModbusTlsFiles? tls = null;
        if (modbus.Tls is { } tlsInput)
        {
            // Modbus/TCP Security has certificates on both ends: the server's own, and the CA that masters' chain to.
            foreach (var (key, _) in tlsInput.Files.Where(f => f.Text is null))
            {
                errors.Add(ConfigPath.Key(tlsInput.Path, key), "is required: Modbus/TCP Security needs the server's certificate and key and the CA of the masters' certificates");
            }

            if (tlsInput.Files.All(f => f.Text is not null))
            {
                tls = new ModbusTlsFiles(
                    ConfigValues.FilePath(tlsInput.Certificate, context.BaseDirectory)!,
                    ConfigValues.FilePath(tlsInput.Key, context.BaseDirectory)!,
                    ConfigValues.FilePath(tlsInput.Authority, context.BaseDirectory)!);
            }
        }

        return errors.Count != before || (listen is null && device is null)
            ? null
            : new ModbusSection { Listen = listen, Device = device, Units = new ValueList<byte>(units), MaxConnections = maxConnections ?? 64, Tls = tls };
    }

    /// <summary>Checks that the files <c>bridge.modbus.tls</c> names exist.</summary>
    public static void CheckEnvironment(ModbusSectionInput modbus, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(modbus);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var (_, text) in modbus.Tls?.Files ?? [])
        {
            if (text is not null)
            {
                EnvironmentChecks.FileExists(ConfigValues.FilePath(text, context.BaseDirectory), text.Path, errors);
            }
        }
    }

    /// <summary>
    /// Checks the Modbus rules together: two rules whose ranges share an address of one unit and
    /// table are an error (a write must map to one rule, a read must come from one), as is a rule
    /// for a unit not served, an aggregating block whose rule is not from-group or does not ask
    /// exactly one group, and on the device side a rule that is not from-group or aggregates.
    /// </summary>
    /// <returns>One message per problem, naming the rules.</returns>
    public static IReadOnlyList<string> CheckRules(IEnumerable<MappingRule> rules, ModbusSection settings)
        => [.. Problems(rules, settings).Select(p => $"rule '{p.Rule}': {p.Message}")];

    /// <summary>
    /// The problems of <see cref="CheckRules"/> as configuration errors, each at the endpoint of
    /// the rule it is about (<c>bridge.rules[feeder].modbus</c>), for <c>config validate</c>.
    /// </summary>
    public static IReadOnlyList<ConfigurationError> RuleErrors(IEnumerable<MappingRule> rules, ModbusSection settings)
        => [.. Problems(rules, settings).Select(p => new ConfigurationError(
            ConfigPath.Key(ConfigPath.Named(ConfigPath.Key(BridgeSection.Key, RulesSectionReader.Key), p.Rule), ModbusAdapterKind.KindName), p.Message))];

    private static List<(string Rule, string Message)> Problems(IEnumerable<MappingRule> rules, ModbusSection settings)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<(string, string)>();
        var seen = new List<(string Name, ModbusEndpoint Endpoint)>();
        foreach (var rule in rules)
        {
            if (rule.Endpoint is not ModbusEndpoint endpoint)
            {
                continue;
            }

            if (!settings.Units.Contains(endpoint.Unit))
            {
                problems.Add((rule.Name, $"unit {endpoint.Unit} is not in bridge.modbus.units"));
            }

            if (settings.Device is not null && rule.Direction != RuleDirection.FromGroup)
            {
                problems.Add((rule.Name, "on the device side (bridge.modbus.device) a rule writes group commands to the device, so its direction is from-group"));
            }

            if (settings.Device is not null && endpoint.Aggregate is not null)
            {
                problems.Add((rule.Name, "aggregate= is for the head-end side (bridge.modbus.listen); the device side writes"));
            }

            if (endpoint.Aggregate is not null && rule.Direction != RuleDirection.FromGroup && settings.Device is null)
            {
                problems.Add((rule.Name, "a block with aggregate= is read by masters, so its rule's direction is from-group"));
            }

            if (endpoint.Aggregate is not null && (rule.Groups.Count != 1 || rule.Groups[0].Name is null))
            {
                problems.Add((rule.Name, "a block with aggregate= asks one group, without placeholders"));
            }

            foreach (var (name, other) in seen.Where(s => s.Endpoint.Overlaps(endpoint)))
            {
                problems.Add((rule.Name, $"'{endpoint.Text}' overlaps rule '{name}' ('{other.Text}')"));
            }

            seen.Add((rule.Name, endpoint));
        }

        return problems;
    }
}
