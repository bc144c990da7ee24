using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms.Asn1;

/// <summary>The class of a BER tag (X.690 §8.1.2.2): the top two bits of the identifier octet.</summary>
public enum TagClass : byte
{
    /// <summary>Universal types (INTEGER, SEQUENCE, ...).</summary>
    Universal = 0,

    /// <summary>[APPLICATION n].</summary>
    Application = 1,

    /// <summary>[n], the tags of almost every MMS field.</summary>
    Context = 2,

    /// <summary>[PRIVATE n].</summary>
    Private = 3,
}

/// <summary>A BER tag: class, primitive or constructed, and number.</summary>
public readonly record struct BerTag(TagClass Class, bool Constructed, int Number)
{
    /// <summary>The largest tag number accepted: 21 bits, three subsequent octets (X.690 §8.1.2.4).</summary>
    public const int MaxNumber = (1 << 21) - 1;

    /// <summary>UNIVERSAL 1, BOOLEAN.</summary>
    public static readonly BerTag Boolean = new(TagClass.Universal, false, 1);

    /// <summary>UNIVERSAL 2, INTEGER.</summary>
    public static readonly BerTag UniversalInteger = new(TagClass.Universal, false, 2);

    /// <summary>UNIVERSAL 3, BIT STRING.</summary>
    public static readonly BerTag BitString = new(TagClass.Universal, false, 3);

    /// <summary>UNIVERSAL 4, OCTET STRING.</summary>
    public static readonly BerTag OctetString = new(TagClass.Universal, false, 4);

    /// <summary>UNIVERSAL 5, NULL.</summary>
    public static readonly BerTag Null = new(TagClass.Universal, false, 5);

    /// <summary>UNIVERSAL 6, OBJECT IDENTIFIER.</summary>
    public static readonly BerTag ObjectIdentifier = new(TagClass.Universal, false, 6);

    /// <summary>UNIVERSAL 8 constructed, EXTERNAL (ACSE user information).</summary>
    public static readonly BerTag External = new(TagClass.Universal, true, 8);

    /// <summary>UNIVERSAL 16 constructed, SEQUENCE and SEQUENCE OF.</summary>
    public static readonly BerTag Sequence = new(TagClass.Universal, true, 16);

    /// <summary>UNIVERSAL 17 constructed, SET and SET OF.</summary>
    public static readonly BerTag Set = new(TagClass.Universal, true, 17);

    /// <summary>UNIVERSAL 26, VisibleString (MMS Identifier).</summary>
    public static readonly BerTag VisibleString = new(TagClass.Universal, false, 26);

    /// <summary>Context-specific [<paramref name="number"/>], primitive.</summary>
    public static BerTag Context(int number) => new(TagClass.Context, false, number);

    /// <summary>Context-specific [<paramref name="number"/>], constructed.</summary>
    public static BerTag ContextConstructed(int number) => new(TagClass.Context, true, number);

    /// <summary>[APPLICATION <paramref name="number"/>], constructed.</summary>
    public static BerTag ApplicationConstructed(int number) => new(TagClass.Application, true, number);

    /// <summary>The first identifier octet of a tag with a low number (below 31), as it appears on the wire.</summary>
    public byte FirstOctet => (byte)(((int)Class << 6) | (Constructed ? 0x20 : 0) | Math.Min(Number, 31));

    /// <summary>"[C1] constructed (0xA1)" style description for errors.</summary>
    public override string ToString()
    {
        var kind = Constructed ? "constructed" : "primitive";
        var name = Class switch
        {
            TagClass.Universal => "UNIVERSAL ",
            TagClass.Application => "APPLICATION ",
            TagClass.Private => "PRIVATE ",
            _ => string.Empty,
        };
        return Number < 31
            ? string.Create(CultureInfo.InvariantCulture, $"[{name}{Number}] {kind} (0x{FirstOctet:X2})")
            : string.Create(CultureInfo.InvariantCulture, $"[{name}{Number}] {kind}");
    }
}
