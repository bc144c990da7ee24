using System.Net;
using System.Net.Sockets;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>
/// Receives R-GOOSE datagrams on one IP multicast group and UDP port, joined on the interface
/// given by index. The socket is bound to the group's address, not the wildcard, so it gets the
/// datagrams sent to that group and port only (not unicast to the port, nor other groups another
/// socket of this host joined on it). Several receivers on one host may share the port.
/// </summary>
public sealed class RGooseReceiver : IDisposable
{
    private readonly Socket _socket;

    /// <summary>Opens a UDP socket bound to <paramref name="group"/> and joins it on the interface numbered <paramref name="interfaceIndex"/>.</summary>
    public RGooseReceiver(IPEndPoint group, int interfaceIndex)
    {
        ArgumentNullException.ThrowIfNull(group);
        Group = group;
        _socket = new Socket(group.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(group);
            if (group.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group.Address, interfaceIndex));
            }
            else
            {
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group.Address, interfaceIndex));
            }
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>The group and port listened on.</summary>
    public IPEndPoint Group { get; }

    /// <summary>The next datagram into <paramref name="buffer"/>: its length and sender.</summary>
    public async ValueTask<(int Length, IPEndPoint Source)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var any = Group.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
        return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
