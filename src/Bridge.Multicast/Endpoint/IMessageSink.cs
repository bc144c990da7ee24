using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// Takes whole messages from <see cref="GroupEndpoint.HandleDatagram(TimeSpan, DateTimeOffset?, ReadOnlyMemory{byte}, IMessageSink?)"/>
/// while the call runs, without an event, a <see cref="GroupMessage"/> or a copy of the payload:
/// the hot path of a driver that copies the payload once into a buffer of its own (a pooled one).
/// </summary>
public interface IMessageSink
{
    /// <summary>One message, delivered once per (group, source, sequence) as a <see cref="MessageReceived"/> would be.</summary>
    /// <param name="message">The message; its payload is valid only until this returns.</param>
    void OnMessage(in SinkMessage message);
}

/// <summary>A message handed to an <see cref="IMessageSink"/>: a <see cref="GroupMessage"/> whose payload is borrowed.</summary>
/// <param name="Group">The joined group, as the application named it.</param>
/// <param name="Payload">The payload, borrowed from the datagram (or its decrypted copy) for the sink call only.</param>
/// <param name="ContentType">What the payload holds.</param>
/// <param name="SourceId">The sending instance.</param>
/// <param name="Sequence">The message's number in its group and source.</param>
/// <param name="TimestampMicroseconds">The sender's wall-clock time, in microseconds since the Unix epoch.</param>
/// <param name="IsLastValue">Whether the sender marked it as the group's latest state.</param>
public readonly ref struct SinkMessage(
    GroupName Group,
    ReadOnlySpan<byte> Payload,
    ContentType ContentType,
    ulong SourceId,
    ulong Sequence,
    long TimestampMicroseconds,
    bool IsLastValue)
{
    /// <summary>The joined group, as the application named it.</summary>
    public GroupName Group { get; } = Group;

    /// <summary>The payload, valid only during the sink call.</summary>
    public ReadOnlySpan<byte> Payload { get; } = Payload;

    /// <summary>What the payload holds.</summary>
    public ContentType ContentType { get; } = ContentType;

    /// <summary>The sending instance.</summary>
    public ulong SourceId { get; } = SourceId;

    /// <summary>The message's number in its group and source.</summary>
    public ulong Sequence { get; } = Sequence;

    /// <summary>The sender's wall-clock time, in microseconds since the Unix epoch.</summary>
    public long TimestampMicroseconds { get; } = TimestampMicroseconds;

    /// <summary>Whether the sender marked it as the group's latest state.</summary>
    public bool IsLastValue { get; } = IsLastValue;

    /// <summary>The send time as <see cref="GroupMessage.SentAt"/> has it.</summary>
    public DateTimeOffset SentAt => DateTimeOffset.UnixEpoch.AddTicks(TimestampMicroseconds * TimeSpan.TicksPerMicrosecond);
}
