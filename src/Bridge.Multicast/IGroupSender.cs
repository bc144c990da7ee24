using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast;

/// <summary>Sends messages to groups; what the router of Bridge.Core hands messages to.</summary>
public interface IGroupSender
{
    /// <summary>Sends <paramref name="payload"/> to <paramref name="group"/> once, whatever the number of receivers.</summary>
    ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default);
}
