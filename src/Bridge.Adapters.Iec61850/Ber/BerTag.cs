using System.Globalization;

namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>The class of a BER tag (X.690 8.1.2.2, bits 8 and 7 of the identifier octet).</summary>
public enum BerTagClass : byte
{
    /// <summary>Universal: the types of ASN.1 itself (INTEGER is 2, SEQUENCE is 16).</summary>
    Universal = 0,

    /// <summary>Application-wide tags (the goosePdu is [APPLICATION 1]).</summary>
    Application = 1,

    /// <summary>Context-specific tags (the fields of a SEQUENCE, the choices of a CHOICE).</summary>
    ContextSpecific = 2,

    /// <summary>Private tags.</summary>
    Private = 3,
}

/// <summary>
/// A BER identifier: class, primitive or constructed, and tag number (X.690 8.1.2). Numbers
/// below 31 take one octet; larger ones (MMS uses them) follow in base-128 octets.
/// </summary>
/// <param name="Class">The tag class.</param>
/// <param name="IsConstructed">True when the content is a series of elements (SEQUENCE, CHOICE alternatives of structured types).</param>
/// <param name="Number">The tag number, 0 to <see cref="MaxNumber"/>.</param>
public readonly record struct BerTag(BerTagClass Class, bool IsConstructed, int Number)
{
    /// <summary>The largest tag number read or written: three base-128 octets. ISO 9506 (MMS) and IEC 61850 use far less.</summary>
    public const int MaxNumber = (1 << 21) - 1;

    private const int ShortFormLimit = 31;
    private const byte ConstructedBit = 0x20;

    /// <summary>A context-specific tag <c>[number]</c>.</summary>
    public static BerTag Context(int number, bool constructed = false) => new(BerTagClass.ContextSpecific, constructed, number);

    /// <summary>An application tag <c>[APPLICATION number]</c>.</summary>
    public static BerTag Application(int number, bool constructed = false) => new(BerTagClass.Application, constructed, number);

    /// <summary>A universal tag (2 INTEGER, 4 OCTET STRING, 16 SEQUENCE, ...).</summary>
    public static BerTag Universal(int number, bool constructed = false) => new(BerTagClass.Universal, constructed, number);

    /// <summary>The identifier octets this tag takes.</summary>
    public int EncodedSize => Number switch
    {
        < ShortFormLimit => 1,
        < 1 << 7 => 2,
        < 1 << 14 => 3,
        _ => 4,
    };

    /// <summary>
    /// Reads an identifier from the start of <paramref name="input"/>: returns <see cref="BerError.None"/>
    /// with the tag and the octets it took, or why it is not one.
    /// </summary>
    public static BerError TryRead(ReadOnlySpan<byte> input, out BerTag tag, out int consumed)
    {
        tag = default;
        consumed = 0;
        if (input.IsEmpty)
        {
            return BerError.Truncated;
        }

        var first = input[0];
        var tagClass = (BerTagClass)(first >> 6);
        var constructed = (first & ConstructedBit) != 0;
        var low = first & 0x1F;
        if (low < ShortFormLimit)
        {
            tag = new BerTag(tagClass, constructed, low);
            consumed = 1;
            return BerError.None;
        }

        // Long form (X.690 8.1.2.4): base-128 digits, high bit set on all but the last; the
        // first digit is never zero and the number is at least 31 (else the short form applies).
        var number = 0;
        for (var i = 1; ; i++)
        {
            if (i >= input.Length)
            {
                return BerError.Truncated;
            }

            if (i > 3)
            {
                return BerError.TagNumberTooLarge;
            }

            var digit = input[i];
            if (i == 1 && digit == 0x80)
            {
                return BerError.MalformedTag;
            }

            number = (number << 7) | (digit & 0x7F);
            if ((digit & 0x80) == 0)
            {
                if (number < ShortFormLimit)
                {
                    return BerError.MalformedTag;
                }

                tag = new BerTag(tagClass, constructed, number);
                consumed = i + 1;
                return BerError.None;
            }
        }
    }

    /// <summary>Writes the identifier to the start of <paramref name="destination"/>; returns the octets written.</summary>
    public int Write(Span<byte> destination)
    {
        if (Number is < 0 or > MaxNumber)
        {
            throw new InvalidOperationException($"tag number {Number} is outside 0..{MaxNumber}");
        }

        var leading = (byte)(((int)Class << 6) | (IsConstructed ? ConstructedBit : 0));
        if (Number < ShortFormLimit)
        {
            destination[0] = (byte)(leading | Number);
            return 1;
        }

        var size = EncodedSize;
        destination[0] = (byte)(leading | 0x1F);
        for (var i = size - 1; i >= 1; i--)
        {
            var shift = 7 * (size - 1 - i);
            destination[i] = (byte)(((Number >> shift) & 0x7F) | (i == size - 1 ? 0 : 0x80));
        }

        return size;
    }

    /// <summary>The tag as ASN.1 writes it: <c>[APPLICATION 1] constructed</c>, <c>[3]</c>, <c>[UNIVERSAL 2]</c>.</summary>
    public override string ToString()
    {
        var number = Number.ToString(CultureInfo.InvariantCulture);
        var text = Class switch
        {
            BerTagClass.Universal => $"[UNIVERSAL {number}]",
            BerTagClass.Application => $"[APPLICATION {number}]",
            BerTagClass.Private => $"[PRIVATE {number}]",
            _ => $"[{number}]",
        };
        return IsConstructed ? text + " constructed" : text;
    }
}
