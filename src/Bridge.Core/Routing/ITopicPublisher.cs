namespace Bridge.Core.Routing;

/// <summary>The outbound side of an adapter: publishes a group's message on a legacy topic.</summary>
public interface ITopicPublisher
{
    /// <summary>Publishes <paramref name="payload"/> on <paramref name="topic"/>.</summary>
    ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);
}
