namespace Bridge.Adapters.Iec61850.RGoose;

/// <summary>Why a UDP payload is not an R-GOOSE SPDU (or a payload element not a GOOSE one); <see cref="None"/> when it is.</summary>
public enum RGooseRejection : byte
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>Shorter than the fixed part of the headers.</summary>
    Truncated,

    /// <summary>The first two octets are not the CLTP unit-data header 01 40.</summary>
    NotCltpUnitData,

    /// <summary>The session identifier is not 0xA1 (GOOSE): sampled values, tunnelled or management SPDUs are not handled.</summary>
    NotGooseSession,

    /// <summary>The common session header does not start with its parameter identifier 0x80.</summary>
    BadCommonHeader,

    /// <summary>The initialization vector runs past the end of the datagram.</summary>
    InitializationVectorBeyondEnd,

    /// <summary>The payload length announces more octets than the datagram has.</summary>
    PayloadBeyondEnd,

    /// <summary>After the payload come octets that are neither padding (0xAF) nor one signature element (0x85).</summary>
    BadTrailer,

    /// <summary>A payload element's header or APDU runs past the end of the payload.</summary>
    PayloadElementTruncated,

    /// <summary>A payload element that is not GOOSE (tag 0x81).</summary>
    NotGoosePayload,

    /// <summary>A payload element's APDU length is neither the goosePdu's length nor that plus 2.</summary>
    ApduLengthMismatch,
}
