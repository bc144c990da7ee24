namespace Bridge.Adapters.Iec61850.Mms.Transport;

/// <summary>A COTP (ISO 8073) TPDU of class 0, as it travels in one TPKT frame.</summary>
public abstract record CotpTpdu;

/// <summary>The parameters of a CR or CC TPDU that class 0 uses (ISO 8073 §13.3.4).</summary>
/// <param name="TpduSize">The maximum TPDU size in octets (128 to 8192, a power of two), parameter 0xC0; null when absent (class 0 then means 128).</param>
/// <param name="CallingTsap">The calling transport selector, parameter 0xC1.</param>
/// <param name="CalledTsap">The called transport selector, parameter 0xC2.</param>
/// <param name="PreferredMaxTpduSize">The preferred maximum TPDU size in octets (a multiple of 128), parameter 0xF0.</param>
public sealed record CotpConnectParameters(int? TpduSize, byte[]? CallingTsap, byte[]? CalledTsap, int? PreferredMaxTpduSize = null);

/// <summary>CR: connection request.</summary>
/// <param name="SourceReference">The sender's reference for this connection.</param>
/// <param name="ClassOption">Class in the high nibble, options in the low one: 0x00 for class 0.</param>
/// <param name="Parameters">The variable part.</param>
public sealed record CotpConnectionRequest(ushort SourceReference, byte ClassOption, CotpConnectParameters Parameters) : CotpTpdu;

/// <summary>CC: connection confirm.</summary>
public sealed record CotpConnectionConfirm(ushort DestinationReference, ushort SourceReference, byte ClassOption, CotpConnectParameters Parameters) : CotpTpdu;

/// <summary>DR: disconnect request (class 0 uses it only to refuse a CR).</summary>
public sealed record CotpDisconnectRequest(ushort DestinationReference, ushort SourceReference, byte Reason) : CotpTpdu;

/// <summary>ER: TPDU error, the peer's report of a TPDU it could not accept.</summary>
/// <param name="DestinationReference">The reference of the connection.</param>
/// <param name="RejectCause">0 not specified, 1 invalid parameter code, 2 invalid TPDU type, 3 invalid parameter value.</param>
/// <param name="InvalidTpdu">The bit pattern of the rejected TPDU (parameter 0xC1), when sent.</param>
public sealed record CotpErrorTpdu(ushort DestinationReference, byte RejectCause, byte[]? InvalidTpdu) : CotpTpdu;

/// <summary>DT: data, class 0. A TSDU is sent as DTs whose last has <paramref name="EndOfTsdu"/> set.</summary>
/// <param name="EndOfTsdu">The EOT bit.</param>
/// <param name="UserData">The segment; a slice of the decoded buffer.</param>
public sealed record CotpData(bool EndOfTsdu, ReadOnlyMemory<byte> UserData) : CotpTpdu;
