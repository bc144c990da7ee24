using Bridge.Core.Configuration;
using Bridge.Host.Cli;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Host.Node;

/// <summary>
/// The <c>domain</c> section: how the node meets its native multicast domain. Not reloadable: the
/// node's sockets are bound to the interface and have joined its groups there; moving them would
/// drop every membership at once, so a change takes effect at the next start.
/// </summary>
/// <param name="Interface">Interface name or address; null for the default.</param>
/// <param name="TimeToLive">IPv4 TTL / IPv6 hop limit of sent datagrams.</param>
/// <param name="Loopback">Whether this host's own receivers hear what it sends.</param>
public sealed record DomainSection(string? Interface, int TimeToLive, bool Loopback)
{
    /// <summary>The key of the section.</summary>
    public const string Key = "domain";

    /// <summary>The defaults, for a file without a <c>domain</c> section.</summary>
    public static DomainSection Default { get; } = new(null, 1, true);

    /// <summary>
    /// The key file with the domain's control-plane key ring (docs/security.md, "Control plane"),
    /// as an absolute path; null for an unauthenticated domain side.
    /// </summary>
    public string? KeyFile { get; init; }

    /// <summary>The ring's name in the key file (<c>domains.NAME</c>); null for the file's only domain ring.</summary>
    public string? KeyRing { get; init; }

    /// <summary>The IP module settings these values stand for.</summary>
    public IpMulticastOptions ToIpOptions() => new() { TimeToLive = TimeToLive, Loopback = Loopback };
}

/// <summary>The <c>domain</c> section as bound.</summary>
/// <param name="Interface"><c>interface</c>.</param>
/// <param name="TimeToLive"><c>ttl</c>.</param>
/// <param name="Loopback"><c>loopback</c>.</param>
public sealed record DomainInput(ConfigText? Interface, ConfigText? TimeToLive, ConfigText? Loopback)
{
    /// <summary><c>keyFile</c>.</summary>
    public ConfigText? KeyFile { get; init; }

    /// <summary><c>keyRing</c>.</summary>
    public ConfigText? KeyRing { get; init; }

    /// <summary>Whether the section was a mapping; false when it had the wrong shape, which binding reported.</summary>
    public bool Bound { get; init; } = true;
}

/// <summary>Binds, validates and checks the <c>domain</c> section.</summary>
public static class DomainSectionReader
{
    /// <summary>Binds the section at <paramref name="value"/>; null when it is absent.</summary>
    public static DomainInput? Bind(ConfigValue? value, ConfigurationErrors errors)
    {
        if (value is null or ConfigScalar { Text: null })
        {
            return null;
        }

        return SectionReader.Open(value, DomainSection.Key, errors, "interface", "ttl", "loopback", "keyFile", "keyRing") is { } section
            ? new DomainInput(section.Text("interface"), section.Text("ttl"), section.Text("loopback")) { KeyFile = section.Text("keyFile"), KeyRing = section.Text("keyRing") }
            : new DomainInput(null, null, null) { Bound = false };
    }

    /// <summary>
    /// Validates the bound section: the defaults when it is absent, null (with the errors added)
    /// when it is wrong. A relative <c>keyFile</c> resolves against <paramref name="context"/>'s
    /// directory (the current one without a context).
    /// </summary>
    public static DomainSection? Validate(DomainInput? input, ConfigurationErrors errors, ConfigurationContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (input is null)
        {
            return DomainSection.Default;
        }

        if (!input.Bound)
        {
            return null;
        }

        var before = errors.Count;
        var defaults = DomainSection.Default;
        var domain = new DomainSection(
            input.Interface?.Text,
            ConfigValues.WholeNumber(input.TimeToLive, 1, 255, errors) ?? defaults.TimeToLive,
            ConfigValues.Boolean(input.Loopback, errors) ?? defaults.Loopback)
        {
            KeyFile = ConfigValues.FilePath(input.KeyFile, context?.BaseDirectory ?? Directory.GetCurrentDirectory()),
            KeyRing = KeyRingName(input.KeyRing, errors),
        };
        if (input.KeyRing is not null && input.KeyFile is null)
        {
            errors.Add(input.KeyRing.Path, "names a ring of domain.keyFile, which is not given");
        }

        if (input.Interface is { Text.Length: 0 })
        {
            errors.Add(input.Interface.Path, "must not be empty; leave the key out for the default interface");
        }

        return errors.Count == before ? domain : null;
    }

    /// <summary>The key file exists, reads without error and holds the named (or only) domain ring of HMAC keys.</summary>
    public static void CheckEnvironment(DomainInput? input, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (input is { Bound: true })
        {
            ControlKeyFiles.Check(input.KeyFile, input.KeyRing, context, errors);
        }
    }

    /// <summary>A key ring name: an id, as key files name domain rings.</summary>
    internal static string? KeyRingName(ConfigText? text, ConfigurationErrors errors)
    {
        if (text?.Text is not { } name)
        {
            return null;
        }

        if (name.Length is 0 or > 128 || !name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            errors.Add(text.Path, $"'{name}' is not a key ring name: 1 to 128 characters from A-Z a-z 0-9 . _ -");
            return null;
        }

        return name;
    }

    /// <summary>
    /// What only the host that runs the node can check, so <c>config validate</c> does not: that
    /// <c>domain.interface</c> exists here, and that it can carry every group the file names
    /// (an IPv6-only group needs an interface with IPv6). The interface is null when there are errors.
    /// </summary>
    public static (MulticastInterface? Interface, IReadOnlyList<ConfigurationError> Errors) CheckOnThisHost(DomainSection domain, IReadOnlyList<GroupDefinition> groups)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(groups);
        MulticastInterface multicastInterface;
        if (domain.Interface is not { } name)
        {
            multicastInterface = MulticastInterface.Loopback();
        }
        else if (!MulticastInterface.TryResolve(name, out var found, out var error))
        {
            return (null, [new ConfigurationError("domain.interface", error)]);
        }
        else
        {
            multicastInterface = found;
        }

        var errors = groups
            .Where(g => !g.IsTemplate)
            .Select(g => CommonOptions.CarryError(g.Name, multicastInterface, "domain.interface") is { } carry ? new ConfigurationError($"groups.{g.Id}.uri", carry) : null)
            .OfType<ConfigurationError>()
            .ToList();
        return errors.Count == 0 ? (multicastInterface, []) : (null, errors);
    }
}
