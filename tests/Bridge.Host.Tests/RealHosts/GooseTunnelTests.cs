using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;
using static Bridge.Host.Tests.RealHosts.GooseTunnelScenario;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The GOOSE tunnel end to end (issue 14): substation A's publisher on a LAN of its own, two
/// <c>gridcast run</c> nodes joined by IP multicast on a shared Ethernet segment (one multicast
/// domain, no gateways), substation B's LAN where tshark is the subscriber. Each substation LAN
/// is a veth pair inside its node's namespace: the node's end (<c>subA</c>, <c>subB</c>) and the
/// IED's end (<c>iedA</c>, <c>iedB</c>), so GOOSE of one substation can reach the other only
/// through the tunnel. The run and its assertions are <see cref="GooseTunnelScenario"/>'s;
/// <see cref="GooseAcrossGatewaysTests"/> runs them across two domains and a gateway pair.
/// </summary>
public sealed class GooseTunnelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Tunnel_PublisherInSubstationA_SubstationBSeesItsFramesAndTheyStopWithinTimeAllowedToLiveOfItsEnd()
    {
        Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        using var lan = NamespaceLan.Create(2);
        var (hostA, hostB) = (lan.Hosts[0], lan.Hosts[1]);
        AddSubstationLans(hostA, hostB);
        using var files = new TempDirectory();
        var group = $"ham:sg:goose.trip.{lan.Prefix}";
        var configA = files.Write("substation-a.yaml", NodeFile("substation-a", "trip", group, NamespaceLan.HostInterface, CaptureBridge("trip")));
        var configB = files.Write("substation-b.yaml", NodeFile("substation-b", "trip", group, NamespaceLan.HostInterface, EmitBridge("trip")));
        await using var nodeA = hostA.StartGridcast("run", "--config", configA);
        await using var nodeB = hostB.StartGridcast("run", "--config", configB);
        await WaitForSideAsync(nodeA, NodeEndA);
        await WaitForSideAsync(nodeB, NodeEndB);

        await RunAsync(hostA, hostB, nodeB, output);
    }
}
