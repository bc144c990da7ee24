using System.Net;
using System.Net.Sockets;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>Settings of the IP technology module.</summary>
public sealed record IpMulticastOptions
{
    /// <summary>IPv4 TTL and IPv6 hop limit of sent datagrams; 1 keeps them on the local link.</summary>
    public int TimeToLive { get; init; } = 1;

    /// <summary>Whether this host's own receivers hear what it sends.</summary>
    public bool Loopback { get; init; } = true;

    /// <summary>Socket receive buffer in bytes; large enough for bursts of full datagrams.</summary>
    public int ReceiveBufferSize { get; init; } = 1 << 20;
}

/// <summary>
/// A UDP socket of one address family on one port and one interface, with any-source and
/// source-specific joins. On Linux joins use the protocol-independent MCAST_JOIN_GROUP and
/// MCAST_JOIN_SOURCE_GROUP options (RFC 3678 §5.2), one code path for IPv4 and IPv6; the socket
/// hears only the groups it joined itself (IP_MULTICAST_ALL / IPV6_MULTICAST_ALL off).
/// </summary>
public sealed class IpMulticastSocket : IDisposable
{
    // linux/in.h and linux/in6.h
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int IpMulticastAll = 49;
    private const int Ipv6MulticastAll = 29;
    private const int McastJoinGroup = 42;
    private const int McastLeaveGroup = 45;
    private const int McastJoinSourceGroup = 46;
    private const int McastLeaveSourceGroup = 47;
    private const int LinuxAfInet6 = 10;
    private const int SockaddrStorageSize = 128;

    private readonly Socket _socket;

    private IpMulticastSocket(Socket socket, MulticastInterface multicastInterface)
    {
        _socket = socket;
        Interface = multicastInterface;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The address family.</summary>
    public AddressFamily Family => _socket.AddressFamily;

    /// <summary>The UDP port this socket receives on.</summary>
    public int Port { get; }

    /// <summary>The interface joins and sends use.</summary>
    public MulticastInterface Interface { get; }

    /// <summary>Opens a socket of <paramref name="family"/> bound to <paramref name="port"/> (0: any) on all addresses.</summary>
    public static IpMulticastSocket Open(AddressFamily family, int port, MulticastInterface multicastInterface, IpMulticastOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(multicastInterface);
        if (!multicastInterface.Supports(family))
        {
            throw new ArgumentException($"interface '{multicastInterface.Name}' has no {FamilyName(family)} multicast", nameof(family));
        }

        options ??= new IpMulticastOptions();
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.ReceiveBufferSize = options.ReceiveBufferSize;
            var level = family == AddressFamily.InterNetworkV6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            if (OperatingSystem.IsLinux())
            {
                var (rawLevel, option) = family == AddressFamily.InterNetworkV6 ? (SolIpv6, Ipv6MulticastAll) : (SolIp, IpMulticastAll);
                socket.SetRawSocketOption(rawLevel, option, BitConverter.GetBytes(0));
            }

            socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.SetSocketOption(level, SocketOptionName.MulticastInterface, multicastInterface.Index);
            }
            else
            {
                socket.SetSocketOption(level, SocketOptionName.MulticastInterface, multicastInterface.IPv4Address!.GetAddressBytes());
            }

            socket.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, options.TimeToLive);
            socket.SetSocketOption(level, SocketOptionName.MulticastLoopback, options.Loopback);
            return new IpMulticastSocket(socket, multicastInterface);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Joins <paramref name="group"/>, from any source or, with <paramref name="source"/>, from that one only.</summary>
    public void Join(IPAddress group, IPAddress? source = null) => ChangeMembership(group, source, join: true);

    /// <summary>Leaves a membership made by <see cref="Join"/> with the same arguments.</summary>
    public void Leave(IPAddress group, IPAddress? source = null) => ChangeMembership(group, source, join: false);

    /// <summary>Sets the TTL or hop limit of sent datagrams.</summary>
    public void SetTimeToLive(int timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeToLive);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, 255);
        var level = Family == AddressFamily.InterNetworkV6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;
        _socket.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, timeToLive);
    }

    /// <summary>Sends one datagram to a group endpoint.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken = default)
        => _socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken);

    /// <summary>
    /// Sends one datagram to a group endpoint given as a <see cref="SocketAddress"/> (made once,
    /// with <see cref="IPEndPoint.Serialize"/>): unlike the <see cref="IPEndPoint"/> overload, no
    /// address is serialized and nothing allocated per call.
    /// </summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> datagram, SocketAddress destination, CancellationToken cancellationToken = default)
        => _socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken);

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> and its sender's address into
    /// <paramref name="sender"/> (of this socket's family, reused across calls); returns its
    /// length. Allocates nothing per datagram, unlike the overload that returns an <see cref="IPEndPoint"/>.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketAddress sender, CancellationToken cancellationToken = default)
        => _socket.ReceiveFromAsync(buffer, SocketFlags.None, sender, cancellationToken);

    /// <summary>Receives one datagram into <paramref name="buffer"/>; returns its length and sender.</summary>
    public async ValueTask<(int Length, IPEndPoint Sender)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var any = Family == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
        return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    private void ChangeMembership(IPAddress group, IPAddress? source, bool join)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.AddressFamily != Family || (source is not null && source.AddressFamily != Family))
        {
            throw new ArgumentException($"group {group} and source {source} must both be {FamilyName(Family)}", nameof(group));
        }

        if (OperatingSystem.IsLinux())
        {
            var option = (join, source is null) switch
            {
                (true, true) => McastJoinGroup,
                (false, true) => McastLeaveGroup,
                (true, false) => McastJoinSourceGroup,
                (false, false) => McastLeaveSourceGroup,
            };
            _socket.SetRawSocketOption(Family == AddressFamily.InterNetworkV6 ? SolIpv6 : SolIp, option, GroupRequest(Interface.Index, group, source));
            return;
        }

        if (source is not null)
        {
            throw new PlatformNotSupportedException("source-specific joins are implemented for Linux");
        }

        var name = join ? SocketOptionName.AddMembership : SocketOptionName.DropMembership;
        if (Family == AddressFamily.InterNetworkV6)
        {
            _socket.SetSocketOption(SocketOptionLevel.IPv6, name, new IPv6MulticastOption(group, Interface.Index));
        }
        else
        {
            _socket.SetSocketOption(SocketOptionLevel.IP, name, new MulticastOption(group, Interface.Index));
        }
    }

    /// <summary>
    /// <c>struct group_req</c> or <c>struct group_source_req</c> (RFC 3678 §5.2.1): the interface
    /// index, padded to the 8-byte alignment of <c>sockaddr_storage</c>, then one or two of them.
    /// </summary>
    private static byte[] GroupRequest(int interfaceIndex, IPAddress group, IPAddress? source)
    {
        const int header = 8;
        var request = new byte[header + (source is null ? 1 : 2) * SockaddrStorageSize];
        BitConverter.TryWriteBytes(request.AsSpan(0, 4), (uint)interfaceIndex);
        WriteSockaddr(request.AsSpan(header, SockaddrStorageSize), group);
        if (source is not null)
        {
            WriteSockaddr(request.AsSpan(header + SockaddrStorageSize, SockaddrStorageSize), source);
        }

        return request;
    }

    // sockaddr_in: family (host order), port, address. sockaddr_in6: family, port, flow info, address, scope id.
    private static void WriteSockaddr(Span<byte> destination, IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            BitConverter.TryWriteBytes(destination, (ushort)LinuxAfInet6);
            address.TryWriteBytes(destination[8..24], out _);
            BitConverter.TryWriteBytes(destination[24..28], (uint)address.ScopeId);
        }
        else
        {
            BitConverter.TryWriteBytes(destination, (ushort)AddressFamily.InterNetwork);
            address.TryWriteBytes(destination[4..8], out _);
        }
    }

    private static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}
