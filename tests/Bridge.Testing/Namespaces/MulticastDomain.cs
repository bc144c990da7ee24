using System.Net;
using System.Net.Sockets;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// One multicast domain of <see cref="RoutedDomains"/>: an Ethernet segment (a Linux bridge in a
/// namespace of its own) with hosts and one leg of the router. Multicast reaches every host of
/// the domain and no other; unicast to other domains goes through the router.
/// </summary>
public sealed class MulticastDomain
{
    internal MulticastDomain(int number, string bridgeNamespace, string routerInterface, IPNetwork ipv4Network, IPNetwork ipv6Network, IPAddress routerIPv4, IPAddress routerIPv6)
    {
        Number = number;
        BridgeNamespace = bridgeNamespace;
        RouterInterface = routerInterface;
        IPv4Network = ipv4Network;
        IPv6Network = ipv6Network;
        RouterIPv4 = routerIPv4;
        RouterIPv6 = routerIPv6;
    }

    /// <summary>The domain's number, from 1: the third byte of its IPv4 addresses.</summary>
    public int Number { get; }

    /// <summary>The namespace holding the domain's bridge.</summary>
    public string BridgeNamespace { get; }

    /// <summary>The router's interface into this domain, as seen inside the router's namespace.</summary>
    public string RouterInterface { get; }

    /// <summary>The domain's IPv4 subnet, 10.251.<see cref="Number"/>.0/24.</summary>
    public IPNetwork IPv4Network { get; }

    /// <summary>The domain's IPv6 subnet, fd00:251:<see cref="Number"/>::/64.</summary>
    public IPNetwork IPv6Network { get; }

    /// <summary>The router's IPv4 address in this domain (.254), every host's default gateway.</summary>
    public IPAddress RouterIPv4 { get; }

    /// <summary>The router's IPv6 address in this domain (::254), every host's default gateway.</summary>
    public IPAddress RouterIPv6 { get; }

    /// <summary>The hosts, in the order of their addresses (the first has .2 and ::2).</summary>
    public IReadOnlyList<NamespaceHost> Hosts => HostList;

    internal List<NamespaceHost> HostList { get; } = [];

    /// <summary>The router's address of <paramref name="family"/> in this domain.</summary>
    public IPAddress RouterAddress(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => RouterIPv4,
        AddressFamily.InterNetworkV6 => RouterIPv6,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "domains have IPv4 and IPv6 addresses only"),
    };

    /// <inheritdoc/>
    public override string ToString() => $"domain {Number} ({IPv4Network}, {IPv6Network}, {Hosts.Count} hosts)";
}
