using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast;

/// <summary>A message received from a group, with who sent it and when.</summary>
/// <param name="Group">The group it was sent to.</param>
/// <param name="Payload">The application payload (owned by this message).</param>
/// <param name="ContentType">What the payload holds.</param>
/// <param name="SourceId">The sending instance.</param>
/// <param name="Sequence">The sender's sequence number for this group.</param>
/// <param name="SentAt">The sender's clock when it sent the message.</param>
public sealed record GroupMessage(
    GroupName Group,
    ReadOnlyMemory<byte> Payload,
    ContentType ContentType,
    ulong SourceId,
    ulong Sequence,
    DateTimeOffset SentAt)
{
    /// <summary>The address the (last fragment of the) message came from, where the technology has one.</summary>
    public System.Net.IPEndPoint? From { get; init; }

    /// <summary>The interface it arrived on, such as <c>ip:eth0</c>; null before a socket delivers it.</summary>
    public string? Interface { get; init; }

    /// <summary>Whether the sender marked the message as the group's latest state (a retained message; the LastValue flag).</summary>
    public bool IsLastValue { get; init; }
}
