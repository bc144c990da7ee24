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

    /// <summary>The IP module settings these values stand for.</summary>
    public IpMulticastOptions ToIpOptions() => new() { TimeToLive = TimeToLive, Loopback = Loopback };
}

/// <summary>The <c>domain</c> section as bound.</summary>
/// <param name="Interface"><c>interface</c>.</param>
/// <param name="TimeToLive"><c>ttl</c>.</param>
/// <param name="Loopback"><c>loopback</c>.</param>
public sealed record DomainInput(ConfigText? Interface, ConfigText? TimeToLive, ConfigText? Loopback)
{
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

        return SectionReader.Open(value, DomainSection.Key, errors, "interface", "ttl", "loopback") is { } section
            ? new DomainInput(section.Text("interface"), section.Text("ttl"), section.Text("loopback"))
            : new DomainInput(null, null, null) { Bound = false };
    }

    /// <summary>Validates the bound section: the defaults when it is absent, null (with the errors added) when it is wrong.</summary>
    public static DomainSection? Validate(DomainInput? input, ConfigurationErrors errors)
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
            ConfigValues.Boolean(input.Loopback, errors) ?? defaults.Loopback);
        if (input.Interface is { Text.Length: 0 })
        {
            errors.Add(input.Interface.Path, "must not be empty; leave the key out for the default interface");
        }

        return errors.Count == before ? domain : null;
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
