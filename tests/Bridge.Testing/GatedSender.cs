using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Testing;

/// <summary>
/// Sends to the group, but holds every send from the <c>holdFrom</c>-th on until
/// <see cref="Release"/>: a bridge caught in the middle of a hand-off, for broker-restart tests.
/// </summary>
public sealed class GatedSender(IGroupSender inner, int holdFrom) : IGroupSender
{
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>Completes when the first held send has begun.</summary>
    public Task Holding => _holding.Task;

    /// <summary>Lets the held sends, and all later ones, through.</summary>
    public void Release() => _released.TrySetResult();

    /// <inheritdoc/>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
        => SendAsync(group, payload, contentType, lastValue: false, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) >= holdFrom)
        {
            _holding.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }

        await inner.SendAsync(group, payload, contentType, lastValue, cancellationToken);
    }
}
