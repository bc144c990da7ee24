using System.Net;
using System.Threading.Channels;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports;
using Microsoft.Extensions.Logging;

namespace Bridge.Multicast;

/// <summary>
/// An interface that can send a datagram to one host of a group alone (a repair only one receiver
/// asked for). Interfaces without it multicast such repairs, which is correct, only louder.
/// </summary>
public interface IUnicastCarrier
{
    /// <summary>Sends <paramref name="datagram"/> of <paramref name="group"/> to the host at <paramref name="host"/> on the group's port.</summary>
    ValueTask SendToAsync(GroupName group, ReadOnlyMemory<byte> datagram, IPEndPoint host, CancellationToken cancellationToken = default);
}

/// <summary>The reliable groups of a <see cref="MulticastSocket"/> (docs/reliability.md).</summary>
public sealed partial class MulticastSocket
{
    private readonly Channel<UnrecoverableLoss> _losses = Channel.CreateBounded<UnrecoverableLoss>(new BoundedChannelOptions(1024)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    private readonly Dictionary<ulong, (ITechnologyInterface Interface, IPEndPoint Address)> _requesters = [];
    private readonly Dictionary<string, List<ITechnologyInterface>> _joinedForRepairs = new(StringComparer.Ordinal);

    /// <summary>NACKs, repairs, caches and unrecoverable loss of this socket's reliable groups.</summary>
    public ReliabilityCounters Reliability => _endpoint.Counters.Reliability;

    /// <summary>
    /// Makes <paramref name="group"/> reliable (NACK-based repair, docs/reliability.md) with
    /// <paramref name="options"/>, or best-effort again with null. Call before joining or sending;
    /// every member and the source must agree. A source of a reliable group hears its NACKs on the
    /// group's address, so the interfaces that carry it join it (without delivering its messages
    /// to this socket unless it joins too).
    /// </summary>
    public void MakeReliable(GroupName group, ReliableGroupOptions? options)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            _endpoint.MakeReliable(group, options);
            if (options is not null && !_joinedForRepairs.ContainsKey(group.Canonical))
            {
                List<ITechnologyInterface> joinedHere = [];
                foreach (var carrier in _interfaces.Where(i => i.CanCarry(group) && !i.JoinedGroups.Contains(group)))
                {
                    carrier.Join(group);
                    joinedHere.Add(carrier);
                }

                _joinedForRepairs[group.Canonical] = joinedHere;
            }
        }
    }

    /// <summary>
    /// Loss of reliable groups that could not be repaired, one event per range of sequence numbers,
    /// until cancelled or disposed. Held for a reader up to 1024 events; the oldest go first.
    /// </summary>
    public IAsyncEnumerable<UnrecoverableLoss> UnrecoverableLossesAsync(CancellationToken cancellationToken = default) =>
        _losses.Reader.ReadAllAsync(cancellationToken);

    // Called under _gate.
    private void OnReliabilityEvent(EndpointEvent endpointEvent, ITechnologyInterface? source, IPEndPoint? from)
    {
        switch (endpointEvent)
        {
            case UnrecoverableLoss loss:
                ReliabilityLog.Unrecoverable(_logger, loss.Group.Canonical, loss.SourceId, loss.First, loss.Last, loss.Reason);
                _losses.Writer.TryWrite(loss);
                break;
            case RepairRequested requested when source is IUnicastCarrier && from is not null:
                if (_requesters.Count >= 4096)
                {
                    _requesters.Clear();
                }

                _requesters[requested.RequesterId] = (source, from);
                break;
        }
    }

    /// <summary>Sends what the endpoint queued while handling input or time: NACKs, confirmations, repairs.</summary>
    private async ValueTask SendEndpointTransmitsAsync()
    {
        List<(Transmit Transmit, List<ITechnologyInterface> Carriers, (ITechnologyInterface Interface, IPEndPoint Address)? To)>? sends = null;
        lock (_gate)
        {
            while (_endpoint.TryPollTransmit(out var transmit))
            {
                var carriers = _interfaces.Where(i => i.CanCarry(transmit.Group)).ToList();
                (ITechnologyInterface, IPEndPoint)? to = transmit.UnicastTo is { } requester && _requesters.TryGetValue(requester, out var where) ? where : null;
                (sends ??= []).Add((transmit, carriers, to));
            }
        }

        if (sends is null)
        {
            return;
        }

        foreach (var (transmit, carriers, to) in sends)
        {
            try
            {
                if (to is { } target && target.Interface is IUnicastCarrier unicast)
                {
                    await unicast.SendToAsync(transmit.Group, transmit.Datagram, target.Address, _stopping.Token);
                    continue;
                }

                foreach (var carrier in carriers)
                {
                    await carrier.SendAsync(transmit.Group, transmit.Datagram, _stopping.Token);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                ReliabilityLog.SendFailed(_logger, transmit.Group.Canonical, ex.Message);
            }
        }
    }

    private static partial class ReliabilityLog
    {
        [LoggerMessage(40, LogLevel.Warning, "Unrecoverable loss in {Group} from source {SourceId:x16}: {First}-{Last} ({Reason})")]
        public static partial void Unrecoverable(ILogger logger, string group, ulong sourceId, ulong first, ulong last, string reason);

        [LoggerMessage(41, LogLevel.Debug, "Sending a repair-protocol datagram of {Group} failed: {Error}")]
        public static partial void SendFailed(ILogger logger, string group, string error);
    }
}
