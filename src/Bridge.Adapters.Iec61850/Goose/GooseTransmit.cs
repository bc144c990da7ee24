namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>An APDU a <see cref="GoosePublisher"/> wants sent now, with the numbers it carries.</summary>
/// <param name="Apdu">The encoded goosePdu (its own buffer; the publisher keeps no reference to it).</param>
/// <param name="StNum">Its stNum.</param>
/// <param name="SqNum">Its sqNum.</param>
/// <param name="TimeAllowedToLive">Its timeAllowedtoLive, ms.</param>
/// <param name="Kind">Why it is sent.</param>
public readonly record struct GooseTransmit(ReadOnlyMemory<byte> Apdu, uint StNum, uint SqNum, uint TimeAllowedToLive, GooseTransmitKind Kind);

/// <summary>Why a <see cref="GooseTransmit"/> is sent.</summary>
public enum GooseTransmitKind : byte
{
    /// <summary>The first message of a new state (sqNum as published or adopted).</summary>
    StateChange,

    /// <summary>A repeat of the current state from the publisher's own schedule.</summary>
    Retransmission,

    /// <summary>An adopted APDU of the current state, sent as it came (a relay's upstream was ahead of the local schedule).</summary>
    Relayed,
}
