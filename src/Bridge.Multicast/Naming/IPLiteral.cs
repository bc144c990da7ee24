using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Multicast.Naming;

/// <summary>
/// The IP address forms a group name may hold (RFC 3986 §3.2.2): <c>IPv4address</c> in strict
/// dotted decimal, and <c>IP-literal</c>, an IPv6 address in brackets. Stricter than
/// <see cref="IPAddress.TryParse(string, out IPAddress)"/> on purpose, so that a configured group
/// can never silently become another address.
/// </summary>
internal static class IPLiteral
{
    private static readonly SearchValues<char> IPv6Characters = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>
    /// The IPv4address rule: four decimal octets without leading zeros. Unlike
    /// <see cref="IPAddress.TryParse(string, out IPAddress)"/>, it never reads "010" as octal,
    /// "0xEF" as hexadecimal or "4009820675" as one 32-bit number.
    /// </summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        Span<byte> bytes = stackalloc byte[4];
        var octet = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (octet == 4 || part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || part.ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }

            var value = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            bytes[octet++] = (byte)value;
        }

        if (octet != 4)
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// An <c>IP-literal</c> with its brackets: <c>"[" IPv6address "]"</c>. A zone identifier
    /// (RFC 6874, <c>%25eth0</c>) names an interface of one host and has no meaning in a group
    /// name that many hosts share, and <c>IPvFuture</c> has no address family to map to, so both
    /// are refused; <paramref name="problem"/> says which rule failed.
    /// </summary>
    public static bool TryParseBracketedIPv6(
        string literal,
        [NotNullWhen(true)] out IPAddress? address,
        [NotNullWhen(false)] out string? problem)
    {
        address = null;
        if (literal.Length < 2 || literal[0] != '[' || literal[^1] != ']')
        {
            problem = "is not an IP literal in brackets";
            return false;
        }

        var inner = literal.AsSpan(1, literal.Length - 2);
        if (inner.Length > 0 && (inner[0] == 'v' || inner[0] == 'V'))
        {
            problem = "is an IPvFuture literal, which has no address family GridCast can map to";
            return false;
        }

        if (inner.Contains('%'))
        {
            problem = "has a zone identifier ('%'), which names an interface of one host and has no place in a group name";
            return false;
        }

        if (inner.ContainsAnyExcept(IPv6Characters) || !inner.Contains(':'))
        {
            problem = "is not an IPv6 address";
            return false;
        }

        // An IPv6address may end in an IPv4address (ls32); hold it to the same strict rule.
        var lastColon = inner.LastIndexOf(':');
        if (inner.Contains('.') && !TryParseIPv4(inner[(lastColon + 1)..], out _))
        {
            problem = "ends in an IPv4 part that is not in strict dotted decimal";
            return false;
        }

        if (!IPAddress.TryParse(inner, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            problem = "is not an IPv6 address";
            return false;
        }

        address = parsed;
        problem = null;
        return true;
    }

    /// <summary>The text of an address inside a URI: dotted decimal, or RFC 5952 text in brackets.</summary>
    public static string Format(IPAddress address)
        => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    /// <summary>224.0.0.0/4 or ff00::/8.</summary>
    public static bool IsMulticast(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? bytes[0] == 0xFF : (bytes[0] & 0xF0) == 0xE0;
    }

    /// <summary>The 4-bit scope of an IPv6 multicast address (RFC 4291 §2.7, values in RFC 7346 §2).</summary>
    public static int IPv6MulticastScope(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return bytes[1] & 0x0F;
    }

    /// <summary>
    /// Whether <paramref name="address"/> can be the source of a datagram, as a source-specific
    /// group needs; <paramref name="reason"/> says why not.
    /// </summary>
    public static bool IsUnicastSource(IPAddress address, [NotNullWhen(false)] out string? reason)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        reason = address.AddressFamily switch
        {
            AddressFamily.InterNetwork when bytes[0] == 0 => "0.0.0.0/8 means this host on this network, not a sender",
            AddressFamily.InterNetwork when (bytes[0] & 0xF0) == 0xE0 => "it is a multicast address",
            AddressFamily.InterNetwork when (bytes[0] & 0xF0) == 0xF0 => "240.0.0.0/4 is reserved and holds the broadcast address",
            AddressFamily.InterNetworkV6 when address.Equals(IPAddress.IPv6None) => "it is the unspecified address ::",
            AddressFamily.InterNetworkV6 when bytes[0] == 0xFF => "it is a multicast address",
            AddressFamily.InterNetworkV6 when address.IsIPv4MappedToIPv6 => "an IPv4-mapped address never sends IPv6 datagrams; write the IPv4 address for an IPv4 group",
            _ => null,
        };
        return reason is null;
    }
}
