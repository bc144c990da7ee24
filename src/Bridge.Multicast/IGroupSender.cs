using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast;

/// <summary>Sends messages to groups; what the router of Bridge.Core hands messages to.</summary>
public interface IGroupSender
{
    /// <summary>Sends <paramref name="payload"/> to <paramref name="group"/> once, whatever the number of receivers.</summary>
    ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends as the other overload does; <paramref name="lastValue"/> marks the message as the
    /// group's latest state (a retained message), which receivers may keep for late joiners.
    /// </summary>
    ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default);
}
