using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Bridge.Multicast.Naming;

/// <summary>
/// Name-to-address mapping (RFC 7046, "Name-to-Address Mapping"): how a <see cref="GroupName"/> becomes the group
/// address of each IP technology. docs/naming.md defines it for other implementations.
/// </summary>
/// <remarks>
/// <para>
/// The <c>ip</c> namespace maps literally (RFC 7046's canonical mapping): the group is
/// the address. Every other namespace maps by hash: SHA-256 of the <see cref="HashKey"/> in UTF-8,
/// whose first four bytes choose an address in <see cref="IPv4Scope"/> and the next four one in
/// <see cref="IPv6Scope"/>. The key leaves out the port, so one name on several ports keeps one
/// address, and the credentials, which are not part of the group's identity.
/// </para>
/// <para>
/// Distinct names can share an address (2^18 IPv4 addresses, 2^30 IPv6 group ids). That costs
/// receivers a few unwanted datagrams, never a wrong delivery: frames carry
/// <see cref="GroupName.WireName"/> and receivers compare the full name.
/// </para>
/// <para>This mapping is part of the wire contract: changing it splits a deployment in two.</para>
/// </remarks>
public static class GroupAddressMapping
{
    /// <summary>
    /// The IPv4 Organization Local Scope of RFC 2365 §6.2, 239.192.0.0/14: the administratively
    /// scoped block an organisation allocates its private groups from. Its 18 variable bits lie
    /// inside the 23 that reach the Ethernet address, so no two of its groups share one.
    /// </summary>
    public static IPNetwork IPv4Scope { get; } = new(IPAddress.Parse("239.192.0.0"), 14);

    /// <summary>
    /// ff18::8000:0/98: flags 0001 (T set: transient, not assigned by IANA; no prefix or RP
    /// embedded, RFC 4291 §2.7), scope 8 (Organization-Local, RFC 7346 §2, the same reach as
    /// <see cref="IPv4Scope"/>), and a 32-bit group id as RFC 3307 §2 advises, so each group has
    /// its own Ethernet address (33:33 and the group id). Group ids start with bits 10: inside the
    /// dynamic range 0x80000000-0xFFFFFFFF of RFC 3307 §4.3, but clear of 0xFF000000 and up, whose
    /// Ethernet addresses every host listens on for its solicited-node groups (RFC 4291 §2.7.1).
    /// </summary>
    public static IPNetwork IPv6Scope { get; } = new(IPAddress.Parse("ff18::8000:0"), 98);

    private const uint IPv4Base = 0xEFC0_0000;        // 239.192.0.0
    private const uint IPv4HashMask = 0x0003_FFFF;    // the low 18 bits
    private const uint IPv6GroupIdBase = 0x8000_0000; // group id bits 10...
    private const uint IPv6HashMask = 0x3FFF_FFFF;    // ... and 30 hashed bits

    /// <summary>
    /// The text a hashed name's addresses derive from: the canonical name up to, not including,
    /// the port and the credentials, e.g. <c>ham:sg:ami.tariff.rtp</c> or
    /// <c>ham:sip:news@cnn.com</c>.
    /// </summary>
    public static string HashKey(string @namespace, string group, string? instantiation)
        => instantiation is null
            ? $"{GroupName.Scheme}:{@namespace}:{group}"
            : $"{GroupName.Scheme}:{@namespace}:{group}@{instantiation}";

    /// <summary>The addresses of a name in the <c>ip</c> namespace: the group itself, in its one family.</summary>
    public static GroupAddresses Literal(IPAddress group, IPAddress? source, int port)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (source is not null && source.AddressFamily != group.AddressFamily)
        {
            throw new ArgumentException($"source {source} is not of the family of group {group}", nameof(source));
        }

        var endPoint = new IPEndPoint(group, port);
        return group.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? new GroupAddresses(null, endPoint, source)
            : new GroupAddresses(endPoint, null, source);
    }

    /// <summary>The addresses of a hashed name: one in each of <see cref="IPv4Scope"/> and <see cref="IPv6Scope"/>.</summary>
    public static GroupAddresses Hashed(string hashKey, int port)
    {
        ArgumentNullException.ThrowIfNull(hashKey);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(hashKey), digest);

        var ipv4 = IPv4Base | (BinaryPrimitives.ReadUInt32BigEndian(digest) & IPv4HashMask);
        Span<byte> v4 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v4, ipv4);

        Span<byte> v6 = stackalloc byte[16];
        v6[0] = 0xFF;
        v6[1] = 0x18;
        BinaryPrimitives.WriteUInt32BigEndian(v6[12..], IPv6GroupIdBase | (BinaryPrimitives.ReadUInt32BigEndian(digest[4..]) & IPv6HashMask));

        return new GroupAddresses(new IPEndPoint(new IPAddress(v4), port), new IPEndPoint(new IPAddress(v6), port), null);
    }
}
