using Bridge.Adapters.Iec61850.Mms;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Codecs;

/// <summary>MMS PDUs of every kind the codec handles, round-tripped, and the malformed ones it rejects by name.</summary>
public sealed class MmsPduCodecTests
{
    private static readonly ObjectName Variable = ObjectName.Domain("LD1", "GGIO1$ST$Ind1$stVal");

    public static TheoryData<string, MmsValue> Values() => new()
    {
        { "structure", MmsStructure.Of(MmsBoolean.True, new MmsInteger(-5)) },
        { "array", new MmsArray([new MmsUnsigned(1), new MmsUnsigned(2)]) },
        { "empty structure", MmsStructure.Of() },
        { "boolean", MmsBoolean.False },
        { "bit-string", new MmsBitString(BitString.FromBits(13, 0, 12)) },
        { "integer", new MmsInteger(long.MinValue) },
        { "unsigned", new MmsUnsigned(ulong.MaxValue) },
        { "float32", new MmsFloat32(-0.42738f) },
        { "float64", new MmsFloat64(Math.PI) },
        { "octet-string", new MmsOctetString([0, 1, 2, 255]) },
        { "visible-string", new MmsVisibleString("libiec61850.com") },
        { "generalized-time", new MmsGeneralizedTime("20261204135047.263Z") },
        { "binary-time 4", new MmsBinaryTime(new BinaryTime(50155118, null)) },
        { "binary-time 6", new MmsBinaryTime(new BinaryTime(50155118, 15678)) },
        { "mMSString", new MmsString("Ω Unicode255") },
        { "utc-time", new MmsUtcTime(new UtcTime(1796392247, 0x4353F7, 0x0A)) },
        { "bcd kept encoded", new MmsUnsupportedValue(BerTag.Context(13), [0x8D, 0x01, 0x12]) },
    };

    public static TheoryData<string, MmsPdu> Pdus() => new()
    {
        { "GetNameList domains", Request(new GetNameListRequest(ObjectClass.Domain, ObjectScope.VmdSpecific, null)) },
        { "GetNameList variables after", Request(new GetNameListRequest(ObjectClass.NamedVariable, ObjectScope.DomainSpecific, "LD1", "GGIO1$CF")) },
        { "GetNameList aa", Request(new GetNameListRequest(ObjectClass.NamedVariableList, ObjectScope.AaSpecific, null)) },
        { "Identify", Request(new IdentifyRequest()) },
        { "Read list", Request(new ReadRequest(new VariableList([new VariableSpecification(Variable), new VariableSpecification(ObjectName.Vmd("RPT"), [0x81, 0x01, 0x02])]))) },
        { "Read data set", Request(new ReadRequest(new NamedVariableList(ObjectName.Domain("LD1", "LLN0$Events")), true)) },
        { "Write", Request(new WriteRequest(VariableList.Of(Variable, ObjectName.Association("x")), [MmsBoolean.True, new MmsVisibleString("v")])) },
        { "GetVariableAccessAttributes", Request(new GetVariableAccessAttributesRequest(Variable)) },
        { "GetNamedVariableListAttributes", Request(new GetNamedVariableListAttributesRequest(ObjectName.Domain("LD1", "LLN0$Events"))) },
        { "fileOpen kept encoded", Request(new UnsupportedServiceRequest(new BerTag(TagClass.Context, true, 72), [0xBF, 0x48, 0x00])) },
        { "GetNameList response", Response(new GetNameListResponse(["GGIO1", "GGIO1$CF", "LLN0"], true)) },
        { "Identify response", Response(new IdentifyResponse("MZ", "basic io", "1.4.2", [ObjectIdentifier.MmsAbstractSyntax])) },
        { "Read response", Response(new ReadResponse(new NamedVariableList(ObjectName.Domain("LD1", "LLN0$Events")), [AccessResult.Success(MmsBoolean.True), AccessResult.Failure(DataAccessError.ObjectNonExistent)])) },
        { "Write response", Response(new WriteResponse([null, DataAccessError.ObjectAccessDenied, null])) },
        { "GetVariableAccessAttributes response", Response(new GetVariableAccessAttributesResponse(false, EveryType())) },
        { "GetNamedVariableListAttributes response", Response(new GetNamedVariableListAttributesResponse(true, [new VariableSpecification(Variable)])) },
        { "status response kept encoded", Response(new UnsupportedServiceResponse(BerTag.ContextConstructed(0), [0xA0, 0x03, 0x80, 0x01, 0x00])) },
        { "confirmed error", new ConfirmedErrorPdu(7, 2, new ServiceError(ErrorClass.Access, 2, -3, "no such object")) },
        { "information report", new UnconfirmedPdu(new InformationReport(new NamedVariableList(ObjectName.Vmd("RPT")), [AccessResult.Success(new MmsVisibleString("Events1"))])) },
        { "unsolicited status kept encoded", new UnconfirmedPdu(new UnsupportedUnconfirmedService(BerTag.ContextConstructed(1), [0xA1, 0x00])) },
        { "reject with id", new RejectPdu(9, RejectKind.ConfirmedRequest, 1) },
        { "reject without id", new RejectPdu(null, RejectKind.PduError, 1) },
        { "initiate request", new InitiateRequestPdu(65000, 5, 5, 10, 1, BitString.FromBits(11, 0, 1, 2, 3, 7), BitString.FromBits(85, 1, 2, 4, 79)) },
        { "initiate response", new InitiateResponsePdu(null, 3, 1, null, 1, BitString.FromBits(11, 0), BitString.FromBits(85, 4)) },
        { "initiate error", new InitiateErrorPdu(new ServiceError(ErrorClass.Initiate, 3)) },
        { "conclude request", new ConcludeRequestPdu() },
        { "conclude response", new ConcludeResponsePdu() },
        { "conclude error", new ConcludeErrorPdu(new ServiceError(ErrorClass.Conclude, 1)) },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Data_EveryAlternative_RoundTrips(string name, MmsValue value)
    {
        using var writer = new BerWriter();
        MmsPduCodec.WriteData(writer, value);

        Assert.True(MmsPduCodec.TryDecodeData(writer.WrittenSpan, out var decoded, out var failure), $"{name}: {failure}");
        Assert.Equal(value, decoded);
    }

    [Theory]
    [MemberData(nameof(Pdus))]
    public void Pdu_EveryKind_RoundTripsToTheSameBytes(string name, MmsPdu pdu)
    {
        var first = Encode(pdu);

        Assert.True(MmsPduCodec.TryDecode(first, 0, out var decoded, out var failure), $"{name}: {failure}");
        Assert.Equal(pdu.GetType(), decoded!.GetType());
        Assert.Equal(Convert.ToHexString(first), Convert.ToHexString(Encode(decoded)));
    }

    [Fact]
    public void TypeSpecification_EveryAlternative_DecodesToAnEqualTree()
    {
        var pdu = Response(new GetVariableAccessAttributesResponse(false, EveryType()));

        Assert.True(MmsPduCodec.TryDecode(Encode(pdu), 0, out var decoded, out _));
        var type = ((GetVariableAccessAttributesResponse)((ConfirmedResponsePdu)decoded!).Service).Type;
        Assert.Equal(EveryType(), type);
    }

    [Fact]
    public void Data_NestedDeeperThanTheLimit_IsRejected()
    {
        MmsValue value = MmsBoolean.True;
        for (var i = 0; i < 10; i++)
        {
            value = MmsStructure.Of(value);
        }

        using var writer = new BerWriter();
        MmsPduCodec.WriteData(writer, value);

        Assert.True(MmsPduCodec.TryDecodeData(writer.WrittenSpan, out _, out _, new MmsDecodeLimits(MaxDataDepth: 10)));
        Assert.False(MmsPduCodec.TryDecodeData(writer.WrittenSpan, out _, out var failure, new MmsDecodeLimits(MaxDataDepth: 9)));
        Assert.Equal(DecodeError.NestingTooDeep, failure.Error);
    }

    [Fact]
    public void GetNameList_MoreNamesThanTheLimit_IsRejected()
    {
        var pdu = Encode(Response(new GetNameListResponse(Enumerable.Range(0, 11).Select(i => "N" + i).ToList(), false)));

        Assert.False(MmsPduCodec.TryDecode(pdu, 0, out _, out var failure, new MmsDecodeLimits(MaxListElements: 10)));
        Assert.Equal(DecodeError.TooManyElements, failure.Error);
    }

    [Theory]
    [InlineData("8E00", DecodeError.UnsupportedPdu)]
    [InlineData("3000", DecodeError.UnsupportedPdu)]
    [InlineData("8B0100", DecodeError.BadNull)]
    [InlineData("A000", DecodeError.MissingField)]
    [InlineData("A0038001", DecodeError.LengthOverrun)]
    [InlineData("A003020101", DecodeError.MissingField)]
    [InlineData("A0050201FF8200", DecodeError.IntegerOutOfRange)]
    [InlineData("A10C020101A407A1059103000000", DecodeError.BadValue)]
    [InlineData("A10A020101A405A1038C0100", DecodeError.BadValue)]
    [InlineData("A109020101A404A1028700", DecodeError.BadValue)]
    [InlineData("A10B020101A406A10487020900", DecodeError.None)]
    [InlineData("A109020101A404A1029000", DecodeError.None)]
    [InlineData("A10A020101A405A1039001FF", DecodeError.BadString)]
    [InlineData("A109020101A404A102A000", DecodeError.UnexpectedTag)]
    [InlineData("A10A020101A105A0031A0120", DecodeError.BadString)]
    [InlineData("A1020000", DecodeError.UnexpectedTag)]
    [InlineData("A4038101FF", DecodeError.None)]
    [InlineData("A40481020001", DecodeError.None)]
    [InlineData("A403820101", DecodeError.None)]
    [InlineData("A403800101", DecodeError.MissingField)]
    [InlineData("A8038101FF", DecodeError.IntegerOutOfRange)]
    [InlineData("A303A10100", DecodeError.None)]
    public void Decode_MalformedPdu_IsRejectedByName(string hex, DecodeError error)
    {
        var ok = MmsPduCodec.TryDecode(Convert.FromHexString(hex), 0, out _, out var failure);

        Assert.True(ok == (error == DecodeError.None), $"{hex}: {failure}");
        Assert.Equal(error, failure.Error);
        Assert.Equal(error == DecodeError.None ? default : StackLayer.Mms, failure.Layer);
    }

    private static ConfirmedRequestPdu Request(ConfirmedServiceRequest service) => new(0x80, service);

    private static ConfirmedResponsePdu Response(ConfirmedServiceResponse service) => new(uint.MaxValue, service);

    private static byte[] Encode(MmsPdu pdu)
    {
        using var writer = new BerWriter();
        MmsPduCodec.Encode(pdu, writer);
        return writer.ToArray();
    }

    private static MmsStructureType EveryType() => new(
    [
        new MmsComponent("b", new MmsBooleanType()),
        new MmsComponent("bits", new MmsBitStringType(-13)),
        new MmsComponent("i", new MmsIntegerType(32)),
        new MmsComponent("u", new MmsUnsignedType(8)),
        new MmsComponent("f", new MmsFloatingPointType(32, 8)),
        new MmsComponent("o", new MmsOctetStringType(-64)),
        new MmsComponent("v", new MmsVisibleStringType(255)),
        new MmsComponent("g", new MmsGeneralizedTimeType()),
        new MmsComponent("bt", new MmsBinaryTimeType(true)),
        new MmsComponent("bcd", new MmsBcdType(4)),
        new MmsComponent("oid", new MmsObjectIdentifierType()),
        new MmsComponent("s", new MmsStringType(-255)),
        new MmsComponent("t", new MmsUtcTimeType()),
        new MmsComponent("a", new MmsArrayType(3, new MmsStructureType([new MmsComponent(null, new MmsBooleanType())], Packed: true), Packed: true)),
        new MmsComponent("named", new MmsNamedType(ObjectName.Domain("LD1", "T1"))),
    ]);
}
