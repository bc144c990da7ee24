namespace Bridge.Adapters.Iec61850.Mms.Session;

/// <summary>An SPDU of the ISO 8327-1 session kernel, or the GT/DT concatenation that carries data.</summary>
/// <param name="UserData">The user data (the presentation PPDU): a slice of the decoded TSDU.</param>
public abstract record Spdu(ReadOnlyMemory<byte> UserData);

/// <summary>The Connect/Accept Item parameter group (PGI 5) of CN and AC.</summary>
/// <param name="ProtocolOptions">PI 19: bit 1 set when the sender can receive extended concatenated SPDUs.</param>
/// <param name="TsduMaximumSize">PI 21: the maximum TSDU sizes (initiator to responder in the high 16 bits); null when unlimited.</param>
/// <param name="VersionNumber">PI 22: bit 1 version 1, bit 2 version 2 (0x02: version 2, what IEC 61850 uses).</param>
public sealed record SessionConnectItem(byte? ProtocolOptions, uint? TsduMaximumSize, byte? VersionNumber);

/// <summary>CN, connect (SI 13).</summary>
/// <param name="Item">PGI 5, when present.</param>
/// <param name="Requirements">PI 20, session user requirements (0x0002: duplex, the kernel functional unit).</param>
/// <param name="CallingSelector">PI 51, the calling session selector.</param>
/// <param name="CalledSelector">PI 52, the called session selector.</param>
/// <param name="UserData">PGI 193: the CP PPDU.</param>
public sealed record SessionConnect(SessionConnectItem? Item, ushort? Requirements, byte[]? CallingSelector, byte[]? CalledSelector, ReadOnlyMemory<byte> UserData)
    : Spdu(UserData);

/// <summary>AC, accept (SI 14).</summary>
/// <param name="Item">PGI 5, when present.</param>
/// <param name="Requirements">PI 20.</param>
/// <param name="RespondingSelector">PI 52, the responding session selector.</param>
/// <param name="UserData">PGI 193: the CPA PPDU.</param>
public sealed record SessionAccept(SessionConnectItem? Item, ushort? Requirements, byte[]? RespondingSelector, ReadOnlyMemory<byte> UserData)
    : Spdu(UserData);

/// <summary>RF, refuse (SI 12).</summary>
/// <param name="Requirements">PI 20.</param>
/// <param name="UserData">The rest of PI 50: the CPR PPDU.</param>
/// <param name="Reason">The first octet of PI 50 (the refusal reason code; 2 is "rejected by the SS-user", 0x81 "SSAP identifier unknown").</param>
public sealed record SessionRefuse(ushort? Requirements, byte? Reason, ReadOnlyMemory<byte> UserData) : Spdu(UserData);

/// <summary>FN, finish (SI 9): the release request, carrying ACSE RLRQ.</summary>
/// <param name="TransportDisconnect">PI 17: bit 1 set when the transport connection is to be released.</param>
/// <param name="UserData">PGI 193: the RLRQ.</param>
public sealed record SessionFinish(byte? TransportDisconnect, ReadOnlyMemory<byte> UserData) : Spdu(UserData);

/// <summary>DN, disconnect (SI 10): the release response, carrying ACSE RLRE.</summary>
public sealed record SessionDisconnect(ReadOnlyMemory<byte> UserData) : Spdu(UserData);

/// <summary>AB, abort (SI 25), carrying the presentation ARU (and ACSE ABRT).</summary>
/// <param name="UserData">PGI 193: the ARU or ARP PPDU.</param>
/// <param name="TransportDisconnect">PI 17: bit 1 transport connection released, bit 2 user abort, bit 3 protocol error.</param>
public sealed record SessionAbort(byte? TransportDisconnect, ReadOnlyMemory<byte> UserData) : Spdu(UserData);

/// <summary>AA, abort accept (SI 26).</summary>
public sealed record SessionAbortAccept() : Spdu(ReadOnlyMemory<byte>.Empty);

/// <summary>GT (SI 1, category 0) concatenated with DT (SI 1): data transfer; the user information follows the DT header.</summary>
public sealed record SessionData(ReadOnlyMemory<byte> UserData) : Spdu(UserData);
