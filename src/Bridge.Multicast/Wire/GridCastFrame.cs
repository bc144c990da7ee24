namespace Bridge.Multicast.Wire;

/// <summary>
/// One GridCast frame as the codec sees it. <see cref="Group"/> and <see cref="Payload"/> refer to
/// the buffer the frame was decoded from; copy them before that buffer is reused.
/// </summary>
public readonly record struct GridCastFrame
{
    /// <summary>The frame type.</summary>
    public FrameType Type { get; init; }

    /// <summary>Flag bits.</summary>
    public FrameFlags Flags { get; init; }

    /// <summary>What the payload holds.</summary>
    public ContentType ContentType { get; init; }

    /// <summary>The group's canonical name in UTF-8.</summary>
    public ReadOnlyMemory<byte> Group { get; init; }

    /// <summary>Identifies the sending instance; chosen at random when a sender starts.</summary>
    public ulong SourceId { get; init; }

    /// <summary>Per-source, per-group sequence number, starting at 1.</summary>
    public ulong Sequence { get; init; }

    /// <summary>Send time in microseconds since the Unix epoch, as the sender's clock had it.</summary>
    public long TimestampMicroseconds { get; init; }

    /// <summary>The application payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }
}
