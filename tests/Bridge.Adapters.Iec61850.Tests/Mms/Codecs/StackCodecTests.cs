using Bridge.Adapters.Iec61850.Mms;
using Bridge.Adapters.Iec61850.Mms.Acse;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Presentation;
using Bridge.Adapters.Iec61850.Mms.Session;
using Bridge.Adapters.Iec61850.Mms.Stack;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Codecs;

/// <summary>
/// Session, presentation and ACSE, through the stack codec: messages the capture does not hold
/// (password authentication, rejections, refusals, aborts) round-trip, and malformed TSDUs are
/// rejected naming the layer and the error.
/// </summary>
public sealed class StackCodecTests
{
    public static TheoryData<string, StackMessage> Messages() => new()
    {
        {
            "AARQ with password",
            new AssociateRequestMessage(
                new SessionConnect(new SessionConnectItem(0, 0x12345678, 2), 2, [0, 1], [0, 1], default),
                new PresentationConnect(BitString.FromBits(1, 0), [0, 0, 0, 1], [0, 0, 0, 1], [new PresentationContext(1, ObjectIdentifier.AcseAbstractSyntax, [ObjectIdentifier.BasicEncodingRules]), new PresentationContext(3, ObjectIdentifier.MmsAbstractSyntax, [ObjectIdentifier.BasicEncodingRules])], BitString.FromBits(2), BitString.FromBits(16, 14), new PresentationDataValue(ObjectIdentifier.BasicEncodingRules, 1, default)),
                new AssociationRequest(null, ObjectIdentifier.MmsApplicationContext, new ObjectIdentifier(1, 1, 1, 999, 1), 12, null, null, BitString.FromBits(2, 0), ObjectIdentifier.PasswordMechanism, AcseCodec.PasswordOctets("top secret"), new AcseUserInformation(null, 3, default)),
                new InitiateRequestPdu(65000, 5, 5, 10, 1, BitString.FromBits(11, 0, 1), BitString.FromBits(85, 1)))
        },
        {
            "AARE rejected, authentication failure",
            new AssociateResponseMessage(
                new SessionAccept(new SessionConnectItem(0, null, 2), 2, [0, 1], default),
                new PresentationAccept(null, [0, 0, 0, 1], [new PresentationContextResult(0, ObjectIdentifier.BasicEncodingRules, null), new PresentationContextResult(2, null, 1)], null, null, new PresentationDataValue(null, 1, default)),
                new AssociationResponse(null, ObjectIdentifier.MmsApplicationContext, 1, new AssociateDiagnostic(true, 13), new ObjectIdentifier(1, 1, 1, 999, 1), 12, null, null, new AcseUserInformation(null, 3, default)),
                new InitiateErrorPdu(new ServiceError(ErrorClass.Initiate, 0)))
        },
        {
            "RF with CPR and AARE",
            new AssociateRefusedMessage(
                new SessionRefuse(2, 2, default),
                new PresentationRefuse(null, [0, 0, 0, 1], null, 3, new PresentationDataValue(null, 1, default)),
                new AssociationResponse(null, ObjectIdentifier.MmsApplicationContext, 2, new AssociateDiagnostic(false, 1), null, null, null, null, null),
                null)
        },
        { "RF alone", new AssociateRefusedMessage(new SessionRefuse(null, 0x81, default), null, null, null) },
        { "FN with RLRQ", new ReleaseRequestMessage(new SessionFinish(1, default), new ReleaseRequest(0, null)) },
        { "DN with RLRE", new ReleaseResponseMessage(new SessionDisconnect(default), new ReleaseResponse(0, null)) },
        { "AB with ARU and ABRT", new AbortMessage(new SessionAbort(3, default), new PresentationUserAbort([(1, ObjectIdentifier.BasicEncodingRules)], new PresentationDataValue(null, 1, default)), new AbortApdu(1, 2, null)) },
        { "AB with ARP", new AbortMessage(new SessionAbort(9, default), new PresentationProviderAbort(1, 12), null) },
        { "AB alone", new AbortMessage(new SessionAbort(null, default), null, null) },
        { "AA", new AbortAcceptMessage(new SessionAbortAccept()) },
        { "data", new MmsDataMessage(new ConfirmedRequestPdu(1, new IdentifyRequest())) },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_EveryKind_RoundTripsToTheSameBytes(string name, StackMessage message)
    {
        var first = Encode(message);

        Assert.True(StackCodec.TryDecode(first, out var decoded, out var failure), $"{name}: {failure}");
        Assert.Equal(message.GetType(), decoded!.GetType());
        Assert.Equal(Convert.ToHexString(first), Convert.ToHexString(Encode(decoded)));
    }

    [Fact]
    public void Aarq_WithPassword_DecodesTheMechanismAndTheCharstring()
    {
        var aarq = (AssociateRequestMessage)Messages().First(row => (string)row[0] == "AARQ with password")[1];

        Assert.True(StackCodec.TryDecode(Encode(aarq), out var decoded, out _));

        var request = ((AssociateRequestMessage)decoded!).Acse;
        Assert.Equal(ObjectIdentifier.PasswordMechanism, request.Mechanism);
        Assert.Equal("top secret", System.Text.Encoding.Latin1.GetString(request.Password!));
        Assert.Equal(0x12345678u, ((AssociateRequestMessage)decoded).Session.Item!.TsduMaximumSize);
    }

    [Fact]
    public void Data_LargerThan254Octets_UsesTheLongSessionLengthAndStillDecodes()
    {
        var message = new MmsDataMessage(new ConfirmedRequestPdu(1, new WriteRequest(VariableList.Of(ObjectName.Vmd("x")), [new Bridge.Adapters.Iec61850.Mms.Data.MmsOctetString(new byte[1000])])));

        Assert.True(StackCodec.TryDecode(Encode(message), out var decoded, out _));
        Assert.IsType<MmsDataMessage>(decoded);
    }

    [Theory]
    [InlineData("0500", StackLayer.Session, DecodeError.UnsupportedSpdu)]
    [InlineData("010061020000", StackLayer.Session, DecodeError.UnsupportedSpdu)]
    [InlineData("0D05", StackLayer.Session, DecodeError.LengthOverrun)]
    [InlineData("0DFF01", StackLayer.Session, DecodeError.Truncated)]
    [InlineData("0D03140100", StackLayer.Session, DecodeError.BadParameter)]
    [InlineData("0D02C100AA", StackLayer.Session, DecodeError.TrailingBytes)]
    [InlineData("01000100", StackLayer.Presentation, DecodeError.MissingField)]
    [InlineData("010001004000", StackLayer.Presentation, DecodeError.UnsupportedPpdu)]
    [InlineData("0100010061FF", StackLayer.Presentation, DecodeError.LengthTooLarge)]
    [InlineData("01000100610530", StackLayer.Presentation, DecodeError.LengthOverrun)]
    [InlineData("01000100610930070201058B000000", StackLayer.Presentation, DecodeError.UnexpectedTag)]
    [InlineData("0100010061093007020105A0028B00", StackLayer.Presentation, DecodeError.UnknownPresentationContext)]
    [InlineData("0100010061093007020103A0028E00", StackLayer.Mms, DecodeError.UnsupportedPdu)]
    [InlineData("090DC10B61093007020101A0026500", StackLayer.Acse, DecodeError.UnsupportedApdu)]
    [InlineData("090DC10B61093007020101A0026400", StackLayer.Acse, DecodeError.MissingField)]
    [InlineData("0D04C1023100", StackLayer.Presentation, DecodeError.MissingField)]
    [InlineData("0D0DC10B3109A0038001023000A200", StackLayer.Presentation, DecodeError.UnsupportedPpdu)]
    public void Decode_MalformedTsdu_NamesTheLayerAndTheError(string hex, StackLayer layer, DecodeError error)
    {
        Assert.False(StackCodec.TryDecode(Convert.FromHexString(hex), out _, out var failure));

        Assert.Equal((layer, error), (failure.Layer, failure.Error));
    }

    private static byte[] Encode(StackMessage message)
    {
        using var writer = new BerWriter();
        StackCodec.Encode(message, writer);
        return writer.ToArray();
    }
}
