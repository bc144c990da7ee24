using System.Globalization;
using System.Net;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// Several multicast domains joined by routed unicast only. Each domain is one Ethernet segment of
/// real hosts, as a <see cref="NamespaceLan"/> is; one router namespace has a leg into every
/// domain's bridge and forwards unicast between them, and nothing forwards multicast.
/// </summary>
/// <remarks>
/// <para>
/// Domain <c>d</c> (from 1) is 10.251.<c>d</c>.0/24 and fd00:251:<c>d</c>::/64: host <c>k</c>
/// (from 1) has .<c>k+1</c> and ::<c>k+1</c> on <see cref="HostInterface"/>, the router .254 and
/// ::254. Every host's default route goes through its domain's router address, and 224.0.0.0/4
/// and ff00::/8 are routed out of <see cref="HostInterface"/>, so a join or send without an
/// interface stays on the host's own segment.
/// </para>
/// <para>
/// The router has IPv4 and IPv6 forwarding on and runs no multicast routing: the kernel forwards
/// multicast only while a multicast routing daemon holds its mroute socket, which shows as
/// <c>mc_forwarding</c> 1. Creating checks that it is 0 (or absent: a kernel without
/// multicast routing for a family) for both families.
/// </para>
/// <para>
/// Namespaces are <c>PREFIXrt</c> (the router), <c>PREFIXd&lt;d&gt;br</c> (a domain's bridge)
/// and <c>PREFIXd&lt;d&gt;h&lt;k&gt;</c> (hosts), under a prefix unique to the network; creating,
/// disposing and cleaning up at process end work as for <see cref="NamespaceLan"/>
/// (<see cref="OwnedNamespaces"/>).
/// </para>
/// </remarks>
public sealed class RoutedDomains : IDisposable, IAsyncDisposable
{
    /// <summary>The name of every host's interface into its domain's bridge, as seen inside the host.</summary>
    public const string HostInterface = "eth0";

    private const string RouterPort = "rt";
    private const int MaxDomains = 250;
    private const int MaxHostsPerDomain = 200;
    private const int RouterHostPart = 254;

    private readonly List<MulticastDomain> _domains = [];
    private readonly OwnedNamespaces _namespaces;

    private RoutedDomains(OwnedNamespaces namespaces)
    {
        _namespaces = namespaces;
        RouterNamespace = Prefix + "rt";
    }

    /// <summary>The prefix of every namespace of this network.</summary>
    public string Prefix => _namespaces.Prefix;

    /// <summary>The router's namespace.</summary>
    public string RouterNamespace { get; }

    /// <summary>The domains, in the order of their numbers (the first is domain 1).</summary>
    public IReadOnlyList<MulticastDomain> Domains => _domains;

    /// <summary>Every host of every domain, domain by domain.</summary>
    public IEnumerable<NamespaceHost> Hosts => _domains.SelectMany(d => d.Hosts);

    /// <summary>
    /// Builds one domain per entry of <paramref name="hostsPerDomain"/>, with that many hosts, and
    /// the router between them; waits until every bridge port forwards. Throws naming the reason
    /// when this is not Linux, not root, or <c>ip</c> or <c>sysctl</c> is missing.
    /// </summary>
    /// <param name="hostsPerDomain">Hosts in domain 1, 2, ...: 1 to 250 domains of 1 to 200 hosts; <c>[2, 1, 1]</c> is three domains, the first with two hosts.</param>
    /// <param name="prefix">The namespaces' name prefix; a fresh one per network when absent.</param>
    public static RoutedDomains Create(IReadOnlyList<int> hostsPerDomain, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(hostsPerDomain);
        ArgumentOutOfRangeException.ThrowIfLessThan(hostsPerDomain.Count, 1, nameof(hostsPerDomain));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostsPerDomain.Count, MaxDomains, nameof(hostsPerDomain));
        foreach (var count in hostsPerDomain)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(hostsPerDomain));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxHostsPerDomain, nameof(hostsPerDomain));
        }

        var network = new RoutedDomains(OwnedNamespaces.Claim(prefix));
        try
        {
            network.BuildRouter();
            for (var number = 1; number <= hostsPerDomain.Count; number++)
            {
                network.BuildDomain(number, hostsPerDomain[number - 1]);
            }

            network.StartForwarding();
            network.WaitUntilForwarding();
            return network;
        }
        catch (Exception failure)
        {
            try
            {
                network.Dispose();
            }
            catch (Exception cleanup) when (cleanup is InvalidOperationException or TimeoutException)
            {
                throw new AggregateException($"building routed domains {network.Prefix} failed, and so did removing them", failure, cleanup);
            }

            throw;
        }
    }

    /// <summary>The names of this network's namespaces that exist now.</summary>
    public IReadOnlyList<string> ExistingNamespaces() => _namespaces.Existing();

    /// <summary>Deletes every namespace of this network; throws naming any that could not be deleted.</summary>
    public void Dispose() => _namespaces.Dispose();

    /// <summary>As <see cref="Dispose"/>, for <c>await using</c>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads a sysctl in the router's namespace; null when the kernel has no such key.</summary>
    public string? RouterSysctl(string key) => IpCommand.ReadSysctl(RouterNamespace, key);

    private void BuildRouter()
    {
        _namespaces.Add(RouterNamespace);
        IpCommand.Run("-n", RouterNamespace, "link", "set", "lo", "up");
    }

    private void BuildDomain(int number, int hostCount)
    {
        var bridgeNamespace = string.Create(CultureInfo.InvariantCulture, $"{Prefix}d{number}br");
        var leg = string.Create(CultureInfo.InvariantCulture, $"d{number}");
        var domain = new MulticastDomain(
            number,
            bridgeNamespace,
            leg,
            IPNetwork.Parse(string.Create(CultureInfo.InvariantCulture, $"10.251.{number}.0/24")),
            IPNetwork.Parse(string.Create(CultureInfo.InvariantCulture, $"fd00:251:{number}::/64")),
            IPv4Of(number, RouterHostPart),
            IPv6Of(number, RouterHostPart));

        // No snooping, as on a NamespaceLan: the bridge floods every multicast frame to every
        // port, the router's included, so only the router keeps multicast in the domain.
        EthernetSegment.CreateBridge(_namespaces, bridgeNamespace);
        EthernetSegment.Attach(bridgeNamespace, RouterNamespace, leg, RouterPort);
        IpCommand.Run("-n", RouterNamespace, "addr", "add", $"{domain.RouterIPv4}/24", "dev", leg);
        // nodad: usable at once instead of after duplicate address detection (about 1 s).
        IpCommand.Run("-n", RouterNamespace, "addr", "add", $"{domain.RouterIPv6}/64", "dev", leg, "nodad");
        IpCommand.Run("-n", RouterNamespace, "link", "set", leg, "up");

        for (var k = 1; k <= hostCount; k++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}d{number}h{k}");
            var port = string.Create(CultureInfo.InvariantCulture, $"p{k}");
            var host = EthernetSegment.AddHost(_namespaces, bridgeNamespace, name, HostInterface, port, IPv4Of(number, k + 1), IPv6Of(number, k + 1));
            // Without these, multicast sent or joined without naming an interface would follow
            // the default route; with them it stays on the segment whatever the default route is.
            IpCommand.Run("-n", name, "route", "add", "224.0.0.0/4", "dev", HostInterface);
            IpCommand.Run("-n", name, "-6", "route", "add", "ff00::/8", "dev", HostInterface);
            IpCommand.Run("-n", name, "route", "add", "default", "via", domain.RouterIPv4.ToString(), "dev", HostInterface);
            IpCommand.Run("-n", name, "-6", "route", "add", "default", "via", domain.RouterIPv6.ToString(), "dev", HostInterface);
            domain.HostList.Add(host);
        }

        _domains.Add(domain);
    }

    /// <summary>
    /// Turns unicast forwarding on once every leg exists (the IPv6 "all" switch sets the legs
    /// there are), then checks that no multicast forwarding is on. A kernel built without
    /// multicast routing for a family (no <c>CONFIG_IP_MROUTE</c> or <c>CONFIG_IPV6_MROUTE</c>)
    /// has no <c>mc_forwarding</c> file for it: it cannot forward that family's multicast at all,
    /// which is what the check is for, so an absent file counts as off.
    /// </summary>
    private void StartForwarding()
    {
        IpCommand.Sysctl(RouterNamespace, onlyIfPresent: false, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        var forwarding = new List<string>();
        foreach (var key in new[] { "net.ipv4.conf.all.mc_forwarding", "net.ipv6.conf.all.mc_forwarding" })
        {
            if (RouterSysctl(key) is { } value && value != "0")
            {
                forwarding.Add($"{key} = {value}");
            }
        }

        if (forwarding.Count > 0)
        {
            throw new InvalidOperationException(
                $"router {RouterNamespace} forwards multicast ({string.Join(", ", forwarding)}); the domains would not be separate");
        }
    }

    /// <summary>Waits until every bridge port of every domain forwards and every interface is up.</summary>
    private void WaitUntilForwarding() => EthernetSegment.WaitUntilReady($"routed domains {Prefix}", () =>
    {
        List<string> missing = [];
        foreach (var domain in _domains)
        {
            // The hosts' ports and the router's.
            if (EthernetSegment.PortsNotForwarding(domain.BridgeNamespace, domain.Hosts.Count + 1) is { } ports)
            {
                missing.Add(ports);
            }

            if (!EthernetSegment.IsUp(RouterNamespace, domain.RouterInterface))
            {
                missing.Add($"router interface {domain.RouterInterface} is not up");
            }

            missing.AddRange(domain.Hosts.Where(h => !EthernetSegment.IsUp(h.Name, h.Interface)).Select(h => $"{h.Interface} of {h.Name} is not up"));
        }

        return missing;
    });

    // The last part is the same digits in both families: host 9 is .10 and ::10.
    private static IPAddress IPv4Of(int domain, int hostPart)
        => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.251.{domain}.{hostPart}"));

    private static IPAddress IPv6Of(int domain, int hostPart)
        => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"fd00:251:{domain}::{hostPart}"));
}
