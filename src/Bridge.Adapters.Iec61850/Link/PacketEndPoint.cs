using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Link;

/// <summary>
/// A Linux link-layer address for <see cref="AddressFamily.Packet"/> sockets: the
/// <c>sockaddr_ll</c> of packet(7), which .NET has no type for.
/// <code>
/// struct sockaddr_ll {            offset
///     unsigned short sll_family;    0   AF_PACKET (17), host order (SocketAddress writes it)
///     unsigned short sll_protocol;  2   EtherType, network order
///     int            sll_ifindex;   4   interface index, host order
///     unsigned short sll_hatype;    8   ARPHRD_* (1 Ethernet)
///     unsigned char  sll_pkttype;  10   PACKET_HOST, _BROADCAST, _MULTICAST, _OTHERHOST, _OUTGOING
///     unsigned char  sll_halen;    11   address length (6)
///     unsigned char  sll_addr[8];  12   the address
/// };                               20
/// </code>
/// </summary>
public sealed class PacketEndPoint : EndPoint
{
    /// <summary>The size of <c>sockaddr_ll</c>.</summary>
    public const int Size = 20;

    /// <summary>A link-layer address on interface <paramref name="interfaceIndex"/> for EtherType <paramref name="protocol"/>.</summary>
    public PacketEndPoint(int interfaceIndex, ushort protocol, MacAddress address = default, byte packetType = 0)
    {
        InterfaceIndex = interfaceIndex;
        Protocol = protocol;
        Address = address;
        PacketType = packetType;
    }

    /// <summary>The interface index.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The EtherType (host order here; network order on the wire).</summary>
    public ushort Protocol { get; }

    /// <summary>The hardware address: the interface's own after bind, the sender's on receive.</summary>
    public MacAddress Address { get; }

    /// <summary>The packet type of a received frame (packet(7): 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing).</summary>
    public byte PacketType { get; }

    /// <inheritdoc/>
    public override AddressFamily AddressFamily => AddressFamily.Packet;

    /// <inheritdoc/>
    public override SocketAddress Serialize()
    {
        var address = new SocketAddress(AddressFamily.Packet, Size);
        var bytes = address.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], Protocol);
        BitConverter.TryWriteBytes(bytes[4..], InterfaceIndex);
        BitConverter.TryWriteBytes(bytes[8..], (ushort)1);
        bytes[10] = PacketType;
        bytes[11] = MacAddress.Size;
        Address.Write(bytes[12..]);
        return address;
    }

    /// <inheritdoc/>
    public override EndPoint Create(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span;
        if (socketAddress.Family != AddressFamily.Packet || socketAddress.Size < 18)
        {
            throw new ArgumentException($"not a link-layer address: {socketAddress.Family}, {socketAddress.Size} bytes", nameof(socketAddress));
        }

        return new PacketEndPoint(
            BitConverter.ToInt32(bytes[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            bytes[11] == MacAddress.Size ? MacAddress.Read(bytes[12..]) : default,
            bytes[10]);
    }

    /// <inheritdoc/>
    public override string ToString() => $"if{InterfaceIndex} 0x{Protocol:x4} {Address}";
}
