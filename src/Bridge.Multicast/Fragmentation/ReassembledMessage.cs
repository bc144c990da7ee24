using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Fragmentation;

/// <summary>A message put back together from its fragments; it owns its bytes.</summary>
/// <param name="Group">The group's wire name in UTF-8.</param>
/// <param name="SourceId">The sending instance.</param>
/// <param name="Sequence">The sender's sequence number of the message.</param>
/// <param name="Type">The frame type all fragments carried.</param>
/// <param name="Flags">
/// The flags the fragments carried; <see cref="FrameFlags.Retransmission"/> when any fragment was a repair copy.
/// </param>
/// <param name="ContentType">What the payload holds.</param>
/// <param name="TimestampMicroseconds">The send time the first fragment to arrive carried.</param>
/// <param name="Payload">The whole message.</param>
public sealed record ReassembledMessage(
    ReadOnlyMemory<byte> Group,
    ulong SourceId,
    ulong Sequence,
    FrameType Type,
    FrameFlags Flags,
    ContentType ContentType,
    long TimestampMicroseconds,
    ReadOnlyMemory<byte> Payload);

/// <summary>Why a <see cref="Reassembler"/> gave up on an incomplete message.</summary>
public enum ReassemblyLoss
{
    /// <summary>Its time (<see cref="ReassemblyOptions.Timeout"/>) ran out.</summary>
    Expired = 1,

    /// <summary>It was the oldest when a new message needed the room.</summary>
    Evicted,

    /// <summary>A fragment contradicted the others (count, length, sizes, type or content type).</summary>
    Inconsistent,

    /// <summary>
    /// Its announced length is above <see cref="ReassemblyOptions.MaxBufferedBytes"/>, so it was
    /// refused at its first fragment without buffering anything.
    /// </summary>
    TooLarge,
}

/// <summary>An incomplete message the <see cref="Reassembler"/> gave up on; reported once.</summary>
/// <param name="Group">The group's wire name in UTF-8 (owned).</param>
/// <param name="SourceId">The sending instance.</param>
/// <param name="Sequence">The sender's sequence number of the message.</param>
/// <param name="Reason">Why it was dropped.</param>
/// <param name="FragmentsReceived">How many distinct fragments had arrived (1 for <see cref="ReassemblyLoss.TooLarge"/>: the one refused).</param>
/// <param name="FragmentCount">How many the message has.</param>
public readonly record struct LostMessage(
    ReadOnlyMemory<byte> Group,
    ulong SourceId,
    ulong Sequence,
    ReassemblyLoss Reason,
    int FragmentsReceived,
    int FragmentCount);
