using System.Net;
using System.Net.Sockets;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>Settings of an <see cref="IpMulticastSocket"/>.</summary>
public sealed record IpMulticastOptions
{
    /// <summary>IP TTL of sent datagrams; 1 keeps them on the local link.</summary>
    public int TimeToLive { get; init; } = 1;

    /// <summary>Whether this host's own receivers hear what it sends.</summary>
    public bool Loopback { get; init; } = true;

    /// <summary>Socket receive buffer in bytes; large enough for bursts of full datagrams.</summary>
    public int ReceiveBufferSize { get; init; } = 1 << 20;
}

/// <summary>
/// The native IPv4 multicast technology module: a UDP socket on one port and one interface that
/// joins and leaves groups, sends datagrams to a group and receives the datagrams of the groups
/// it joined. Several sockets of one process on one group and port each receive every datagram.
/// </summary>
public sealed class IpMulticastSocket : IDisposable
{
    // Linux: IPPROTO_IP level option IP_MULTICAST_ALL (linux/in.h). With it on, the default, a
    // socket bound to the wildcard address gets datagrams for groups joined by any socket.
    private const int IpMulticastAllOption = 49;

    private readonly Socket _socket;
    private readonly HashSet<IPAddress> _joined = [];
    private readonly Lock _gate = new();

    private IpMulticastSocket(Socket socket, int port, MulticastInterface multicastInterface)
    {
        _socket = socket;
        Port = port;
        Interface = multicastInterface;
    }

    /// <summary>The UDP port this socket receives on.</summary>
    public int Port { get; }

    /// <summary>The interface joins and sends use.</summary>
    public MulticastInterface Interface { get; }

    /// <summary>The groups this socket has joined.</summary>
    public IReadOnlyCollection<IPAddress> JoinedGroups
    {
        get
        {
            lock (_gate)
            {
                return [.. _joined];
            }
        }
    }

    /// <summary>Opens a socket bound to <paramref name="port"/> on all addresses, using <paramref name="multicastInterface"/>.</summary>
    public static IpMulticastSocket Open(int port, MulticastInterface multicastInterface, IpMulticastOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(multicastInterface);
        options ??= new IpMulticastOptions();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.ReceiveBufferSize = options.ReceiveBufferSize;
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpMulticastAllOption, BitConverter.GetBytes(0));
            }

            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, multicastInterface.IPv4Address.GetAddressBytes());
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, options.TimeToLive);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, options.Loopback);
            return new IpMulticastSocket(socket, ((IPEndPoint)socket.LocalEndPoint!).Port, multicastInterface);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Joins <paramref name="group"/> on this socket's interface (any-source).</summary>
    public void Join(IPAddress group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            if (!_joined.Add(group))
            {
                return;
            }

            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, Interface.Index));
        }
    }

    /// <summary>Leaves <paramref name="group"/>; datagrams for it stop arriving.</summary>
    public void Leave(IPAddress group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            if (!_joined.Remove(group))
            {
                return;
            }

            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.DropMembership, new MulticastOption(group, Interface.Index));
        }
    }

    /// <summary>Sends one datagram to a group endpoint.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken = default)
        => _socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken);

    /// <summary>Receives one datagram into <paramref name="buffer"/>; returns its length and sender.</summary>
    public async ValueTask<(int Length, IPEndPoint Sender)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
        return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
