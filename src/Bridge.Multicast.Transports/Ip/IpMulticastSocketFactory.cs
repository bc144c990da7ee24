using Microsoft.Extensions.Logging;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>
/// The IP module's way to create a <see cref="MulticastSocket"/> on one network interface. It is
/// an extension of the socket rather than a member so that the socket knows no technology by
/// name: it takes any <see cref="ITechnologyInterface"/>, and each module brings its own shortcut.
/// </summary>
public static class IpMulticastSocketFactory
{
    extension(MulticastSocket)
    {
        /// <summary>Creates a socket on one network interface with the native IP module.</summary>
        /// <param name="multicastInterface">The network interface.</param>
        /// <param name="options">The socket's settings.</param>
        /// <param name="logger">Logs the socket's and the IP module's warnings.</param>
        /// <param name="time">The clock; the system's when not set.</param>
        /// <param name="ip">Settings of the IP module (TTL, loopback, ports).</param>
        public static MulticastSocket Create(
            MulticastInterface multicastInterface,
            MulticastSocketOptions? options = null,
            ILogger<MulticastSocket>? logger = null,
            TimeProvider? time = null,
            IpMulticastOptions? ip = null)
        {
            ArgumentNullException.ThrowIfNull(multicastInterface);
            return MulticastSocket.Create([new IpInterface(multicastInterface, ip, logger)], options, logger, time);
        }
    }
}
