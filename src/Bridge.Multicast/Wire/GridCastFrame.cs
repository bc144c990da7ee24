namespace Bridge.Multicast.Wire;

/// <summary>
/// One GridCast frame as the codec sees it. <see cref="Group"/>, <see cref="Payload"/> and
/// <see cref="Tag"/> refer to the buffer the frame was decoded from; copy them before that buffer
/// is reused.
/// </summary>
/// <remarks>
/// A frame made with <c>new GridCastFrame { ... }</c> is a whole message unless told otherwise:
/// <see cref="FragmentIndex"/> 0, <see cref="FragmentCount"/> 1 and a <see cref="MessageLength"/>
/// equal to the payload length. <c>default(GridCastFrame)</c> has a fragment count of 0 and is
/// not a valid frame.
/// </remarks>
public readonly record struct GridCastFrame
{
    // Unset means "the payload length", which is what an unfragmented frame carries.
    private readonly uint? _messageLength;

    /// <summary>Creates an empty, unfragmented frame: fill it with an object initializer.</summary>
    public GridCastFrame()
    {
    }

    /// <summary>The frame type.</summary>
    public FrameType Type { get; init; }

    /// <summary>Flag bits.</summary>
    public FrameFlags Flags { get; init; }

    /// <summary>What the payload holds.</summary>
    public ContentType ContentType { get; init; }

    /// <summary>The group's wire name in UTF-8.</summary>
    public ReadOnlyMemory<byte> Group { get; init; }

    /// <summary>Identifies the sending instance; chosen at random when a sender starts.</summary>
    public ulong SourceId { get; init; }

    /// <summary>Per-source, per-group message number, starting at 1; every fragment of a message carries the same one.</summary>
    public ulong Sequence { get; init; }

    /// <summary>Send time in microseconds since the Unix epoch, as the sender's clock had it.</summary>
    public long TimestampMicroseconds { get; init; }

    /// <summary>Which fragment of the message this frame carries, from 0.</summary>
    public ushort FragmentIndex { get; init; }

    /// <summary>How many fragments the message has; 1 for a message sent whole.</summary>
    public ushort FragmentCount { get; init; } = 1;

    /// <summary>The length of the whole message; the payload length when not set.</summary>
    public uint MessageLength
    {
        get => _messageLength ?? (uint)Payload.Length;
        init => _messageLength = value;
    }

    /// <summary>The application payload, or this fragment's part of it.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The authentication tag (opaque to the codec); empty when the frame has none.</summary>
    public ReadOnlyMemory<byte> Tag { get; init; }

    /// <summary>Whether this frame is one of several fragments of a message.</summary>
    public bool IsFragment => FragmentCount > 1;

    /// <summary>Field by field; the memory fields compare by the buffer they refer to, as <see cref="ReadOnlyMemory{T}"/> does.</summary>
    public bool Equals(GridCastFrame other) =>
        Type == other.Type
        && Flags == other.Flags
        && ContentType == other.ContentType
        && Group.Equals(other.Group)
        && SourceId == other.SourceId
        && Sequence == other.Sequence
        && TimestampMicroseconds == other.TimestampMicroseconds
        && FragmentIndex == other.FragmentIndex
        && FragmentCount == other.FragmentCount
        && MessageLength == other.MessageLength
        && Payload.Equals(other.Payload)
        && Tag.Equals(other.Tag);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.Add(Flags);
        hash.Add(ContentType);
        hash.Add(Group);
        hash.Add(SourceId);
        hash.Add(Sequence);
        hash.Add(TimestampMicroseconds);
        hash.Add(FragmentIndex);
        hash.Add(FragmentCount);
        hash.Add(MessageLength);
        hash.Add(Payload);
        hash.Add(Tag);
        return hash.ToHashCode();
    }
}
