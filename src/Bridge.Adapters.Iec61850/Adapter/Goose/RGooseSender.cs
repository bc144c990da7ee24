using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>
/// Sends goosePdus as R-GOOSE (IEC 61850-90-5) datagrams to one IP multicast destination: each
/// in an SPDU of its own (<see cref="RGooseCodec"/>), numbered from 1 per sender, signed or
/// encrypted when an <see cref="RGooseProtector"/> is given (with the key valid at the time the
/// clock gives). The datagrams leave through the interface given by index, with the TTL given,
/// and are not looped back to this host.
/// </summary>
public sealed class RGooseSender : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _destination;
    private readonly byte[] _buffer = new byte[65535];
    private readonly RGooseProtector? _protector;
    private readonly TimeProvider _time;
    private uint _spduNumber;

    /// <summary>
    /// Opens a UDP socket for <paramref name="destination"/> on the interface numbered
    /// <paramref name="interfaceIndex"/>; with <paramref name="protector"/> (owned from here on)
    /// every SPDU is protected with the key valid at <paramref name="time"/>'s UTC now.
    /// </summary>
    public RGooseSender(IPEndPoint destination, int ttl, int interfaceIndex, RGooseProtector? protector = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _destination = destination;
        _protector = protector;
        _time = time ?? TimeProvider.System;
        _socket = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (destination.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, interfaceIndex);
                _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, ttl);
                _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
            }
            else
            {
                // IP_MULTICAST_IF takes an interface index in network order where an address would go.
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(interfaceIndex));
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, ttl);
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
            }

            // Bound now rather than at the first send, so the port is known before anything is
            // sent: the side's R-GOOSE receiver ignores datagrams from it (LocalEndPoint).
            _socket.Bind(new IPEndPoint(destination.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }
        catch
        {
            _socket.Dispose();
            _protector?.Dispose();
            throw;
        }
    }

    /// <summary>The socket's local address and port (the wildcard address and the port datagrams leave from).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Datagrams sent.</summary>
    public long Sent { get; private set; }

    /// <summary>Whether SPDUs are signed or encrypted.</summary>
    public bool Secured => _protector is not null;

    /// <summary>
    /// Sends <paramref name="goosePdu"/> of <paramref name="appId"/> as the next SPDU. False,
    /// and nothing sent, when security is on and no key is valid now: nothing goes out in the
    /// clear instead. Not thread-safe: one caller at a time.
    /// </summary>
    public bool Send(ushort appId, bool simulation, ReadOnlySpan<byte> goosePdu)
    {
        _spduNumber = _spduNumber == uint.MaxValue ? 1 : _spduNumber + 1;
        RGooseLayout layout;
        if (_protector is null)
        {
            layout = RGooseCodec.Encode(new RGooseSessionHeader { SpduNumber = _spduNumber }, appId, simulation, goosePdu, _buffer);
        }
        else if (!_protector.TryProtect(_time.GetUtcNow(), _spduNumber, appId, simulation, goosePdu, _buffer, out layout))
        {
            return false;
        }

        _socket.SendTo(_buffer.AsSpan(0, layout.Length), SocketFlags.None, _destination);
        Sent++;
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _socket.Dispose();
        _protector?.Dispose();
    }
}
