using System.Buffers;
using System.Net;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast;

/// <summary>
/// A message from <see cref="MulticastSocket.TryReceive"/>: what a <see cref="GroupMessage"/>
/// holds, with the payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/> when it came
/// in one datagram, so that receiving allocates nothing per message in steady state.
/// </summary>
/// <remarks>
/// Dispose it exactly once when done with <see cref="Payload"/>: that returns the buffer, and
/// the payload must not be read afterwards (nor through a copy of this struct). Not disposing it
/// only costs the pool a buffer. <see cref="ToGroupMessage"/> gives an owned copy for keeping.
/// </remarks>
public readonly struct ReceivedMessage : IDisposable
{
    private readonly byte[]? _rented;
    private readonly GroupMessage? _message;
    private readonly int _length;

    private ReceivedMessage(GroupName group, byte[]? rented, int length, GroupMessage? message, ContentType contentType, ulong sourceId, ulong sequence, long timestampMicroseconds, bool isLastValue, IPEndPoint? from, string? @interface)
    {
        Group = group;
        _rented = rented;
        _length = length;
        _message = message;
        ContentType = contentType;
        SourceId = sourceId;
        Sequence = sequence;
        TimestampMicroseconds = timestampMicroseconds;
        IsLastValue = isLastValue;
        From = from;
        Interface = @interface;
    }

    /// <summary>The group it was sent to, as this socket joined it.</summary>
    public GroupName Group { get; }

    /// <summary>The payload; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Payload => _message is { } message ? message.Payload : _rented.AsMemory(0, _length);

    /// <summary>What the payload holds.</summary>
    public ContentType ContentType { get; }

    /// <summary>The sending instance.</summary>
    public ulong SourceId { get; }

    /// <summary>The message's number in its group and source.</summary>
    public ulong Sequence { get; }

    /// <summary>The sender's wall-clock time, in microseconds since the Unix epoch.</summary>
    public long TimestampMicroseconds { get; }

    /// <summary>The send time, as <see cref="GroupMessage.SentAt"/>.</summary>
    public DateTimeOffset SentAt => _message?.SentAt ?? DateTimeOffset.UnixEpoch.AddTicks(TimestampMicroseconds * TimeSpan.TicksPerMicrosecond);

    /// <summary>Whether the sender marked it as the group's latest state.</summary>
    public bool IsLastValue { get; }

    /// <summary>The address the (last fragment of the) message came from, where the technology has one.</summary>
    public IPEndPoint? From { get; }

    /// <summary>The interface it arrived on, such as <c>ip:eth0</c>.</summary>
    public string? Interface { get; }

    /// <summary>An owned copy, as <see cref="MulticastSocket.ReceiveAsync"/> delivers it; this lease stays to be disposed.</summary>
    public GroupMessage ToGroupMessage()
    {
        if (_message is { } message)
        {
            return message.From == From && message.Interface == Interface ? message : message with { From = From, Interface = Interface };
        }

        return new GroupMessage(Group, _rented.AsSpan(0, _length).ToArray(), ContentType, SourceId, Sequence, SentAt)
        {
            From = From,
            Interface = Interface,
            IsLastValue = IsLastValue,
        };
    }

    /// <summary>Returns the payload's buffer to the pool.</summary>
    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }
    }

    /// <summary>Copies a borrowed payload into a rented buffer.</summary>
    internal static ReceivedMessage Rent(in Endpoint.SinkMessage message, IPEndPoint? from, string? @interface)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(message.Payload.Length, 1));
        message.Payload.CopyTo(rented);
        return new ReceivedMessage(message.Group, rented, message.Payload.Length, null, message.ContentType, message.SourceId, message.Sequence, message.TimestampMicroseconds, message.IsLastValue, from, @interface);
    }

    /// <summary>Wraps a message the endpoint delivered as an event (a source's first, or a reassembled one).</summary>
    internal static ReceivedMessage Wrap(GroupMessage message, IPEndPoint? from, string? @interface)
        => new(message.Group, null, 0, message, message.ContentType, message.SourceId, message.Sequence, (message.SentAt - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond, message.IsLastValue, from, @interface);
}
