using System.Globalization;
using System.Text.RegularExpressions;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// Counts the large IP packets an interface sends, with the kernel's traffic control: a root
/// HTB qdisc whose class 1:1 takes IPv4 packets of 1024 to 2047 bytes (total length) and IPv6
/// packets with a payload of 1024 to 2047 bytes, everything else going to class 1:2. The class's
/// "Sent ... pkt" is the count. Only iproute2's <c>tc</c> and the kernel's HTB and u32 are needed
/// (no nftables, iptables or capture tools).
/// </summary>
/// <remarks>
/// Egress only: a qdisc sees what an interface sends. A packet crossing a veth pair leaves by
/// exactly one of its two ends, so the copies on the pair are the sum of both ends' counts. The
/// window lets a 1000-byte payload through in every framing GridCast gives it (a Data frame in a
/// UDP datagram, a relay in a TLS record over TCP) and keeps out the control traffic (hellos,
/// heartbeats, link-state and member reports, acknowledgements), which is far smaller.
/// </remarks>
public static partial class LargePacketCounter
{
    /// <summary>The smallest IPv4 total length (IPv6 payload length) counted.</summary>
    public const int Floor = 1024;

    /// <summary>The largest counted.</summary>
    public const int Ceiling = 2047;

    private const string Purpose = "the packet counters of the namespace tests (tc with HTB and u32)";
    private static readonly Lazy<string> TcPath = new(() => Prerequisites.Command("tc", "iproute2", Purpose));

    /// <summary>Starts counting on <paramref name="interface"/> in namespace <paramref name="namespace"/> (from zero).</summary>
    public static void Install(string @namespace, string @interface)
    {
        try
        {
            Tc(@namespace, "qdisc", "replace", "dev", @interface, "root", "handle", "1:", "htb", "default", "2", "r2q", "100000");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("qdisc kind is unknown", StringComparison.OrdinalIgnoreCase))
        {
            throw new MissingPrerequisiteException($"{Purpose}: the kernel has no HTB qdisc (CONFIG_NET_SCH_HTB): {e.Message}", e);
        }

        // Fast enough never to queue: the counter must not shape what it counts.
        Tc(@namespace, "class", "add", "dev", @interface, "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit");
        Tc(@namespace, "class", "add", "dev", @interface, "parent", "1:", "classid", "1:2", "htb", "rate", "10gbit");
        try
        {
            // Lengths 1024 to 2047 are those whose top six bits are 000001.
            Tc(@namespace, "filter", "add", "dev", @interface, "parent", "1:", "protocol", "ip", "prio", "1",
                "u32", "match", "u16", "0x0400", "0xfc00", "at", "2", "flowid", "1:1");
            Tc(@namespace, "filter", "add", "dev", @interface, "parent", "1:", "protocol", "ipv6", "prio", "2",
                "u32", "match", "u16", "0x0400", "0xfc00", "at", "4", "flowid", "1:1");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("classifier not found", StringComparison.OrdinalIgnoreCase))
        {
            throw new MissingPrerequisiteException($"{Purpose}: the kernel has no u32 classifier (CONFIG_NET_CLS_U32): {e.Message}", e);
        }
    }

    /// <summary>The large packets <paramref name="interface"/> in <paramref name="namespace"/> has sent since <see cref="Install"/>.</summary>
    public static long Read(string @namespace, string @interface)
    {
        var shown = Tc(@namespace, "-s", "class", "show", "dev", @interface, "classid", "1:1");
        var sent = SentPattern().Match(shown);
        return sent.Success
            ? long.Parse(sent.Groups["packets"].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"no packet count for class 1:1 of {@interface} in {@namespace}: '{shown.Trim()}'");
    }

    private static string Tc(string @namespace, params string[] arguments)
        => IpCommand.Run(["netns", "exec", @namespace, TcPath.Value, .. arguments]);

    [GeneratedRegex(@"Sent \d+ bytes (?<packets>\d+) pkt")]
    private static partial Regex SentPattern();
}
