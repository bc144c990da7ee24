using System.Net;
using System.Net.Sockets;

namespace Bridge.Testing;

/// <summary>Free ports and unused multicast groups, so tests running at once do not meet.</summary>
public static class FreePorts
{
    private static int _nextGroup = Random.Shared.Next(0, 200) * 250;

    /// <summary>A TCP port on loopback that nothing listens on now.</summary>
    public static int Tcp()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>A UDP port that nothing is bound to now.</summary>
    public static int Udp()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>
    /// A group name on an organisation-local address (239.192.0.0/14) and a free port that no other
    /// test of this process uses, e.g. <c>ham:ip:239.193.4.17:40213</c>.
    /// </summary>
    public static string UniqueIPv4Group()
    {
        var n = Interlocked.Increment(ref _nextGroup);
        return $"ham:ip:239.193.{(n / 250) % 250}.{(n % 250) + 1}:{Udp()}";
    }
}
