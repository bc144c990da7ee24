using System.Net;

namespace Bridge.Multicast.Naming;

/// <summary>
/// The technology addresses a group name maps to (RFC 7046 §4.2, name-to-address mapping): the
/// IPv4 and IPv6 group endpoints, null where the name has none, and the source of a
/// source-specific group.
/// </summary>
/// <param name="IPv4">The IPv4 group address and UDP port, or null.</param>
/// <param name="IPv6">The IPv6 group address and UDP port, or null.</param>
/// <param name="Source">The one source a receiver hears (source-specific multicast), or null for any source.</param>
public sealed record GroupAddresses(IPEndPoint? IPv4, IPEndPoint? IPv6, IPAddress? Source)
{
    /// <summary>The endpoint of the given address family, or null.</summary>
    public IPEndPoint? For(System.Net.Sockets.AddressFamily family)
        => family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPv6 : IPv4;
}
