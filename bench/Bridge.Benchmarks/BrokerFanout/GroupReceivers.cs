using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>
/// R receivers of one group: R <see cref="MulticastSocket"/>s on the loopback interface, each
/// joined to the group (one membership per socket, so the kernel's per-socket limit,
/// <c>net.ipv4.igmp_max_memberships</c>, does not apply), each read by its own loop that reports
/// to a <see cref="DeliveryTally"/>.
/// </summary>
internal sealed class GroupReceivers : IAsyncDisposable
{
    private readonly List<MulticastSocket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stopping = new();

    private GroupReceivers(DeliveryTally tally) => Tally = tally;

    public DeliveryTally Tally { get; }

    public static GroupReceivers Join(GroupName group, MulticastInterface loopback, DeliveryTally tally)
    {
        var receivers = new GroupReceivers(tally);
        for (var i = 0; i < tally.Receivers; i++)
        {
            var socket = MulticastSocket.Create(loopback);
            receivers._sockets.Add(socket);
            socket.Join(group);
            receivers._loops.Add(receivers.ReadAsync(i, socket));
        }

        return receivers;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        foreach (var socket in _sockets)
        {
            await socket.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task ReadAsync(int index, MulticastSocket socket)
    {
        try
        {
            await foreach (var message in socket.ReceiveAsync(_stopping.Token))
            {
                Tally.Record(index, message.Payload.Span);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
