using System.Collections.Concurrent;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>The multicast layer as the router sees it, keeping what it was handed.</summary>
internal sealed class RecordingSender : IGroupSender
{
    public ConcurrentQueue<(GroupName Group, byte[] Payload, ContentType ContentType)> Sent { get; } = new();

    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
        => SendAsync(group, payload, contentType, lastValue: false, cancellationToken);

    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default)
    {
        Sent.Enqueue((group, payload.ToArray(), contentType));
        return ValueTask.CompletedTask;
    }
}
