using System.Net;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>
/// <c>bridge.goose</c>: the GOOSE tunnel's side on one substation LAN. It captures the GOOSE
/// frames its <c>to-group</c> rules select on <see cref="Interface"/> and re-emits the APDUs of
/// its <c>from-group</c> rules' groups there (and/or as R-GOOSE to <see cref="RGoose"/>), with
/// the local retransmission scheme of <see cref="Retransmission"/>; <c>in=rgoose</c> rules take
/// R-GOOSE received at <see cref="RGooseListen"/> into groups too. Reloadable: a side whose
/// settings changed is restarted.
/// </summary>
public sealed record GooseSection : AdapterSettings
{
    /// <inheritdoc/>
    public override string Kind => GooseAdapterKind.KindName;

    /// <summary>The substation LAN's interface, by name (<c>eth1</c>).</summary>
    public required string Interface { get; init; }

    /// <summary>T1 (first repeat after a change) and T0 (heartbeat) of the re-emitted streams.</summary>
    public GooseRetransmissionOptions Retransmission { get; init; } = GooseRetransmissionOptions.Default;

    /// <summary>Where <c>out=rgoose</c> rules send R-GOOSE; null when the section has no <c>rgoose</c>.</summary>
    public RGooseTarget? RGoose { get; init; }

    /// <summary>The IP multicast group and UDP port joined (through <see cref="Interface"/>) to receive R-GOOSE for <c>in=rgoose</c> rules; null when not listening.</summary>
    public IPEndPoint? RGooseListen { get; init; }
}

/// <summary>The R-GOOSE destination of <c>bridge.goose.rgoose</c>.</summary>
/// <param name="Destination">The IP multicast group and UDP port (102 by IEC 61850-90-5).</param>
/// <param name="Ttl">The multicast TTL (hop limit).</param>
public sealed record RGooseTarget(IPEndPoint Destination, int Ttl);

/// <summary><c>bridge.goose</c> as bound.</summary>
/// <param name="Path">The section's path.</param>
/// <param name="Interface"><c>interface</c>.</param>
/// <param name="FirstInterval"><c>firstInterval</c>.</param>
/// <param name="Heartbeat"><c>heartbeat</c>.</param>
/// <param name="RGooseDestination"><c>rgoose.destination</c>.</param>
/// <param name="RGooseTtl"><c>rgoose.ttl</c>.</param>
/// <param name="RGoosePath">The path of <c>rgoose</c>; null when it is absent.</param>
/// <param name="RGooseListen"><c>rgoose.listen</c>.</param>
public sealed record GooseSectionInput(string Path, ConfigText? Interface, ConfigText? FirstInterval, ConfigText? Heartbeat, ConfigText? RGooseDestination, ConfigText? RGooseTtl, string? RGoosePath, ConfigText? RGooseListen = null);

/// <summary>Binds and validates <c>bridge.goose</c> (docs/configuration.md), and checks GOOSE rules across each other.</summary>
public static class GooseSectionReader
{
    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["interface", "firstInterval", "heartbeat", "rgoose"];

    /// <summary>Binds the opened section.</summary>
    public static GooseSectionInput Bind(SectionReader section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var rgoose = section.Section("rgoose", "destination", "ttl", "listen");
        return new GooseSectionInput(
            section.Path,
            section.Text("interface"),
            section.Text("firstInterval"),
            section.Text("heartbeat"),
            rgoose?.Text("destination"),
            rgoose?.Text("ttl"),
            rgoose?.Path,
            rgoose?.Text("listen"));
    }

    /// <summary>Validates the bound section (pure); the settings, or null with every error added.</summary>
    public static GooseSection? Validate(GooseSectionInput goose, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(goose);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var name = ConfigValues.Required(goose.Interface, ConfigPath.Key(goose.Path, "interface"), errors);
        if (name is { Text.Length: 0 or > 15 })
        {
            // IFNAMSIZ is 16 with the terminating zero.
            errors.Add(name.Path, $"'{name.Text}' must be an interface name of 1 to 15 characters, such as eth1");
        }

        var firstInterval = ConfigValues.Duration(goose.FirstInterval, errors) ?? GooseRetransmissionOptions.Default.FirstInterval;
        var heartbeat = ConfigValues.Duration(goose.Heartbeat, errors) ?? GooseRetransmissionOptions.Default.Heartbeat;
        if (heartbeat < firstInterval)
        {
            errors.Add(ConfigPath.Key(goose.Path, goose.Heartbeat is null ? "firstInterval" : "heartbeat"), $"heartbeat ({heartbeat.TotalMilliseconds} ms) must be at least firstInterval ({firstInterval.TotalMilliseconds} ms)");
        }

        RGooseTarget? rgoose = null;
        IPEndPoint? listen = null;
        if (goose.RGoosePath is { } rgoosePath)
        {
            // A side that only receives R-GOOSE needs no destination; one of the two says why the section is there.
            var destinationText = goose.RGooseListen is null
                ? ConfigValues.Required(goose.RGooseDestination, ConfigPath.Key(rgoosePath, "destination"), errors)
                : goose.RGooseDestination;
            var destination = ConfigValues.EndPoint(destinationText, errors);
            if (destination is not null && !IsMulticast(destination.Address))
            {
                errors.Add(destinationText!.Path, $"'{destinationText.Text}' is not a multicast address (R-GOOSE goes to an IP multicast group, port {RGooseCodec.Port})");
            }

            var ttl = ConfigValues.WholeNumber(goose.RGooseTtl, 1, 255, errors) ?? 16;
            rgoose = destination is null ? null : new RGooseTarget(destination, ttl);

            listen = ConfigValues.EndPoint(goose.RGooseListen, errors);
            if (listen is not null && !IsMulticast(listen.Address))
            {
                errors.Add(goose.RGooseListen!.Path, $"'{goose.RGooseListen.Text}' is not a multicast address (R-GOOSE is received on an IP multicast group, port {RGooseCodec.Port})");
            }
        }

        return errors.Count == before
            ? new GooseSection
            {
                Interface = name!.Text,
                Retransmission = new GooseRetransmissionOptions { FirstInterval = firstInterval, Heartbeat = heartbeat },
                RGoose = rgoose,
                RGooseListen = listen,
            }
            : null;
    }

    /// <summary>
    /// What is wrong only across the GOOSE rules, each naming its rule: a <c>both</c> rule (a
    /// rule captures or re-emits, never both), an <c>out=rgoose</c> rule without
    /// <c>bridge.goose.rgoose.destination</c>, and an <c>in=rgoose</c> rule without
    /// <c>bridge.goose.rgoose.listen</c>. The side refuses to start with any.
    /// </summary>
    public static IReadOnlyList<string> RuleErrors(IEnumerable<MappingRule> rules, GooseSection settings)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        foreach (var rule in rules.Where(r => r.Kind == GooseAdapterKind.KindName))
        {
            if (rule.Direction == RuleDirection.Both)
            {
                problems.Add($"rule '{rule.Name}': a goose rule is to-group (capture on this LAN) or from-group (re-emit on it), not both: a stream has one publisher, so it is carried one way");
            }
            else if (rule.Endpoint is GooseEndpoint { Output: not GooseOutput.Lan } && settings.RGoose is null)
            {
                problems.Add($"rule '{rule.Name}': out=rgoose needs bridge.goose.rgoose.destination");
            }
            else if (rule.Endpoint is GooseEndpoint { Input: not GooseOutput.Lan } && settings.RGooseListen is null)
            {
                problems.Add($"rule '{rule.Name}': in=rgoose needs bridge.goose.rgoose.listen");
            }
        }

        return problems;
    }

    private static bool IsMulticast(IPAddress address)
        => address.IsIPv6Multicast || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0);
}
