using System.Globalization;
using System.Security.Cryptography;
using Bridge.Lab.CrossCheck;
using Bridge.Lab.Routing;
using Bridge.Lab.Schemes;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The lab's cross-check on real hosts (issue 12, docs/evaluation.md "Cross-check on real
/// hosts"): the reduced DE scenario of <see cref="CrossCheckScenario"/> built of network
/// namespaces, one per backbone router with static routes along the lab's shortest paths, and
/// per site a segment with a provider gateway (<c>gridcast run</c>) and receivers
/// (<c>gridcast sub</c>). One 1000-byte message from the source must cross every underlay link
/// as many times as the simulator says.
/// </summary>
/// <remarks>
/// Copies are counted by the kernel per interface (<see cref="LargePacketCounter"/>: the packets
/// of 1024 to 2047 bytes an interface sends), read after the overlay has carried a warm-up and
/// again after every receiver printed the message. The gateways' own traffic (hellos,
/// heartbeats, link-state, member reports, TCP acknowledgements) is far below 1024 bytes, so the
/// difference is the message's copies alone. A backbone link's copies are what its two veth ends
/// sent; a home's access link's are what the home sent (up) and what its bridge port sent to it
/// (down). The gateway sits at its site's router in the model: its own port and the router's
/// site leg are no underlay link and are not compared.
/// </remarks>
public sealed class LabCrossCheckTests(ITestOutputHelper output)
{
    /// <summary>The message's payload size, as in the paper and the lab.</summary>
    private const int PayloadBytes = 1000;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(HybridDeployment.ProviderGateways)]
    [InlineData(HybridDeployment.HomeGateways)]
    public async Task Publish_ReducedDeScenario_PacketsPerUnderlayLinkEqualSimulatedLinkStress(HybridDeployment deployment)
    {
        var scenario = CrossCheckScenario.Build(deployment: deployment);
        await using var lab = await RealLab.StartAsync(scenario, output);
        var before = lab.ReadCopies();

        var payload = lab.Payload();
        var (code, pub) = await lab.Source.RunGridcastAsync(Patience, ["pub", lab.Group, payload, "--interface", lab.Source.Interface]);
        await using (pub)
        {
            Assert.True(code == 0, pub.Transcript());
        }

        foreach (var sub in lab.Subs)
        {
            await sub.WaitForLineAsync(l => SubMessage.TryParse(l)?.Payload == payload, Patience);
        }

        var after = lab.ReadCopies();
        var measured = after.ToDictionary(c => c.Key, c => c.Value - before[c.Key]);
        var simulated = measured.Keys.ToDictionary(l => l, scenario.SimulatedCopies);
        output.WriteLine($"{HybridScheme.NameOf(deployment)}: link | simulated | measured");
        foreach (var link in measured.Keys.OrderBy(l => l.Index))
        {
            output.WriteLine($"{scenario.Lab.Network.Describe(link)} | {simulated[link]} | {measured[link]}");
        }

        Assert.All(lab.Subs, s => Assert.Single(s.StandardOutput, l => SubMessage.TryParse(l)?.Payload == payload));
        // Every link the simulator used is one the namespaces realise, so nothing is left out.
        Assert.All(scenario.Simulated.LinkStress.Used, u => Assert.Contains(u.Link, measured.Keys));
        Assert.True(
            simulated.Values.Sum() > scenario.Lab.NodeVertices.Length + 1,
            "the scenario crosses backbone links at all (else it would check only the access links)");
        var differing = measured.Keys.Where(l => measured[l] != simulated[l])
            .Select(l => $"{scenario.Lab.Network.Describe(l)}: simulated {simulated[l]}, measured {measured[l]}").ToList();
        Assert.True(differing.Count == 0, $"copies differ on {differing.Count} links:\n{string.Join('\n', differing)}\n{lab.Transcripts()}");
    }

    [Fact]
    public void Create_TwoSitesOverThreeRouters_RoutesAlongTheGivenLinksAndDisposeLeavesNoNamespace()
    {
        // A triangle whose direct link 0-2 the routes avoid: traffic between the sites at routers
        // 0 and 2 goes through router 1, as the lab's routes go along its shortest paths, not the
        // fewest hops.
        var backbone = RoutedBackbone.Create(
            3,
            [new BackboneLink(0, 1), new BackboneLink(1, 2), new BackboneLink(0, 2)],
            [new BackboneSite(0, 1), new BackboneSite(2, 1)],
            [new BackboneRoute(0, 1, 0), new BackboneRoute(1, 1, 1), new BackboneRoute(2, 0, 1), new BackboneRoute(1, 0, 0)]);
        IReadOnlyList<string> existing;
        using (backbone)
        {
            existing = backbone.ExistingNamespaces();
            var farSite = backbone.Sites[1].Hosts[0].IPv4.ToString();
            Assert.Contains($"via 10.252.0.2 dev {RoutedBackbone.LinkInterface(0)}", IpCommand.Run("-n", backbone.RouterNamespace(0), "route", "get", farSite), StringComparison.Ordinal);
            Assert.Contains($"via 10.252.1.2 dev {RoutedBackbone.LinkInterface(1)}", IpCommand.Run("-n", backbone.RouterNamespace(1), "route", "get", farSite), StringComparison.Ordinal);
            Assert.Contains($"via 10.252.1.1 dev {RoutedBackbone.LinkInterface(1)}", IpCommand.Run("-n", backbone.RouterNamespace(2), "route", "get", backbone.Sites[0].Hosts[0].IPv4.ToString()), StringComparison.Ordinal);
        }

        // Three routers, two bridges, two hosts.
        Assert.Equal(7, existing.Count);
        Assert.Empty(backbone.ExistingNamespaces());
    }

    [Fact]
    public async Task LargePacketCounter_SmallAndLargeMessagesOnASite_CountsOnlyTheLargeOnes()
    {
        const string group = "ham:ip:239.1.2.3:5000";
        await using var backbone = RoutedBackbone.Create(1, [], [new BackboneSite(0, 2)], []);
        var (sender, receiver) = (backbone.Sites[0].Hosts[0], backbone.Sites[0].Hosts[1]);
        await using var sub = StreamSubscribers.Start(receiver, group);
        await StreamSubscribers.SubscribedAsync(sub);
        LargePacketCounter.Install(sender.Name, sender.Interface);
        LargePacketCounter.Install(backbone.Sites[0].BridgeNamespace, RoutedBackbone.HostPort(1));
        var large = "large ".PadRight(PayloadBytes, '.');

        foreach (var (text, repeat) in new[] { ("small", "3"), (large, "2"), ("last", "1") })
        {
            var (code, pub) = await sender.RunGridcastAsync(Patience, ["pub", group, text, "--repeat", repeat, "--interface", sender.Interface]);
            await using (pub)
            {
                Assert.True(code == 0, pub.Transcript());
            }
        }

        await sub.WaitForLineAsync(l => SubMessage.TryParse(l)?.Payload == "last", Patience);

        // Sent by the sender's veth and by the bridge's port towards the receiver: the two large ones each.
        Assert.Equal(2, LargePacketCounter.Read(sender.Name, sender.Interface));
        Assert.Equal(2, LargePacketCounter.Read(backbone.Sites[0].BridgeNamespace, RoutedBackbone.HostPort(1)));
        Assert.Equal(2, sub.StandardOutput.Count(l => SubMessage.TryParse(l)?.Payload == large));
    }

    /// <summary>
    /// The scenario on real hosts: the backbone, the gateways converged (a warm-up has reached
    /// every receiver), the receivers subscribed and the counters installed. Disposing stops every
    /// process, then removes the namespaces and the files, whatever happened before.
    /// </summary>
    /// <remarks>
    /// Host 0 of each site's segment is the site's transit gateway (at the router in the model);
    /// at the source's site (site 0) host 1 is the source's home; then one home per group node of
    /// the site, in node order. PG: the homes are on the site's multicast domain, the segment.
    /// HG: each home is a domain of its own, its loopback interface, with a leaf gateway whose
    /// upstream is the site's transit gateway, over the segment; the transit gateways' domains
    /// are their own loopback interfaces, which hold nobody, as in the simulator.
    /// </remarks>
    private sealed class RealLab : IAsyncDisposable
    {
        private readonly CrossCheckScenario _scenario;
        private readonly TempDirectory _files;
        private readonly RoutedBackbone _backbone;
        private readonly List<ExternalProcess> _processes = [];
        private readonly List<Home> _homes = [];

        // By lab link: where its copies are counted (namespace, interface; both directions).
        private readonly Dictionary<NetworkLink, List<(string Namespace, string Interface)>> _counted = [];

        private RealLab(CrossCheckScenario scenario, TempDirectory files, RoutedBackbone backbone)
        {
            _scenario = scenario;
            _files = files;
            _backbone = backbone;
            Group = $"ham:sg:gridcast.test.crosscheck-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
            var lab = scenario.Lab;
            _homes.Add(new Home("source", lab.SourceVertex, 0, 1, backbone.Sites[0].Hosts[1]));
            for (var s = 0; s < backbone.Sites.Count; s++)
            {
                var first = s == 0 ? 2 : 1;
                _homes.AddRange(scenario.NodesAt(s).Select((node, k) => new Home(
                    string.Create(CultureInfo.InvariantCulture, $"node{node}"), lab.NodeVertices[node], s, first + k, backbone.Sites[s].Hosts[first + k])));
            }
        }

        public string Group { get; }

        /// <summary>Where the source publishes: its home's segment (PG) or its home alone (HG).</summary>
        public NamespaceHost Source => DomainOf(_homes[0]);

        public List<ExternalProcess> Subs { get; } = [];

        private bool HomeGateways => _scenario.Deployment == HybridDeployment.HomeGateways;

        public static async Task<RealLab> StartAsync(CrossCheckScenario scenario, ITestOutputHelper output)
        {
            var lab = scenario.Lab;
            var routers = scenario.Routers.Select((vertex, number) => (vertex, number)).ToDictionary(r => r.vertex, r => r.number);
            var links = scenario.BackboneLinks.Select((link, number) => (link, number)).ToDictionary(l => l.link.Index, l => l.number);
            var sites = lab.Placement.Sites.Length;
            var files = new TempDirectory("gridcast-crosscheck-");
            RoutedBackbone backbone;
            try
            {
                backbone = RoutedBackbone.Create(
                    scenario.Routers.Length,
                    [.. scenario.BackboneLinks.Select(l => new BackboneLink(routers[l.A], routers[l.B]))],
                    [.. Enumerable.Range(0, sites).Select(s => new BackboneSite(routers[lab.SiteVertex(s)], 1 + (s == 0 ? 1 : 0) + scenario.NodesAt(s).Length))],
                    [.. scenario.Routes.Select(r => new BackboneRoute(routers[r.Router], r.Site, links[r.Via.Index]))]);
            }
            catch
            {
                files.Dispose();
                throw;
            }

            var real = new RealLab(scenario, files, backbone);
            try
            {
                await real.StartGatewaysAsync(output);
                await real.StartReceiversAsync(output);
                real.InstallCounters(links);
                return real;
            }
            catch
            {
                await real.DisposeAsync();
                throw;
            }
        }

        /// <summary>The measured message: 1000 bytes of text naming the group, so no other run's message can be taken for it.</summary>
        public string Payload() => ("crosscheck " + Group + " ").PadRight(PayloadBytes, '.');

        /// <summary>Copies counted so far on every realised underlay link.</summary>
        public Dictionary<NetworkLink, long> ReadCopies()
            => _counted.ToDictionary(c => c.Key, c => c.Value.Sum(end => LargePacketCounter.Read(end.Namespace, end.Interface)));

        public string Transcripts() => string.Join('\n', _processes.Select(p => p.Transcript()));

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes)
            {
                await process.DisposeAsync();
            }

            try
            {
                _backbone.Dispose();
            }
            finally
            {
                _files.Dispose();
            }
        }

        private NamespaceHost DomainOf(Home home) => HomeGateways ? home.Host.OnLoopback() : home.Host;

        private async Task StartGatewaysAsync(ITestOutputHelper output)
        {
            var placement = _scenario.Lab.Placement;
            var transit = placement.Sites
                .Select(s => new GatewayHost("gw-" + s.Backbone.Name.ToLowerInvariant(), _backbone.Sites[s.Index].Hosts[0]))
                .ToList();
            var leaves = HomeGateways
                ? _homes.Select(h => (Gateway: new GatewayHost("hg-" + h.Name, h.Host), Upstream: transit[h.Site])).ToList()
                : [];
            await GatewayFiles.MakeCertificatesAsync(_files.Path, "crosscheck-ca", [.. transit, .. leaves.Select(l => l.Gateway)]);
            for (var s = 0; s < transit.Count; s++)
            {
                // The lower site of each overlay link dials, the higher accepts.
                var peers = _scenario.Overlay.Where(o => o.A == s || o.B == s)
                    .Select(o => o.A == s ? (transit[o.B], true) : (transit[o.A], false));
                GatewayFiles.WriteTransit(_files.Path, transit[s], Group, peers, learnMembers: false, acceptLeaves: HomeGateways);
            }

            foreach (var (leaf, upstream) in leaves)
            {
                GatewayFiles.WriteLeaf(_files.Path, leaf, Group, [upstream]);
            }

            List<GatewayHost> gateways = [.. transit, .. leaves.Select(l => l.Gateway)];
            List<ExternalProcess> runs = [];
            foreach (var gateway in gateways)
            {
                if (HomeGateways)
                {
                    MoveDomainToLoopback(GatewayFiles.ConfigPath(_files.Path, gateway));
                }

                runs.Add(Track(gateway.Host.StartGridcast("run", "--config", GatewayFiles.ConfigPath(_files.Path, gateway))));
            }

            foreach (var run in runs)
            {
                await run.WaitForLineAsync(l => l.Contains("Gateway ready", StringComparison.Ordinal), Patience);
            }

            output.WriteLine(
                $"{HybridScheme.NameOf(_scenario.Deployment)}: sites {string.Join(' ', placement.Sites.Select(s => s.Backbone.Name))}; overlay "
                + string.Join(", ", _scenario.Overlay.Select(o => $"{placement.Sites[o.A].Backbone.Name}-{placement.Sites[o.B].Backbone.Name}"))
                + $"; {_scenario.Routers.Length} routers, {_scenario.BackboneLinks.Length} links, {_scenario.Routes.Length} routes; {gateways.Count} gateways");
        }

        /// <summary>
        /// HG: GatewayFiles puts every gateway's domain on the host's segment interface; here the
        /// domain is the namespace's loopback (a home alone, or a transit gateway's empty domain),
        /// so that no gateway's native multicast crosses a home's access link.
        /// </summary>
        private static void MoveDomainToLoopback(string config)
        {
            var text = File.ReadAllText(config);
            var segment = $"interface: {RoutedDomains.HostInterface}";
            Assert.Contains(segment, text, StringComparison.Ordinal);
            File.WriteAllText(config, text.Replace(segment, "interface: lo", StringComparison.Ordinal));
        }

        private async Task StartReceiversAsync(ITestOutputHelper output)
        {
            foreach (var home in _homes.Skip(1))
            {
                Subs.Add(Track(StreamSubscribers.Start(DomainOf(home), Group)));
            }

            foreach (var sub in Subs)
            {
                await StreamSubscribers.SubscribedAsync(sub);
            }

            var (took, bursts) = await StreamSubscribers.WarmUpAsync(Source, Group, Subs, Convergence, Transcripts);
            output.WriteLine($"overlay converged: a warm-up reached every receiver after {took.TotalMilliseconds:F0} ms ({bursts} burst(s) of 20)");

            // A fence after the warm-up: each receiver's copies come down one tree over TCP, in
            // order, so once every receiver has the fence no warm-up message is still on its way
            // to be counted (a burst of small relays can leave in one large TCP segment).
            var fence = "fence " + Group;
            var (code, pub) = await Source.RunGridcastAsync(Patience, ["pub", Group, fence, "--interface", Source.Interface]);
            await using (pub)
            {
                Assert.True(code == 0, pub.Transcript());
            }

            foreach (var sub in Subs)
            {
                await sub.WaitForLineAsync(l => SubMessage.TryParse(l)?.Payload == fence, Patience);
            }
        }

        private void InstallCounters(Dictionary<int, int> links)
        {
            foreach (var link in _scenario.BackboneLinks)
            {
                var number = links[link.Index];
                var ends = new[] { _backbone.Links[number].A, _backbone.Links[number].B }
                    .Select(r => (_backbone.RouterNamespace(r), RoutedBackbone.LinkInterface(number))).ToList();
                _counted.Add(link, ends);
            }

            foreach (var home in _homes)
            {
                _counted.Add(
                    _scenario.Lab.AccessLinkOf(home.Vertex),
                    [(home.Host.Name, home.Host.Interface), (_backbone.Sites[home.Site].BridgeNamespace, RoutedBackbone.HostPort(home.Number))]);
            }

            foreach (var (ns, @interface) in _counted.Values.SelectMany(ends => ends))
            {
                LargePacketCounter.Install(ns, @interface);
            }
        }

        private ExternalProcess Track(ExternalProcess process)
        {
            _processes.Add(process);
            return process;
        }

        /// <summary>A home: the source's or a group node's, at its lab vertex, as host <paramref name="Number"/> of its site's segment.</summary>
        private sealed record Home(string Name, int Vertex, int Site, int Number, NamespaceHost Host);
    }
}
