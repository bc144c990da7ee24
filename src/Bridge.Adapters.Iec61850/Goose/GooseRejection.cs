using Bridge.Adapters.Iec61850.Ber;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>Why a GOOSE APDU was rejected; <see cref="None"/> when it was accepted.</summary>
public enum GooseRejection : byte
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>The input ends inside an element: fewer bytes than announced.</summary>
    Truncated,

    /// <summary>A tag with a number too large or in a malformed long form.</summary>
    MalformedTag,

    /// <summary>An indefinite length (0x80): GOOSE uses definite lengths only.</summary>
    IndefiniteLength,

    /// <summary>A length of more than four octets, or above 2^31 - 1.</summary>
    LengthTooLarge,

    /// <summary>An element claims more content than the element holding it has.</summary>
    LengthBeyondEnclosing,

    /// <summary>The APDU is larger than <see cref="GooseLimits.MaxApduLength"/>.</summary>
    ApduTooLarge,

    /// <summary>The outer element is not the goosePdu ([APPLICATION 1] constructed, 0x61).</summary>
    NotGoosePdu,

    /// <summary>Bytes follow the goosePdu element.</summary>
    TrailingBytes,

    /// <summary>A field has a different tag than the next one IECGoosePdu allows (unknown, repeated or out of order).</summary>
    UnexpectedTag,

    /// <summary>A mandatory field is missing (the PDU ends before it).</summary>
    MissingField,

    /// <summary>A primitive field or value in the constructed form.</summary>
    ConstructedPrimitive,

    /// <summary>An INTEGER without content octets.</summary>
    IntegerEmpty,

    /// <summary>An INTEGER outside the field's range (timeAllowedtoLive, stNum, sqNum, confRev and numDatSetEntries are INT32U; data integers 64 bits).</summary>
    IntegerOutOfRange,

    /// <summary>A BOOLEAN whose content is not one octet.</summary>
    BooleanLength,

    /// <summary>A visible string with a byte outside 0x20..0x7E.</summary>
    NotVisibleString,

    /// <summary>An mMSString that is not UTF-8.</summary>
    NotUtf8,

    /// <summary>gocbRef, datSet or goID longer than <see cref="GooseLimits.MaxReferenceLength"/>.</summary>
    ReferenceTooLong,

    /// <summary>t or a utc-time value whose content is not 8 octets.</summary>
    BadUtcTime,

    /// <summary>A binary-time value whose content is neither 4 nor 6 octets.</summary>
    BadBinaryTime,

    /// <summary>A floating-point value that is not exponent width 8 with 4 octets or 11 with 8 octets.</summary>
    BadFloatingPoint,

    /// <summary>A bit-string value with a bad unused-bits octet.</summary>
    BadBitString,

    /// <summary>A tag in allData that is no alternative of the Data CHOICE.</summary>
    UnknownDataTag,

    /// <summary>Structures and arrays nested deeper than <see cref="GooseLimits.MaxDepth"/>.</summary>
    NestingTooDeep,

    /// <summary>More data values (counting nested ones) than <see cref="GooseLimits.MaxDataValues"/>.</summary>
    TooManyValues,

    /// <summary>A string or octet-string value longer than <see cref="GooseLimits.MaxValueLength"/>.</summary>
    ValueTooLong,

    /// <summary>numDatSetEntries differs from the number of values in allData.</summary>
    EntryCountMismatch,
}

/// <summary>Maps the BER layer's errors to GOOSE rejections.</summary>
internal static class GooseRejections
{
    public static GooseRejection From(BerError error) => error switch
    {
        BerError.None => GooseRejection.None,
        BerError.Truncated => GooseRejection.Truncated,
        BerError.TagNumberTooLarge or BerError.MalformedTag => GooseRejection.MalformedTag,
        BerError.IndefiniteLength => GooseRejection.IndefiniteLength,
        BerError.LengthOfLengthTooLarge or BerError.LengthTooLarge => GooseRejection.LengthTooLarge,
        BerError.LengthBeyondEnclosing => GooseRejection.LengthBeyondEnclosing,
        BerError.UnexpectedTag => GooseRejection.UnexpectedTag,
        BerError.ConstructedPrimitive => GooseRejection.ConstructedPrimitive,
        BerError.IntegerEmpty => GooseRejection.IntegerEmpty,
        BerError.IntegerOutOfRange => GooseRejection.IntegerOutOfRange,
        BerError.BooleanLength => GooseRejection.BooleanLength,
        BerError.BitStringUnusedBits => GooseRejection.BadBitString,
        BerError.NotVisibleString => GooseRejection.NotVisibleString,
        BerError.NotUtf8 => GooseRejection.NotUtf8,
        BerError.NestingTooDeep => GooseRejection.NestingTooDeep,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "no GOOSE rejection for this BER error"),
    };
}
