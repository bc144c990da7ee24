using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Tests.Goose;

/// <summary>
/// APDUs that break IECGoosePdu or BER are rejected with the reason named, by both decoders;
/// the valid one they are made from is accepted.
/// </summary>
public sealed class GooseMalformedTests
{
    // The fields of a small valid goosePdu, in order; a case replaces or drops some.
    private static readonly string[] Valid =
    [
        "800141",               // gocbRef "A"
        "81010a",               // timeAllowedtoLive 10
        "820142",               // datSet "B"
        "84080000000000000000", // t
        "850101",               // stNum 1
        "860100",               // sqNum 0
        "870100",               // simulation FALSE
        "880101",               // confRev 1
        "890100",               // ndsCom FALSE
        "8a0101",               // numDatSetEntries 1
        "ab03830101",           // allData: boolean TRUE
    ];

    public static TheoryData<string, string, GooseRejection> Malformed() => new()
    {
        { "valid", Pdu(Valid), GooseRejection.None },
        { "goID present", Pdu(Insert(3, "830143")), GooseRejection.None },
        { "simulation and ndsCom absent (DEFAULT FALSE)", Pdu(With((6, ""), (8, ""))), GooseRejection.None },
        { "long-form length that is not the shortest", "6181" + Length(Valid) + string.Concat(Valid), GooseRejection.None },
        { "empty", string.Empty, GooseRejection.Truncated },
        { "truncated by one byte", Pdu(Valid)[..^2], GooseRejection.Truncated },
        { "length octets cut off", "6182", GooseRejection.Truncated },
        { "indefinite length of the PDU", "6180" + string.Concat(Valid) + "0000", GooseRejection.IndefiniteLength },
        { "indefinite length of a field", Pdu(With((0, "80804100 00"))), GooseRejection.IndefiniteLength },
        { "five length octets", "6185000000002a" + string.Concat(Valid), GooseRejection.LengthTooLarge },
        { "reserved length octet 0xFF", "61ff", GooseRejection.LengthTooLarge },
        { "length above 2^31", "618480000000", GooseRejection.LengthTooLarge },
        { "field longer than the PDU", Pdu(With((10, "ab7f830101"))), GooseRejection.LengthBeyondEnclosing },
        { "long-form tag with a small number", Pdu(With((0, "9f0541"))), GooseRejection.MalformedTag },
        { "tag number too large", Pdu(With((0, "9f8180808001"))), GooseRejection.MalformedTag },
        { "gseMngtPdu instead of goosePdu", "6000", GooseRejection.NotGoosePdu },
        { "a universal SEQUENCE", "3000", GooseRejection.NotGoosePdu },
        { "byte after the PDU", Pdu(Valid) + "00", GooseRejection.TrailingBytes },
        { "gocbRef with a universal tag", Pdu(With((0, "1a0141"))), GooseRejection.UnexpectedTag },
        { "unknown field after allData", Pdu([.. Valid, "8d0100"]), GooseRejection.UnexpectedTag },
        { "stNum twice", Pdu(With((5, "850101"))), GooseRejection.UnexpectedTag },
        { "stNum and sqNum swapped (stNum reads as missing)", Pdu(With((4, "860100"), (5, "850101"))), GooseRejection.MissingField },
        { "t missing", Pdu(With((3, ""))), GooseRejection.MissingField },
        { "allData missing", Pdu(With((10, ""))), GooseRejection.MissingField },
        { "gocbRef constructed", Pdu(With((0, "a0031a0141"))), GooseRejection.ConstructedPrimitive },
        { "timeAllowedtoLive empty", Pdu(With((1, "8100"))), GooseRejection.IntegerEmpty },
        { "stNum negative", Pdu(With((4, "8501ff"))), GooseRejection.IntegerOutOfRange },
        { "sqNum 2^32", Pdu(With((5, "86050100000000"))), GooseRejection.IntegerOutOfRange },
        { "simulation of two octets", Pdu(With((6, "87020000"))), GooseRejection.BooleanLength },
        { "gocbRef with a control character", Pdu(With((0, "800107"))), GooseRejection.NotVisibleString },
        { "gocbRef of 130 characters", Pdu(With((0, "808182" + Convert.ToHexString(new byte[130].Select(_ => (byte)'x').ToArray())))), GooseRejection.ReferenceTooLong },
        { "t of 7 octets", Pdu(With((3, "840700000000000000"))), GooseRejection.BadUtcTime },
        { "numDatSetEntries 2 for one value", Pdu(With((9, "8a0102"))), GooseRejection.EntryCountMismatch },
        { "data: binary-time of 5 octets", Data("8c050000000000"), GooseRejection.BadBinaryTime },
        { "data: floating-point of exponent width 9", Data("87050900000000"), GooseRejection.BadFloatingPoint },
        { "data: floating-point of 4 octets", Data("870408000000"), GooseRejection.BadFloatingPoint },
        { "data: bit-string with 8 unused bits", Data("84020800"), GooseRejection.BadBitString },
        { "data: bit-string with unused bits and no data", Data("840103"), GooseRejection.BadBitString },
        { "data: bit-string without its unused-bits octet", Data("8400"), GooseRejection.BadBitString },
        { "data: context tag 0", Data("800100"), GooseRejection.UnknownDataTag },
        { "data: context tag 18", Data("920100"), GooseRejection.UnknownDataTag },
        { "data: a universal BOOLEAN", Data("0101ff"), GooseRejection.UnknownDataTag },
        { "data: primitive structure", Data("8200"), GooseRejection.UnexpectedTag },
        { "data: constructed boolean", Data("a303830101"), GooseRejection.ConstructedPrimitive },
        { "data: integer of 9 octets", Data("8509010000000000000000"), GooseRejection.IntegerOutOfRange },
        { "data: unsigned negative", Data("8601ff"), GooseRejection.IntegerOutOfRange },
        { "data: visible-string with a byte above 0x7E", Data("8a01ff"), GooseRejection.NotVisibleString },
        { "data: mMSString not UTF-8", Data("9001ff"), GooseRejection.NotUtf8 },
        { "data: utc-time of 9 octets", Data("9109000000000000000000"), GooseRejection.BadUtcTime },
        { "data: element longer than allData", Data("89050102"), GooseRejection.LengthBeyondEnclosing },
        { "data: indefinite structure", Data("a280830101 0000"), GooseRejection.IndefiniteLength },
        { "data: structures nested 10 deep", Data(Nest(10, "830101")), GooseRejection.None },
        { "data: structures nested 11 deep", Data(Nest(11, "830101")), GooseRejection.NestingTooDeep },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_MalformedApdu_IsRejectedWithTheNamedReason(string name, string hex, GooseRejection expected)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

        var viewAccepted = GooseCodec.TryDecodeView(bytes, out _, out var viewRejection);
        var accepted = GooseCodec.TryDecode(bytes, out var apdu, out var rejection);

        Assert.True(expected == viewRejection, $"{name}: the view decoder said {viewRejection}, expected {expected}");
        Assert.Equal(expected, rejection);
        Assert.Equal(expected == GooseRejection.None, viewAccepted);
        Assert.Equal(accepted, apdu is not null);
    }

    [Fact]
    public void TryDecode_AboveTheLimits_IsRejectedWithTheNamedReason()
    {
        var bytes = Convert.FromHexString(Data("830101830100830101").Replace(" ", string.Empty, StringComparison.Ordinal));
        var octets = Convert.FromHexString(Data("8905" + "0102030405"));

        Assert.True(GooseCodec.TryDecodeView(bytes, out _, out _));
        Assert.False(GooseCodec.TryDecodeView(bytes, out _, out var tooMany, new GooseLimits { MaxDataValues = 2 }));
        Assert.False(GooseCodec.TryDecodeView(bytes, out _, out var tooLarge, new GooseLimits { MaxApduLength = bytes.Length - 1 }));
        Assert.False(GooseCodec.TryDecode(octets, out _, out var tooLong, new GooseLimits { MaxValueLength = 4 }));
        Assert.False(GooseCodec.TryDecode(Convert.FromHexString(Data(Nest(3, "830101"))), out _, out var tooDeep, new GooseLimits { MaxDepth = 2 }));

        Assert.Equal(GooseRejection.TooManyValues, tooMany);
        Assert.Equal(GooseRejection.ApduTooLarge, tooLarge);
        Assert.Equal(GooseRejection.ValueTooLong, tooLong);
        Assert.Equal(GooseRejection.NestingTooDeep, tooDeep);
    }

    [Fact]
    public void TryDecode_EveryProperPrefixOfTheValidApdu_IsRejectedAndNeverThrows()
    {
        var bytes = Convert.FromHexString(Pdu(Valid));

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(GooseCodec.TryDecodeView(bytes.AsMemory(0, length), out _, out var rejection));
            Assert.Equal(GooseRejection.Truncated, rejection);
        }
    }

    [Fact]
    public void Encode_ValuesADecoderWouldReject_ThrowsNamingTheReason()
    {
        var deep = (GooseData)new GooseBoolean(true);
        for (var i = 0; i < 11; i++)
        {
            deep = new GooseStructure([deep]);
        }

        var apdu = new GooseApdu { GocbRef = "A", DatSet = "B", AllData = [deep] };
        var badBits = apdu with { AllData = [new GooseBitString(new byte[] { 0 }, 8)] };
        var notVisible = apdu with { GocbRef = "A\u00e9" };
        var buffer = new byte[512];

        Assert.Contains(nameof(GooseRejection.NestingTooDeep), Assert.Throws<ArgumentException>(() => GooseCodec.Encode(apdu, buffer)).Message, StringComparison.Ordinal);
        Assert.Contains(nameof(GooseRejection.BadBitString), Assert.Throws<ArgumentException>(() => GooseCodec.Encode(badBits, buffer)).Message, StringComparison.Ordinal);
        Assert.Contains("GocbRef", Assert.Throws<ArgumentException>(() => GooseCodec.Encode(notVisible, buffer)).Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, GooseFrameRejection> MalformedFrames() => new()
    {
        { "shorter than the headers", "010ccd010001020061850001" + "88b8" + "03e8", GooseFrameRejection.TooShort },
        { "IPv4, not GOOSE", "010ccd010001020061850001" + "0800" + "03e8000800000000" + "00", GooseFrameRejection.NotGoose },
        { "tagged IPv4", "010ccd010001020061850001" + "81008000" + "0800" + "03e8000800000000", GooseFrameRejection.NotGoose },
        { "Length 7", "010ccd010001020061850001" + "88b8" + "03e8000700000000", GooseFrameRejection.LengthBelowHeader },
        { "Length beyond the frame", "010ccd010001020061850001" + "88b8" + "03e8000b00000000" + "6100", GooseFrameRejection.LengthBeyondFrame },
        { "Length 8, empty APDU", "010ccd010001020061850001" + "88b8" + "03e8000800000000", GooseFrameRejection.None },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public void TryDecode_MalformedFrame_IsRejectedWithTheNamedReason(string name, string hex, GooseFrameRejection expected)
    {
        var accepted = GooseFrameCodec.TryDecode(Convert.FromHexString(hex), out _, out var rejection);

        Assert.True(expected == rejection, $"{name}: {rejection}, expected {expected}");
        Assert.Equal(expected == GooseFrameRejection.None, accepted);
    }

    private static string Pdu(IEnumerable<string> fields)
    {
        var content = string.Concat(fields).Replace(" ", string.Empty, StringComparison.Ordinal);
        return "61" + Length([content]) + content;
    }

    private static string Length(IEnumerable<string> fields)
    {
        var length = string.Concat(fields).Replace(" ", string.Empty, StringComparison.Ordinal).Length / 2;
        return length < 128 ? $"{length:x2}" : length < 256 ? $"81{length:x2}" : $"82{length:x4}";
    }

    private static string[] With(params (int Index, string Field)[] changes)
    {
        var fields = Valid.ToArray();
        foreach (var (index, field) in changes)
        {
            fields[index] = field;
        }

        return fields;
    }

    private static string[] Insert(int index, string field) => [.. Valid[..index], field, .. Valid[index..]];

    // An APDU whose allData holds the given elements (counted at the top level for numDatSetEntries).
    private static string Data(string elements)
    {
        var compact = elements.Replace(" ", string.Empty, StringComparison.Ordinal);
        var count = TopLevelCount(compact);
        return Pdu(With((9, $"8a01{count:x2}"), (10, "ab" + Length([compact]) + compact)));
    }

    private static int TopLevelCount(string hex)
    {
        // Good enough for the short-form elements of this table; anything else counts as one.
        var count = 0;
        var i = 0;
        while (i + 4 <= hex.Length)
        {
            var length = Convert.ToInt32(hex.Substring(i + 2, 2), 16);
            if (length >= 0x80)
            {
                return 1;
            }

            i += 4 + (2 * length);
            count++;
        }

        return Math.Max(count, 1);
    }

    private static string Nest(int depth, string inner)
    {
        var hex = inner;
        for (var i = 0; i < depth; i++)
        {
            hex = "a2" + Length([hex]) + hex;
        }

        return hex;
    }
}
