using System.Net;
using System.Net.Sockets;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

using static Bridge.Host.Tests.RealHosts.SubOutput;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The test network of <see cref="RoutedDomains"/>: separate multicast domains (network
/// namespaces on one Linux bridge each) joined by a router that forwards unicast only. Unicast
/// TCP crosses the router between real processes; <c>gridcast pub</c> reaches <c>gridcast sub</c>
/// in its own domain and not in another.
/// </summary>
/// <remarks>
/// Absence ("never printed in the other domain") is shown against a witness, as in
/// <see cref="FourHostsTests"/>: after the other domain's subscriber in its own domain printed
/// the message, a publisher in the receiving domain sends a marker on the same group and port.
/// A copy forwarded by the router would have been on the receiving segment, and so in the
/// receiver's socket, before the marker, which a process started only afterwards sends.
/// </remarks>
public sealed class RoutedDomainsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Longer than any test waits, so a sub that is never stopped still ends.</summary>
    private const string SubTimeout = "45";

    /// <summary>A port inside the private namespaces, so no other test can hold it.</summary>
    private const string EchoPort = "7000";

    /// <summary>Accepts one TCP connection, prints the peer's address and the line it sent, and echoes the line.</summary>
    private const string EchoServer = """
        import socket, sys
        family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
        with socket.create_server((sys.argv[1], int(sys.argv[2])), family=family) as server:
            print('listening', flush=True)
            connection, peer = server.accept()
            with connection, connection.makefile('rw') as stream:
                line = stream.readline().strip()
                print('accepted', peer[0], line, flush=True)
                stream.write('echo ' + line + '\n')
                stream.flush()
        """;

    /// <summary>Connects, prints its own address, sends a line and prints the answer.</summary>
    private const string EchoClient = """
        import socket, sys
        with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as connection:
            print('connected from', connection.getsockname()[0], flush=True)
            with connection.makefile('rw') as stream:
                stream.write(sys.argv[3] + '\n')
                stream.flush()
                print(stream.readline().strip(), flush=True)
        """;

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Tcp_HostInDomain1ToHostInDomain3_ConnectsThroughTheRouterWithoutTranslation(AddressFamily family)
    {
        using var domains = RoutedDomains.Create([1, 1, 1]);
        var (client, server) = (domains.Domains[0].Hosts[0], domains.Domains[2].Hosts[0]);
        Assert.Contains(
            $"via {domains.Domains[0].RouterAddress(family)} dev {client.Interface}",
            IpCommand.Run("-n", client.Name, "route", "get", server.Address(family).ToString()),
            StringComparison.Ordinal);

        await using var listener = server.Start(Python, "-c", EchoServer, server.Address(family).ToString(), EchoPort);
        await listener.WaitForLineAsync(l => l == "listening", Patience);
        var (code, connector) = await RunAsync(client, Python, "-c", EchoClient, server.Address(family).ToString(), EchoPort, "meter 17: 4.2 kW");
        await using var _ = connector;

        Assert.True(code == 0, connector.Transcript());
        Assert.Equal(["connected from " + client.Address(family), "echo meter 17: 4.2 kW"], connector.StandardOutput);
        Assert.True(await listener.WaitForExitAsync(Patience) == 0, listener.Transcript());
        // The server sees the client's own address: routed, not translated.
        var accepted = Assert.Single(listener.StandardOutput, l => l.StartsWith("accepted ", StringComparison.Ordinal)).Split(' ', 3);
        Assert.Equal(client.Address(family), IPAddress.Parse(accepted[1]));
        Assert.Equal("meter 17: 4.2 kW", accepted[2]);
    }

    [Theory]
    [InlineData("ham:ip:239.1.2.3:5000")]
    [InlineData("ham:ip:[ff15::1:2]:5000")]
    public async Task PubSub_PublisherInDomain1_ReachesItsOwnDomainButNotDomain2(string group)
    {
        using var domains = RoutedDomains.Create([2, 2, 1]);
        var (sender, receiver) = (domains.Domains[0].Hosts[0], domains.Domains[0].Hosts[1]);
        var (witnessSender, otherReceiver) = (domains.Domains[1].Hosts[0], domains.Domains[1].Hosts[1]);
        await using var inDomain = StartSub(receiver, group);
        await using var inOtherDomain = StartSub(otherReceiver, group);
        await SubscribedAsync(inDomain, group, receiver);
        await SubscribedAsync(inOtherDomain, group, otherReceiver);

        // A TTL that a multicast router would forward: only the router's not routing multicast
        // keeps the message in domain 1, not the default TTL of 1.
        await PublishAsync(sender, group, "from domain 1", "--ttl", "8");
        await inDomain.WaitForLineAsync(Carrying("from domain 1"), Patience);
        await PublishAsync(witnessSender, group, "marker in domain 2");
        await inOtherDomain.WaitForLineAsync(Carrying("marker in domain 2"), Patience);

        var heard = Assert.Single(Messages(inDomain));
        Assert.Equal("from domain 1", heard.GetProperty("payload").GetString());
        Assert.Equal(sender.Address(FamilyOf(group)), IPAddress.Parse(heard.GetProperty("from").GetString()!));
        var marker = Assert.Single(Messages(inOtherDomain));
        Assert.Equal("marker in domain 2", marker.GetProperty("payload").GetString());
        Assert.Equal(witnessSender.Address(FamilyOf(group)), IPAddress.Parse(marker.GetProperty("from").GetString()!));
    }

    [Fact]
    public async Task Kill_SubscriberInADomain_EndsTheGridcastProcessItselfWithSigkill()
    {
        const string group = "ham:ip:239.1.2.3:5000";
        using var domains = RoutedDomains.Create([1]);
        var host = domains.Domains[0].Hosts[0];
        await using var sub = StartSub(host, group);
        await SubscribedAsync(sub, group, host);
        Assert.Equal(sub.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), IpCommand.Run("netns", "pids", host.Name).Trim());

        sub.Kill("KILL");

        Assert.Equal(128 + 9, await sub.WaitForExitAsync(Patience));
        Assert.Empty(IpCommand.Run("netns", "pids", host.Name).Trim());
    }

    [Fact]
    public async Task Dispose_WhileProcessesRunInEveryNamespace_LeavesNoNamespace()
    {
        const string group = "ham:ip:239.1.2.3:5000";
        var domains = RoutedDomains.Create([2, 1]);
        IReadOnlyList<string> before;
        await using (domains)
        {
            var host = domains.Domains[1].Hosts[0];
            await using var sub = StartSub(host, group);
            await SubscribedAsync(sub, group, host);
            before = domains.ExistingNamespaces();
        }

        string[] expected = [domains.RouterNamespace, .. domains.Domains.Select(d => d.BridgeNamespace), .. domains.Hosts.Select(h => h.Name)];
        Assert.Equal(expected.Order(StringComparer.Ordinal), before.Order(StringComparer.Ordinal));
        Assert.Empty(domains.ExistingNamespaces());
    }

    private static string Python => Prerequisites.Python3("the TCP echo peers of the routed-domain tests");

    private static async Task<(int ExitCode, ExternalProcess Process)> RunAsync(NamespaceHost host, string fileName, params string[] arguments)
    {
        var process = host.Start(fileName, arguments);
        try
        {
            return (await process.WaitForExitAsync(Patience), process);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static AddressFamily FamilyOf(string group)
        => group.Contains('[', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>Starts <c>gridcast sub</c> with JSON output on <paramref name="host"/>'s interface into its domain.</summary>
    private static ExternalProcess StartSub(NamespaceHost host, string group)
        => host.StartGridcast(["sub", group, "--interface", host.Interface, "--timeout", SubTimeout, "--json"]);

    private static Task<string> SubscribedAsync(ExternalProcess sub, string group, NamespaceHost host)
        => sub.WaitForLineAsync(l => l == $"subscribed to {group} on {host.Interface}", Patience);

    /// <summary>Runs <c>gridcast pub</c> on <paramref name="host"/>'s interface to its end.</summary>
    private static async Task PublishAsync(NamespaceHost host, string group, string text, params string[] options)
    {
        var (code, pub) = await host.RunGridcastAsync(Patience, ["pub", group, text, "--interface", host.Interface, .. options]);
        await using var _ = pub;
        Assert.True(code == 0, pub.Transcript());
    }
}
