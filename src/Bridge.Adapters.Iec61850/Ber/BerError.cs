namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>Why bytes are not the BER (ITU-T X.690) a reader expected; <see cref="None"/> when they are.</summary>
public enum BerError : byte
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The input ends inside a tag, a length or a content: more bytes were announced than there are.</summary>
    Truncated,

    /// <summary>A tag number above <see cref="BerTag.MaxNumber"/> (more than three subsequent octets).</summary>
    TagNumberTooLarge,

    /// <summary>A long-form tag number that starts with a zero digit or is below 31 (X.690 8.1.2.4).</summary>
    MalformedTag,

    /// <summary>The indefinite length form (0x80): only definite lengths are accepted.</summary>
    IndefiniteLength,

    /// <summary>A long-form length of more than four octets, or the reserved length octet 0xFF (X.690 8.1.3.5).</summary>
    LengthOfLengthTooLarge,

    /// <summary>A length above 2^31 - 1 or above the reader's limit.</summary>
    LengthTooLarge,

    /// <summary>An element's content runs past the end of the element that holds it.</summary>
    LengthBeyondEnclosing,

    /// <summary>A different tag than the one the syntax requires at this place.</summary>
    UnexpectedTag,

    /// <summary>A primitive type (integer, boolean, string, ...) in the constructed form.</summary>
    ConstructedPrimitive,

    /// <summary>An INTEGER with no content octets (X.690 8.3.1).</summary>
    IntegerEmpty,

    /// <summary>An INTEGER whose value does not fit the type it is read as.</summary>
    IntegerOutOfRange,

    /// <summary>A BOOLEAN whose content is not exactly one octet (X.690 8.2.1).</summary>
    BooleanLength,

    /// <summary>A BIT STRING without its initial octet, with more than 7 unused bits, or with unused bits and no data (X.690 8.6.2).</summary>
    BitStringUnusedBits,

    /// <summary>A VisibleString with a byte outside 0x20..0x7E.</summary>
    NotVisibleString,

    /// <summary>A UTF8String that is not valid UTF-8.</summary>
    NotUtf8,

    /// <summary>Constructed elements nested deeper than the reader's limit.</summary>
    NestingTooDeep,
}
