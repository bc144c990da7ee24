using System.Net;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>Repairs for one receiver (docs/reliability.md): sent to its host on the group's port, where its group socket listens.</summary>
public sealed partial class IpInterface : IUnicastCarrier
{
    /// <inheritdoc/>
    public async ValueTask SendToAsync(GroupName group, ReadOnlyMemory<byte> datagram, IPEndPoint host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);

        // The NACK came from the receiver's sending socket (an ephemeral port); its group socket is
        // bound to the group's port on every address of its host.
        var groupEndpoint = RequireTargets(group).FirstOrDefault(e => e.AddressFamily == host.AddressFamily);
        if (groupEndpoint is null)
        {
            await SendAsync(group, datagram, cancellationToken);
            return;
        }

        IpMulticastSocket sender;
        lock (_gate)
        {
            if (!_senders.TryGetValue(host.AddressFamily, out sender!))
            {
                sender = IpMulticastSocket.Open(host.AddressFamily, 0, Interface, _options with { TimeToLive = _timeToLive });
                _senders.Add(host.AddressFamily, sender);
            }
        }

        await sender.SendAsync(datagram, new IPEndPoint(host.Address, groupEndpoint.Port), cancellationToken);
    }
}
