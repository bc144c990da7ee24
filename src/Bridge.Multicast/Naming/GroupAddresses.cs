using System.Net;
using System.Net.Sockets;

namespace Bridge.Multicast.Naming;

/// <summary>
/// The technology addresses a group name maps to (RFC 7046, "Name-to-Address Mapping"; the rules
/// are in <see cref="GroupAddressMapping"/>): the IPv4 and IPv6 group endpoints, null where the
/// name has none, and the source of a source-specific group.
/// </summary>
/// <param name="IPv4">The IPv4 group address and UDP port, or null (an <c>ip</c> name with an IPv6 group).</param>
/// <param name="IPv6">The IPv6 group address and UDP port, or null (an <c>ip</c> name with an IPv4 group).</param>
/// <param name="Source">
/// The one source a receiver hears (source-specific multicast), from the instantiation of an
/// <c>ip</c> name; null for any source.
/// </param>
public sealed record GroupAddresses(IPEndPoint? IPv4, IPEndPoint? IPv6, IPAddress? Source)
{
    /// <summary>The endpoint of the given address family, or null.</summary>
    public IPEndPoint? For(AddressFamily family)
        => family == AddressFamily.InterNetworkV6 ? IPv6 : IPv4;
}
