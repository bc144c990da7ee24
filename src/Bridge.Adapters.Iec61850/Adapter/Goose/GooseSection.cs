using System.Diagnostics.CodeAnalysis;
using System.Net;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
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

    /// <summary>R-GOOSE security (<c>rgoose.keys</c>, <c>rgoose.sendKey</c>); null for R-GOOSE without security.</summary>
    public RGooseSecuritySettings? RGooseSecurity { get; init; }
}

/// <summary>
/// <c>bridge.goose.rgoose.keys</c> and <c>sendKey</c>: with them, every SPDU the side sends is
/// signed or encrypted, and every SPDU it receives must verify (docs/iec61850-goose.md, "R-GOOSE security").
/// </summary>
/// <param name="KeyFile">The key file's absolute path (<see cref="RGoose.Security.RGooseKeyFile"/>), read when the side starts.</param>
/// <param name="SendKeyId">The key id the sender uses; null to pick the valid key that became valid last.</param>
public sealed record RGooseSecuritySettings(string KeyFile, uint? SendKeyId);

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
/// <param name="RGooseKeys"><c>rgoose.keys</c>.</param>
/// <param name="RGooseSendKey"><c>rgoose.sendKey</c>.</param>
public sealed record GooseSectionInput(string Path, ConfigText? Interface, ConfigText? FirstInterval, ConfigText? Heartbeat, ConfigText? RGooseDestination, ConfigText? RGooseTtl, string? RGoosePath, ConfigText? RGooseListen = null, ConfigText? RGooseKeys = null, ConfigText? RGooseSendKey = null);

/// <summary>Binds and validates <c>bridge.goose</c> (docs/configuration.md), and checks GOOSE rules across each other.</summary>
public static class GooseSectionReader
{
    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["interface", "firstInterval", "heartbeat", "rgoose"];

    /// <summary>Binds the opened section.</summary>
    public static GooseSectionInput Bind(SectionReader section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var rgoose = section.Section("rgoose", "destination", "ttl", "listen", "keys", "sendKey");
        return new GooseSectionInput(
            section.Path,
            section.Text("interface"),
            section.Text("firstInterval"),
            section.Text("heartbeat"),
            rgoose?.Text("destination"),
            rgoose?.Text("ttl"),
            rgoose?.Path,
            rgoose?.Text("listen"),
            rgoose?.Text("keys"),
            rgoose?.Text("sendKey"));
    }

    /// <summary>Validates the bound section (pure); the settings, or null with every error added. Relative paths resolve against <paramref name="baseDirectory"/> (the node file's; the working directory when null).</summary>
    public static GooseSection? Validate(GooseSectionInput goose, ConfigurationErrors errors, string? baseDirectory = null)
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
        RGooseSecuritySettings? security = null;
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

            security = ValidateSecurity(goose, rgoosePath, baseDirectory ?? Directory.GetCurrentDirectory(), errors);
        }

        return errors.Count == before
            ? new GooseSection
            {
                Interface = name!.Text,
                Retransmission = new GooseRetransmissionOptions { FirstInterval = firstInterval, Heartbeat = heartbeat },
                RGoose = rgoose,
                RGooseListen = listen,
                RGooseSecurity = security,
            }
            : null;
    }

    /// <summary>
    /// Reads the key file <c>rgoose.keys</c> names and checks it holds keys (and <c>sendKey</c>
    /// among them): an environment check, since it reads the file system. A bad file is reported
    /// line by line without its key material.
    /// </summary>
    public static void CheckEnvironment(GooseSectionInput goose, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(goose);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(errors);
        if (goose.RGooseKeys is not { } keysText)
        {
            return;
        }

        var path = ConfigValues.FilePath(keysText, context.BaseDirectory);
        if (!EnvironmentChecks.FileExists(path, keysText.Path, errors))
        {
            return;
        }

        if (!TryLoadKeys(path!, out var keys, out var problems))
        {
            foreach (var problem in problems)
            {
                errors.Add(keysText.Path, $"key file '{path}': {problem}");
            }

            return;
        }

        if (goose.RGooseSendKey is { } sendKey && uint.TryParse(sendKey.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && !keys.TryGet(id, out _))
        {
            errors.Add(sendKey.Path, $"key {id} is not in the key file '{path}'");
        }
    }

    /// <summary>The keys of the file at <paramref name="path"/>, or false with the problems (an unreadable file is one).</summary>
    public static bool TryLoadKeys(string path, [NotNullWhen(true)] out RGooseKeySet? keys, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            keys = null;
            problems = [$"cannot be read: {e.Message}"];
            return false;
        }

        keys = RGooseKeyFile.Parse(text, out problems);
        return keys is not null;
    }

    private static RGooseSecuritySettings? ValidateSecurity(GooseSectionInput goose, string rgoosePath, string baseDirectory, ConfigurationErrors errors)
    {
        uint? sendKey = null;
        if (goose.RGooseSendKey is { } sendKeyText)
        {
            if (uint.TryParse(sendKeyText.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id != 0)
            {
                sendKey = id;
            }
            else
            {
                errors.Add(sendKeyText.Path, $"'{sendKeyText.Text}' must be a key id, a whole number from 1 to {uint.MaxValue}");
            }

            if (goose.RGooseKeys is null)
            {
                errors.Add(ConfigPath.Key(rgoosePath, "keys"), "is required with sendKey: the key comes from the key file");
            }
        }

        return goose.RGooseKeys is { } keys ? new RGooseSecuritySettings(ConfigValues.FilePath(keys, baseDirectory)!, sendKey) : null;
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
