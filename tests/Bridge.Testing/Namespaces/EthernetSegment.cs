using System.Diagnostics;
using System.Net;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// Builds the one thing <see cref="NamespaceLan"/> and <see cref="RoutedDomains"/> are made of: an
/// Ethernet segment, that is a Linux bridge in a namespace of its own with hosts in namespaces,
/// each joined to the bridge by a veth pair created directly inside the namespaces.
/// </summary>
internal static class EthernetSegment
{
    /// <summary>The bridge's name inside its namespace.</summary>
    public const string Bridge = "br0";

    private static readonly TimeSpan ReadyPatience = TimeSpan.FromSeconds(10);

    /// <summary>Creates namespace <paramref name="bridgeNamespace"/> with a bridge in it, up.</summary>
    public static void CreateBridge(OwnedNamespaces namespaces, string bridgeNamespace)
    {
        namespaces.Add(bridgeNamespace);
        // No snooping: the bridge floods every multicast frame to every port, so what a host
        // receives is decided by the host's own memberships, the thing under test.
        IpCommand.Run("-n", bridgeNamespace, "link", "add", Bridge, "type", "bridge", "mcast_snooping", "0");
        IpCommand.Run("-n", bridgeNamespace, "link", "set", Bridge, "up");
    }

    /// <summary>
    /// Joins namespace <paramref name="owner"/> (which exists) to the bridge: a veth pair whose end
    /// <paramref name="ownerInterface"/> is in <paramref name="owner"/> and end <paramref name="port"/>
    /// a port of the bridge, up.
    /// </summary>
    public static void Attach(string bridgeNamespace, string owner, string ownerInterface, string port)
    {
        IpCommand.Run("link", "add", ownerInterface, "netns", owner, "type", "veth", "peer", "name", port, "netns", bridgeNamespace);
        IpCommand.Run("-n", bridgeNamespace, "link", "set", port, "master", Bridge, "up");
    }

    /// <summary>
    /// Creates host namespace <paramref name="name"/> on the bridge with <paramref name="ipv4"/>/24
    /// and <paramref name="ipv6"/>/64 on <paramref name="hostInterface"/>, it and loopback up.
    /// </summary>
    public static NamespaceHost AddHost(OwnedNamespaces namespaces, string bridgeNamespace, string name, string hostInterface, string port, IPAddress ipv4, IPAddress ipv6)
    {
        namespaces.Add(name);
        Attach(bridgeNamespace, name, hostInterface, port);
        IpCommand.Run("-n", name, "addr", "add", $"{ipv4}/24", "dev", hostInterface);
        // nodad: usable at once instead of after duplicate address detection (about 1 s).
        IpCommand.Run("-n", name, "addr", "add", $"{ipv6}/64", "dev", hostInterface, "nodad");
        IpCommand.Run("-n", name, "link", "set", hostInterface, "up");
        IpCommand.Run("-n", name, "link", "set", "lo", "up");
        return new NamespaceHost(name, hostInterface, ipv4, ipv6);
    }

    /// <summary>What keeps the bridge from forwarding on <paramref name="expectedPorts"/> ports, or null when it does.</summary>
    public static string? PortsNotForwarding(string bridgeNamespace, int expectedPorts)
    {
        var ports = IpCommand.Run("-n", bridgeNamespace, "-o", "-d", "link", "show", "master", Bridge)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var forwarding = ports.Count(p => p.Contains(" state UP ", StringComparison.Ordinal)
            && p.Contains("bridge_slave state forwarding", StringComparison.Ordinal));
        return forwarding == expectedPorts
            ? null
            : $"{forwarding} of {expectedPorts} ports of {bridgeNamespace} forward:\n{string.Join('\n', ports)}";
    }

    /// <summary>Whether <paramref name="interface"/> in <paramref name="namespace"/> is up.</summary>
    public static bool IsUp(string @namespace, string @interface)
        => IpCommand.Run("-n", @namespace, "-o", "link", "show", @interface).Contains(" state UP ", StringComparison.Ordinal);

    /// <summary>
    /// Carrier and bridge port state follow a link going up asynchronously (the kernel's link
    /// watch), so frames sent right after building could be dropped; this waits until
    /// <paramref name="waitingFor"/> names nothing, and throws naming what is still missing.
    /// </summary>
    public static void WaitUntilReady(string what, Func<List<string>> waitingFor)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var missing = waitingFor();
            if (missing.Count == 0)
            {
                return;
            }

            if (clock.Elapsed > ReadyPatience)
            {
                throw new TimeoutException($"{what}: not ready after {ReadyPatience.TotalSeconds} s: {string.Join("; ", missing)}");
            }

            Thread.Sleep(10); // Polling a kernel state with a deadline; there is no event to wait for here.
        }
    }
}
