using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Testing;

/// <summary>Free ports and unused multicast groups, so tests running at once do not meet.</summary>
/// <remarks>
/// Ports come from outside the kernel's ephemeral range (<c>net.ipv4.ip_local_port_range</c>),
/// which outgoing connections and port-0 binds draw from: a port taken from inside it could be
/// handed to some client's connection between the probe and the test's server binding it. Each
/// test process walks the range from a random start, so test assemblies running at once rarely
/// meet, and every port is probed by binding it before it is handed out. Where a machine leaves
/// no room outside the ephemeral range, the kernel picks the port instead.
/// </remarks>
public static class FreePorts
{
    private const int Lowest = 10_000;
    private const int MinimumRoom = 2_000;
    private static readonly (int First, int Count)? Range = ChooseRange();
    private static readonly Lock Gate = new();
    private static int _nextGroup = Random.Shared.Next(0, 200) * 250;
    private static int _nextPort = Range is { } range ? Random.Shared.Next(range.Count) : 0;

    /// <summary>A TCP port on loopback that nothing listens on now.</summary>
    public static int Tcp() => Take(SocketType.Stream, ProtocolType.Tcp, IPAddress.Loopback);

    /// <summary>A UDP port that nothing is bound to now.</summary>
    public static int Udp() => Take(SocketType.Dgram, ProtocolType.Udp, IPAddress.Any);

    /// <summary>
    /// A group name on an organisation-local address (239.192.0.0/14) and a free port that no other
    /// test of this process uses, e.g. <c>ham:ip:239.193.4.17:20213</c>.
    /// </summary>
    public static string UniqueIPv4Group()
    {
        var n = Interlocked.Increment(ref _nextGroup);
        return $"ham:ip:239.193.{(n / 250) % 250}.{(n % 250) + 1}:{Udp()}";
    }

    private static int Take(SocketType type, ProtocolType protocol, IPAddress address)
    {
        if (Range is not { } range)
        {
            return Probe(type, protocol, new IPEndPoint(address, 0))
                ?? throw new InvalidOperationException($"the kernel gave no free {protocol} port");
        }

        lock (Gate)
        {
            for (var tried = 0; tried < range.Count; tried++)
            {
                var port = range.First + (_nextPort++ % range.Count);
                if (Probe(type, protocol, new IPEndPoint(address, port)) is { } free)
                {
                    return free;
                }
            }
        }

        throw new InvalidOperationException($"no free {protocol} port in {range.First}-{range.First + range.Count - 1}");
    }

    private static int? Probe(SocketType type, ProtocolType protocol, IPEndPoint endpoint)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, type, protocol);
        try
        {
            probe.Bind(endpoint);
            return ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return null;
        }
    }

    /// <summary>The larger room below or above the ephemeral range, from <see cref="Lowest"/> up; null when neither is big enough.</summary>
    private static (int First, int Count)? ChooseRange()
    {
        var (low, high) = (32768, 60999); // Linux's default, where the file cannot be read
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            (low, high) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Keep the default.
        }

        var below = (First: Lowest, Count: low - Lowest);
        var above = (First: Math.Max(high + 1, Lowest), Count: 65536 - Math.Max(high + 1, Lowest));
        var best = below.Count >= above.Count ? below : above;
        return best.Count >= MinimumRoom ? best : null;
    }
}
