using Bridge.Core.Routing;

namespace Bridge.Testing;

/// <summary>An adapter's outbound side that keeps what it was asked to publish, for assertions.</summary>
/// <typeparam name="TAddress">The address type of the adapter kind (a topic, a routing key).</typeparam>
public sealed class RecordingPublisher<TAddress> : IEndpointPublisher<TAddress>
{
    private readonly Lock _gate = new();
    private readonly List<(TAddress Address, byte[] Payload, PublishOptions Options)> _published = [];

    /// <summary>Everything published so far, in order.</summary>
    public IReadOnlyList<(TAddress Address, byte[] Payload, PublishOptions Options)> Published
    {
        get
        {
            lock (_gate)
            {
                return [.. _published];
            }
        }
    }

    /// <summary>The addresses published at, in order.</summary>
    public IReadOnlyList<TAddress> Addresses => [.. Published.Select(p => p.Address)];

    /// <inheritdoc/>
    public ValueTask PublishAsync(TAddress address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _published.Add((address, payload.ToArray(), options));
        }

        return ValueTask.CompletedTask;
    }
}
