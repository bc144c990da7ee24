using System.Globalization;
using System.Net;

namespace Bridge.Testing.Namespaces;

/// <summary>A link of a <see cref="RoutedBackbone"/> between two of its routers (by number).</summary>
/// <param name="A">One end.</param>
/// <param name="B">The other end.</param>
public sealed record BackboneLink(int A, int B);

/// <summary>A static route of a <see cref="RoutedBackbone"/>: at <paramref name="Router"/>, traffic for site <paramref name="Site"/> leaves over link <paramref name="Link"/>.</summary>
/// <param name="Router">The router's number.</param>
/// <param name="Site">The destination site's number.</param>
/// <param name="Link">The link's number; the router is one of its ends.</param>
public sealed record BackboneRoute(int Router, int Site, int Link);

/// <summary>A site of a <see cref="RoutedBackbone"/>: a multicast domain with <paramref name="Hosts"/> hosts whose router is <paramref name="Router"/>.</summary>
/// <param name="Router">The router's number.</param>
/// <param name="Hosts">Hosts on the site's segment, 1 to 200.</param>
public sealed record BackboneSite(int Router, int Hosts);

/// <summary>
/// A routed backbone of real hosts: one network namespace per router, joined by veth pairs (the
/// backbone links) and routed by static routes, and sites, each a multicast domain like those of
/// <see cref="RoutedDomains"/> (a Linux bridge in a namespace of its own with hosts) with a leg of
/// its router on the segment. Unicast crosses the backbone along the given routes; no router
/// forwards multicast, so native multicast stays in its site.
/// </summary>
/// <remarks>
/// Names and addresses: router r is namespace <c>PREFIXr{r}</c>; link k is a veth pair whose ends
/// are both named <c>l{k}</c>, with 10.252.k.1/24 at end A and 10.252.k.2/24 at end B. Site s
/// (from 0) is domain number s + 1: bridge namespace <c>PREFIXs{s}br</c>, hosts
/// <c>PREFIXs{s}h{k}</c> with 10.251.(s+1).(k+1)/24 on <see cref="RoutedDomains.HostInterface"/>
/// (bridge port <c>p{k}</c>), the router's leg <see cref="SiteLeg"/> at .254 and every host's
/// default route through it. Routing is IPv4 only; the hosts have IPv6 addresses for their
/// segment. Everything lives in the backbone's own namespaces and is deleted on disposal.
/// </remarks>
public sealed class RoutedBackbone : IDisposable, IAsyncDisposable
{
    /// <summary>The name of a router's interface into its site's segment.</summary>
    public const string SiteLeg = "site";

    private const string RouterPort = "rt";
    private const int MaxLinks = 250;
    private const int MaxSites = 250;
    private const int MaxHostsPerSite = 200;
    private const int RouterHostPart = 254;

    private readonly OwnedNamespaces _namespaces;
    private readonly List<MulticastDomain> _sites = [];
    private readonly List<BackboneLink> _links;
    private readonly int _routers;

    private RoutedBackbone(OwnedNamespaces namespaces, int routers, IReadOnlyList<BackboneLink> links)
    {
        _namespaces = namespaces;
        _routers = routers;
        _links = [.. links];
    }

    /// <summary>The prefix of every namespace of this backbone.</summary>
    public string Prefix => _namespaces.Prefix;

    /// <summary>The sites, by number (site s is <see cref="MulticastDomain.Number"/> s + 1).</summary>
    public IReadOnlyList<MulticastDomain> Sites => _sites;

    /// <summary>The links, by number.</summary>
    public IReadOnlyList<BackboneLink> Links => _links;

    /// <summary>
    /// Builds <paramref name="routers"/> routers, the links between them, the sites and the
    /// routes; waits until every interface is up and every bridge port forwards. Throws naming
    /// the reason when this is not Linux, not root, or <c>ip</c> or <c>sysctl</c> is missing.
    /// </summary>
    public static RoutedBackbone Create(int routers, IReadOnlyList<BackboneLink> links, IReadOnlyList<BackboneSite> sites, IReadOnlyList<BackboneRoute> routes, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentOutOfRangeException.ThrowIfLessThan(routers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(links.Count, MaxLinks, nameof(links));
        ArgumentOutOfRangeException.ThrowIfLessThan(sites.Count, 1, nameof(sites));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sites.Count, MaxSites, nameof(sites));
        if (links.FirstOrDefault(l => l.A == l.B || !IsRouter(l.A) || !IsRouter(l.B)) is { } badLink)
        {
            throw new ArgumentException($"link {badLink} needs two different routers of 0 to {routers - 1}", nameof(links));
        }

        if (sites.FirstOrDefault(s => !IsRouter(s.Router) || s.Hosts < 1 || s.Hosts > MaxHostsPerSite) is { } badSite)
        {
            throw new ArgumentException($"site {badSite} needs a router of 0 to {routers - 1} and 1 to {MaxHostsPerSite} hosts", nameof(sites));
        }

        if (sites.Select(s => s.Router).Distinct().Count() != sites.Count)
        {
            throw new ArgumentException("two sites share a router; a router has one site leg", nameof(sites));
        }

        if (routes.FirstOrDefault(r => r.Link < 0 || r.Link >= links.Count || r.Site < 0 || r.Site >= sites.Count
            || (links[r.Link].A != r.Router && links[r.Link].B != r.Router)) is { } badRoute)
        {
            throw new ArgumentException($"route {badRoute} needs a site, and a link that ends at its router", nameof(routes));
        }

        var backbone = new RoutedBackbone(OwnedNamespaces.Claim(prefix), routers, links);
        try
        {
            backbone.Build(sites, routes);
            return backbone;
        }
        catch (Exception failure)
        {
            try
            {
                backbone.Dispose();
            }
            catch (Exception cleanup) when (cleanup is InvalidOperationException or TimeoutException)
            {
                throw new AggregateException($"building routed backbone {backbone.Prefix} failed, and so did removing it", failure, cleanup);
            }

            throw;
        }

        bool IsRouter(int router) => router >= 0 && router < routers;
    }

    /// <summary>The namespace of router <paramref name="router"/>.</summary>
    public string RouterNamespace(int router) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}r{router}");

    /// <summary>The name of link <paramref name="link"/>'s interface at both its ends.</summary>
    public static string LinkInterface(int link) => string.Create(CultureInfo.InvariantCulture, $"l{link}");

    /// <summary>The bridge port of host <paramref name="host"/> (from 0) of a site, in the site's bridge namespace.</summary>
    public static string HostPort(int host) => string.Create(CultureInfo.InvariantCulture, $"p{host + 1}");

    /// <summary>The names of this backbone's namespaces that exist now.</summary>
    public IReadOnlyList<string> ExistingNamespaces() => _namespaces.Existing();

    /// <summary>Deletes every namespace of this backbone; throws naming any that could not be deleted.</summary>
    public void Dispose() => _namespaces.Dispose();

    /// <summary>As <see cref="Dispose"/>, for <c>await using</c>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Build(IReadOnlyList<BackboneSite> sites, IReadOnlyList<BackboneRoute> routes)
    {
        for (var r = 0; r < _routers; r++)
        {
            _namespaces.Add(RouterNamespace(r));
            IpCommand.Run("-n", RouterNamespace(r), "link", "set", "lo", "up");
        }

        for (var k = 0; k < _links.Count; k++)
        {
            var (a, b) = (RouterNamespace(_links[k].A), RouterNamespace(_links[k].B));
            var name = LinkInterface(k);
            IpCommand.Run("link", "add", name, "netns", a, "type", "veth", "peer", "name", name, "netns", b);
            IpCommand.Run("-n", a, "addr", "add", $"{LinkAddress(k, _links[k].A)}/24", "dev", name);
            IpCommand.Run("-n", b, "addr", "add", $"{LinkAddress(k, _links[k].B)}/24", "dev", name);
            IpCommand.Run("-n", a, "link", "set", name, "up");
            IpCommand.Run("-n", b, "link", "set", name, "up");
        }

        for (var s = 0; s < sites.Count; s++)
        {
            BuildSite(s, sites[s]);
        }

        foreach (var route in routes)
        {
            var link = _links[route.Link];
            var nextHop = LinkAddress(route.Link, link.A == route.Router ? link.B : link.A);
            IpCommand.Run("-n", RouterNamespace(route.Router), "route", "add", _sites[route.Site].IPv4Network.ToString(),
                "via", nextHop.ToString(), "dev", LinkInterface(route.Link));
        }

        // No multicast routing daemon runs in a router, so no multicast is forwarded between its
        // interfaces whether or not the kernel could; unicast forwarding is switched on.
        for (var r = 0; r < _routers; r++)
        {
            IpCommand.Sysctl(RouterNamespace(r), onlyIfPresent: false, "net.ipv4.ip_forward=1");
        }

        EthernetSegment.WaitUntilReady($"routed backbone {Prefix}", () => NotReady(sites));
    }

    private void BuildSite(int s, BackboneSite site)
    {
        var number = s + 1;
        var router = RouterNamespace(site.Router);
        var bridgeNamespace = string.Create(CultureInfo.InvariantCulture, $"{Prefix}s{s}br");
        var domain = new MulticastDomain(
            number,
            bridgeNamespace,
            SiteLeg,
            IPNetwork.Parse(string.Create(CultureInfo.InvariantCulture, $"10.251.{number}.0/24")),
            IPNetwork.Parse(string.Create(CultureInfo.InvariantCulture, $"fd00:251:{number}::/64")),
            IPv4Of(number, RouterHostPart),
            IPv6Of(number, RouterHostPart));
        EthernetSegment.CreateBridge(_namespaces, bridgeNamespace);
        EthernetSegment.Attach(bridgeNamespace, router, SiteLeg, RouterPort);
        IpCommand.Run("-n", router, "addr", "add", $"{domain.RouterIPv4}/24", "dev", SiteLeg);
        IpCommand.Run("-n", router, "addr", "add", $"{domain.RouterIPv6}/64", "dev", SiteLeg, "nodad");
        IpCommand.Run("-n", router, "link", "set", SiteLeg, "up");
        for (var k = 0; k < site.Hosts; k++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}s{s}h{k}");
            var host = EthernetSegment.AddHost(_namespaces, bridgeNamespace, name, RoutedDomains.HostInterface, HostPort(k), IPv4Of(number, k + 2), IPv6Of(number, k + 2));
            // As in RoutedDomains: multicast stays on the segment whatever the default route is.
            IpCommand.Run("-n", name, "route", "add", "224.0.0.0/4", "dev", RoutedDomains.HostInterface);
            IpCommand.Run("-n", name, "-6", "route", "add", "ff00::/8", "dev", RoutedDomains.HostInterface);
            IpCommand.Run("-n", name, "route", "add", "default", "via", domain.RouterIPv4.ToString(), "dev", RoutedDomains.HostInterface);
            domain.HostList.Add(host);
        }

        _sites.Add(domain);
    }

    private List<string> NotReady(IReadOnlyList<BackboneSite> sites)
    {
        List<string> missing = [];
        for (var k = 0; k < _links.Count; k++)
        {
            foreach (var end in new[] { _links[k].A, _links[k].B })
            {
                if (!EthernetSegment.IsUp(RouterNamespace(end), LinkInterface(k)))
                {
                    missing.Add($"{LinkInterface(k)} of router {end} is not up");
                }
            }
        }

        for (var s = 0; s < _sites.Count; s++)
        {
            var domain = _sites[s];
            if (EthernetSegment.PortsNotForwarding(domain.BridgeNamespace, domain.Hosts.Count + 1) is { } ports)
            {
                missing.Add(ports);
            }

            if (!EthernetSegment.IsUp(RouterNamespace(sites[s].Router), SiteLeg))
            {
                missing.Add($"site leg of router {sites[s].Router} is not up");
            }

            missing.AddRange(domain.Hosts.Where(h => !EthernetSegment.IsUp(h.Name, h.Interface)).Select(h => $"{h.Interface} of {h.Name} is not up"));
        }

        return missing;
    }

    // End A of link k is .1, end B .2.
    private IPAddress LinkAddress(int link, int router)
        => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.252.{link}.{(_links[link].A == router ? 1 : 2)}"));

    private static IPAddress IPv4Of(int site, int hostPart)
        => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.251.{site}.{hostPart}"));

    private static IPAddress IPv6Of(int site, int hostPart)
        => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"fd00:251:{site}::{hostPart}"));
}
