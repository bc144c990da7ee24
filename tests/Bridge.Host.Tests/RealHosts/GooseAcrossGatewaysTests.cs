using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;
using static Bridge.Host.Tests.RealHosts.GooseTunnelScenario;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The GOOSE tunnel across gateways (issue 14's end-to-end test): substation A and substation B
/// are two multicast domains joined only by a unicast router (<see cref="RoutedDomains"/>), each
/// with its transit gateway from <c>gridcast run --config</c> (gw-d2 dials gw-d1 over TLS) and a
/// GOOSE node. A's publisher → node A captures → the group → gw-d1 → overlay → gw-d2 → node B
/// re-emits GOOSE on B's LAN, where tshark is the subscriber. The run and its assertions are
/// <see cref="GooseTunnelScenario"/>'s, the same as in one domain (<see cref="GooseTunnelTests"/>);
/// a second test has node B re-emit with <c>out=rgoose</c> and tshark's r-goose dissector read B's LAN.
/// </summary>
/// <remarks>
/// No sleeps: the overlay has converged once B's LAN sees A's first state, which the publisher
/// repeats on its heartbeat until it does.
/// </remarks>
public sealed class GooseAcrossGatewaysTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Tunnel_PublisherInDomainA_GatewaysCarryItAndSubstationBSeesItsFramesUntilTimeAllowedToLiveOfItsEnd()
    {
        Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        await using var net = await Substations.StartAsync(output, EmitBridge("stream"));
        try
        {
            await RunAsync(net.HostA, net.HostB, net.NodeB, output);
        }
        catch
        {
            output.WriteLine(net.Transcripts());
            throw;
        }
    }

    [Fact]
    public async Task Tunnel_OutRGooseInSubstationB_TsharkDecodesNumberedSpdusCarryingAsApdus()
    {
        Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        await using var net = await Substations.StartAsync(output, EmitRGooseBridge("stream"));
        try
        {
            await RunRGooseAsync(net.HostA, net.HostB, output);
        }
        catch
        {
            output.WriteLine(net.Transcripts());
            throw;
        }
    }

    /// <summary>Two domains, a transit gateway in each, node A beside gw-d1 and node B beside gw-d2, running.</summary>
    private sealed class Substations : GatewayTestbed
    {
        private Substations(TempDirectory files, RoutedDomains domains)
            : base(files, domains, "goose")
        {
            var (d1, d2) = (domains.Domains[0], domains.Domains[1]);
            G1 = new GatewayHost("gw-d1", d1.Hosts[0]);
            G2 = new GatewayHost("gw-d2", d2.Hosts[0]);
            HostA = d1.Hosts[1];
            HostB = d2.Hosts[1];
        }

        public GatewayHost G1 { get; }

        public GatewayHost G2 { get; }

        public NamespaceHost HostA { get; }

        public NamespaceHost HostB { get; }

        public ExternalProcess NodeB { get; private set; } = null!;

        /// <summary>Starts the gateways, node A capturing and node B with <paramref name="emit"/> as its <c>bridge</c> section.</summary>
        public static Task<Substations> StartAsync(ITestOutputHelper output, string emit)
            => StartAsync("goose", [2, 2], static (files, domains) => new Substations(files, domains), net => net.UpAsync(output, emit));

        private async Task UpAsync(ITestOutputHelper output, string emit)
        {
            Output = output;
            AddSubstationLans(HostA, HostB);
            await GatewayFiles.MakeCertificatesAsync(Files.Path, "GridCast GOOSE Test CA", [G1, G2]);
            GatewayFiles.WriteTransit(Files.Path, G1, Group, [(G2, false)], learnMembers: true, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, G2, Group, [(G1, true)], learnMembers: true, acceptLeaves: false);
            await Task.WhenAll(new[] { G1, G2 }.Select(StartGatewayAsync));

            var nodeA = await StartNodeAsync(HostA, "substation-a", CaptureBridge("stream"));
            await WaitForSideAsync(nodeA, NodeEndA);
            NodeB = await StartNodeAsync(HostB, "substation-b", emit);
            await WaitForSideAsync(NodeB, NodeEndB);
        }

        private async Task<ExternalProcess> StartNodeAsync(NamespaceHost host, string id, string bridge)
        {
            var path = Path.Combine(Files.Path, id + ".yaml");
            await File.WriteAllTextAsync(path, NodeFile(id, "stream", Group, RoutedDomains.HostInterface, bridge));
            return Track(host.StartGridcast("run", "--config", path));
        }
    }
}
