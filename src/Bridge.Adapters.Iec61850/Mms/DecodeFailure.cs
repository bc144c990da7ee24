using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms;

/// <summary>The layer of the MMS stack a PDU or a decoding failure belongs to, from the bottom up.</summary>
public enum StackLayer
{
    /// <summary>RFC 1006 TPKT: the 4-byte framing of ISO transport over TCP.</summary>
    Tpkt,

    /// <summary>ISO 8073 COTP, class 0.</summary>
    Cotp,

    /// <summary>ISO 8327-1 session kernel.</summary>
    Session,

    /// <summary>ISO 8823 presentation.</summary>
    Presentation,

    /// <summary>ISO 8650 ACSE.</summary>
    Acse,

    /// <summary>ISO 9506 MMS.</summary>
    Mms,
}

/// <summary>Why a PDU was rejected. The names are stable: they appear in logs and close reasons.</summary>
public enum DecodeError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The bytes end before the element or field being read does.</summary>
    Truncated,

    /// <summary>A BER length reaches past the end of the element that encloses it.</summary>
    LengthOverrun,

    /// <summary>A BER indefinite length (0x80): MMS stacks use definite lengths, and this decoder only those.</summary>
    IndefiniteLength,

    /// <summary>A BER length field of more than 4 bytes, or a length above the configured maximum.</summary>
    LengthTooLarge,

    /// <summary>A BER tag number that does not fit in 21 bits.</summary>
    TagTooLarge,

    /// <summary>Constructed elements nested deeper than the limit.</summary>
    NestingTooDeep,

    /// <summary>An element with another tag than the field at that place must have.</summary>
    UnexpectedTag,

    /// <summary>A required field is absent.</summary>
    MissingField,

    /// <summary>Bytes after the last field of an element.</summary>
    TrailingBytes,

    /// <summary>A BOOLEAN whose content is not one byte.</summary>
    BadBoolean,

    /// <summary>An INTEGER with no content bytes.</summary>
    BadInteger,

    /// <summary>An INTEGER that does not fit the field (negative where unsigned, wider than 64 bits, beyond a field's range).</summary>
    IntegerOutOfRange,

    /// <summary>A BIT STRING without its unused-bits byte, with more than 7 unused bits, or unused bits in an empty string.</summary>
    BadBitString,

    /// <summary>An OBJECT IDENTIFIER that is empty, ends inside an arc or has an arc wider than 64 bits.</summary>
    BadObjectIdentifier,

    /// <summary>A string that is not valid in its type (an identifier with characters outside visible ASCII, an MMSString that is not UTF-8).</summary>
    BadString,

    /// <summary>A NULL with content.</summary>
    BadNull,

    /// <summary>A list with more elements than the limit.</summary>
    TooManyElements,

    /// <summary>A value that is well-formed BER but not a valid value of its field (a floating-point width, a time length, a selector size).</summary>
    BadValue,

    /// <summary>TPKT: a version other than 3, or a length below 7.</summary>
    BadTpktHeader,

    /// <summary>COTP: a length indicator that does not fit the TPDU, or a fixed part too short for the TPDU type.</summary>
    BadLengthIndicator,

    /// <summary>COTP: a TPDU code this class 0 implementation does not know, or a class other than 0.</summary>
    UnsupportedTpdu,

    /// <summary>COTP or session: a parameter whose length is wrong for its code, or that runs past its enclosing unit.</summary>
    BadParameter,

    /// <summary>A segmented TSDU that grows beyond the limit before its last segment.</summary>
    TsduTooLarge,

    /// <summary>Session: an SPDU identifier the session kernel does not handle, or a data SPDU without the GT/DT concatenation.</summary>
    UnsupportedSpdu,

    /// <summary>Presentation: a PPDU that is not one of CP, CPA, CPR, ARU, ARP or fully encoded user data, or a mode other than normal.</summary>
    UnsupportedPpdu,

    /// <summary>Presentation: user data for a presentation context that was not defined (neither ACSE nor MMS).</summary>
    UnknownPresentationContext,

    /// <summary>ACSE: an APDU other than AARQ, AARE, RLRQ, RLRE or ABRT.</summary>
    UnsupportedApdu,

    /// <summary>MMS: a PDU type this client does not handle.</summary>
    UnsupportedPdu,
}

/// <summary>
/// Why a PDU could not be decoded: the layer, the named error, the byte offset where it was found
/// (from the start of the unit that layer decodes: the TPKT frame for TPKT and COTP, the TSDU
/// above) and what was expected there.
/// </summary>
public readonly record struct DecodeFailure(StackLayer Layer, DecodeError Error, int Offset, string Detail)
{
    /// <summary>"Mms UnexpectedTag at offset 12: invokeID: expected tag 0x02, found 0x83".</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Layer} {Error} at offset {Offset}: {Detail}");
}

/// <summary>
/// Raised by <see cref="Asn1.BerReader"/> and inside the layer decoders; the codecs' public
/// <c>TryDecode</c> entry points catch it and return its <see cref="Failure"/> instead, so
/// malformed input never escapes them as an exception.
/// </summary>
public sealed class DecodeException : Exception
{
    /// <summary>A failure to decode, described by <paramref name="failure"/>.</summary>
    public DecodeException(DecodeFailure failure)
        : base(failure.ToString())
    {
        Failure = failure;
    }

    /// <summary>Not used: a decoding failure always says what failed.</summary>
    public DecodeException()
    {
    }

    public DecodeException(string message)
        : base(message)
    {
    }

    public DecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What failed, where.</summary>
    public DecodeFailure Failure { get; }

    /// <summary>A failure of <paramref name="layer"/>.</summary>
    public static DecodeException Of(StackLayer layer, DecodeError error, int offset, string detail)
        => new(new DecodeFailure(layer, error, offset, detail));
}
