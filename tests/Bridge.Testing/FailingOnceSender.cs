using System.Net.Sockets;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Testing;

/// <summary>Sends to the group, except the first time, which fails as a full socket buffer would.</summary>
public sealed class FailingOnceSender(IGroupSender inner) : IGroupSender
{
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>Completes when the first send has failed.</summary>
    public Task Failed => _failed.Task;

    /// <inheritdoc/>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
        => SendAsync(group, payload, contentType, lastValue: false, cancellationToken);

    /// <inheritdoc/>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) > 1)
        {
            return inner.SendAsync(group, payload, contentType, lastValue, cancellationToken);
        }

        _failed.TrySetResult();
        return ValueTask.FromException(new SocketException((int)SocketError.NoBufferSpaceAvailable));
    }
}
