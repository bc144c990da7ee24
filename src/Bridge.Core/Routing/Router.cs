using System.Collections.Concurrent;
using Bridge.Multicast;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Routing;

/// <summary>
/// Hands each inbound adapter message to the multicast layer, once per group its address maps to,
/// and each received group message to an adapter, once per address its group maps to. An adapter
/// acknowledges a message to its broker only after <see cref="RouteAsync"/> returned. The table
/// may be replaced while messages flow (a configuration reload); each message is routed by one
/// table, the one in force when it arrived.
/// </summary>
public sealed class Router(RoutingTable table, IGroupSender sender)
{
    /// <summary>
    /// How many refreshes of an unchanged last value are skipped before it is published again:
    /// the broker rarely needs it, but a publication it lost (a subscriber that raced the retained
    /// store, a retained message someone cleared) is made good within this many refreshes.
    /// </summary>
    public const int LastValueRepublishEvery = 10;

    // The last-value payload last published per group, and how many identical refreshes were
    // skipped since, so periodic refreshes of an unchanged value are mostly not published again.
    private readonly ConcurrentDictionary<GroupName, (byte[] Payload, int Skipped)> _lastValues = new();
    private RoutingTable _table = table;
    private long _routed;
    private long _unmatched;
    private long _repeatedLastValues;

    /// <summary>The rules in force; setting it replaces them for the messages that arrive from then on.</summary>
    public RoutingTable Table
    {
        get => Volatile.Read(ref _table);
        set => Volatile.Write(ref _table, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Messages sent to at least one group.</summary>
    public long Routed => Interlocked.Read(ref _routed);

    /// <summary>Messages no rule matched (or whose address made no valid group name).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    /// <summary>Last-value messages not published because they repeat the value last published for their group.</summary>
    public long RepeatedLastValues => Interlocked.Read(ref _repeatedLastValues);

    /// <summary>Sends <paramref name="message"/> to every group its address maps to; returns how many.</summary>
    public async ValueTask<int> RouteAsync<TAddress>(InboundMessage<TAddress> message, CancellationToken cancellationToken = default)
        where TAddress : notnull
    {
        ArgumentNullException.ThrowIfNull(message);
        var groups = 0;
        foreach (var group in Table.GroupsFor(message.Address))
        {
            await sender.SendAsync(group, message.Payload, message.ContentType, message.Retained, cancellationToken);
            groups++;
        }

        Interlocked.Increment(ref groups > 0 ? ref _routed : ref _unmatched);
        return groups;
    }

    /// <summary>
    /// Publishes a received group message at every address its group maps to, with the guarantee
    /// of the rule and, for a last-value message, retained; returns how many. A last-value
    /// message equal to the one last published for its group is not published again (0), except
    /// every <see cref="LastValueRepublishEvery"/>-th time.
    /// </summary>
    public async ValueTask<int> RouteFromGroupAsync<TAddress>(GroupMessage message, IEndpointPublisher<TAddress> publisher, CancellationToken cancellationToken = default)
        where TAddress : notnull
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(publisher);
        if (message.IsLastValue
            && _lastValues.TryGetValue(message.Group, out var last)
            && message.Payload.Span.SequenceEqual(last.Payload)
            && last.Skipped + 1 < LastValueRepublishEvery)
        {
            _lastValues[message.Group] = last with { Skipped = last.Skipped + 1 };
            Interlocked.Increment(ref _repeatedLastValues);
            return 0;
        }

        var addresses = 0;
        foreach (var route in Table.RoutesFor<TAddress>(message.Group))
        {
            await publisher.PublishAsync(route.Address, message.Payload, route.Options with { Retain = message.IsLastValue }, cancellationToken);
            addresses++;
        }

        if (message.IsLastValue && addresses > 0)
        {
            _lastValues[message.Group] = (message.Payload.ToArray(), 0);
        }

        return addresses;
    }

    /// <summary>Forgets the last values published, so the next of each is published again (after the adapter was restarted).</summary>
    public void ForgetLastValues() => _lastValues.Clear();
}
