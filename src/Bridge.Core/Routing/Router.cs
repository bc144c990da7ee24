using Bridge.Multicast;

namespace Bridge.Core.Routing;

/// <summary>
/// Hands each inbound adapter message to the multicast layer, once per group its topic maps to,
/// and each received group message to an adapter, once per topic its group maps to. An adapter
/// acknowledges a message to its broker only after <see cref="RouteAsync"/> returned.
/// </summary>
public sealed class Router(RoutingTable table, IGroupSender sender)
{
    private long _routed;
    private long _unmatched;

    /// <summary>The rules in force.</summary>
    public RoutingTable Table { get; } = table;

    /// <summary>Messages sent to at least one group.</summary>
    public long Routed => Interlocked.Read(ref _routed);

    /// <summary>Messages no rule matched.</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    /// <summary>Sends <paramref name="message"/> to every group its topic maps to; returns how many.</summary>
    public async ValueTask<int> RouteAsync(InboundMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var groups = 0;
        foreach (var group in Table.GroupsFor(message.Topic))
        {
            await sender.SendAsync(group, message.Payload, message.ContentType, message.Retained, cancellationToken);
            groups++;
        }

        Interlocked.Increment(ref groups > 0 ? ref _routed : ref _unmatched);
        return groups;
    }

    /// <summary>Publishes a received group message on every topic its group maps to; returns how many.</summary>
    public async ValueTask<int> RouteFromGroupAsync(GroupMessage message, ITopicPublisher publisher, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(publisher);
        var topics = 0;
        foreach (var topic in Table.TopicsFor(message.Group))
        {
            await publisher.PublishAsync(topic, message.Payload, new PublishOptions(Retain: message.IsLastValue), cancellationToken);
            topics++;
        }

        return topics;
    }
}
