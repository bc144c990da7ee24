using System.Buffers;
using Bridge.Adapters.Modbus.Protocol;
using FsCheck.Xunit;

namespace Bridge.Adapters.Modbus.Tests.Protocol;

public class ModbusPduTests
{
    // The examples of the Modbus Application Protocol Specification V1.1b3, §6.1-6.17.
    public static TheoryData<string, string, string> SpecificationExamples => new()
    {
        { "FC 1, coils 20-38", "01 00 13 00 13", "01 03 CD 6B 05" },
        { "FC 2, inputs 197-218", "02 00 C4 00 16", "02 03 AC DB 35" },
        { "FC 3, registers 108-110", "03 00 6B 00 03", "03 06 02 2B 00 00 00 64" },
        { "FC 4, register 9", "04 00 08 00 01", "04 02 00 0A" },
        { "FC 5, coil 173 on", "05 00 AC FF 00", "05 00 AC FF 00" },
        { "FC 6, register 2 = 3", "06 00 01 00 03", "06 00 01 00 03" },
        { "FC 15, coils 20-29", "0F 00 13 00 0A 02 CD 01", "0F 00 13 00 0A" },
        { "FC 16, registers 2-3", "10 00 01 00 02 04 00 0A 01 02", "10 00 01 00 02" },
        { "FC 23, read 4-9, write 15-17", "17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF", "17 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF" },
    };

    [Theory]
    [MemberData(nameof(SpecificationExamples))]
    public void SpecificationExample_DecodesAndEncodesBackToTheSameBytes(string example, string requestHex, string responseHex)
    {
        var requestBytes = Hex.Bytes(requestHex);
        var responseBytes = Hex.Bytes(responseHex);

        Assert.True(ModbusPdu.TryDecodeRequest(requestBytes, out var request, out var requestError), $"{example}: request refused: {requestError}");
        Assert.True(ModbusPdu.TryDecodeResponse(responseBytes, request, out var response, out var responseError), $"{example}: response refused: {responseError}");
        var encodedRequest = new byte[ModbusPdu.GetRequestSize(request)];
        var encodedResponse = new byte[ModbusPdu.GetResponseSize(response)];
        ModbusPdu.EncodeRequest(request, encodedRequest);
        ModbusPdu.EncodeResponse(response, encodedResponse);

        Assert.Equal(requestHex, Hex.Of(encodedRequest));
        Assert.Equal(responseHex, Hex.Of(encodedResponse));
    }

    [Fact]
    public void TryDecodeRequest_ReadCoilsExample_HasTheSpecificationsFields()
    {
        Assert.True(ModbusPdu.TryDecodeRequest(Hex.Bytes("01 00 13 00 13"), out var request, out _));

        Assert.Equal(ModbusFunctionCode.ReadCoils, request.Function);
        Assert.Equal(new ModbusRange(19, 19), request.Read);
        Assert.True(request.Write.IsEmpty);
    }

    [Fact]
    public void TryDecodeResponse_ReadCoilsExample_UnpacksBitsLowestFirst()
    {
        var request = ModbusRequest.ReadCoils(19, 19);

        Assert.True(ModbusPdu.TryDecodeResponse(Hex.Bytes("01 03 CD 6B 05"), request, out var response, out _));

        // §6.1: 0xCD holds coils 27..20 from its high bit down; 0x05 holds 38..36, padded with zeros.
        Assert.Equal("1011001111010110101", response.Bits.ToString());
    }

    [Fact]
    public void TryDecodeResponse_ReadWriteExample_ReturnsTheRegistersRead()
    {
        var request = ModbusRequest.ReadWriteMultipleRegisters(3, 6, 14, [0xFF, 0xFF, 0xFF]);

        Assert.True(ModbusPdu.TryDecodeResponse(Hex.Bytes("17 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF"), request, out var response, out _));

        Assert.Equal(new ushort[] { 0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF }, response.Words.ToArray());
    }

    [Fact]
    public void TryDecodeRequest_WriteMultipleCoilsExample_CarriesTheTenCoils()
    {
        Assert.True(ModbusPdu.TryDecodeRequest(Hex.Bytes("0F 00 13 00 0A 02 CD 01"), out var request, out _));

        Assert.Equal(new ModbusRange(19, 10), request.Write);
        Assert.Equal("1011001110", request.WrittenCoils.ToString());
    }

    // Each: the PDU, why it is refused, the exception code the server answers.
    public static TheoryData<string, string, ModbusRequestError, ModbusExceptionCode> MalformedRequests => new()
    {
        { "FC 43 (device identification) is not supported", "2B 0E 01 00", ModbusRequestError.IllegalFunction, ModbusExceptionCode.IllegalFunction },
        { "FC 7 is not supported", "07", ModbusRequestError.IllegalFunction, ModbusExceptionCode.IllegalFunction },
        { "FC 0 does not exist", "00 00 00 00 01", ModbusRequestError.IllegalFunction, ModbusExceptionCode.IllegalFunction },
        { "0x81 is an exception code, not a request", "81 00 00 00 01", ModbusRequestError.IllegalFunction, ModbusExceptionCode.IllegalFunction },
        { "FC 1 one byte short", "01 00 00 00", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 3 one byte long", "03 00 00 00 01 00", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 5 without its value", "05 00 01 FF", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 6 one byte short", "06 00 01 00", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 15 without byte count", "0F 00 00 00 01", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 23 without byte count", "17 00 00 00 01 00 00 00 01", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 1 reading 0 coils", "01 00 00 00 00", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 1 reading 2001 coils", "01 00 00 07 D1", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 2 reading 2001 inputs", "02 00 00 07 D1", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 3 reading 126 registers", "03 00 00 00 7E", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 4 reading 0 registers", "04 00 00 00 00", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 15 writing 0 coils", "0F 00 00 00 00 00", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 16 writing 124 registers", "10 00 00 00 7C F8" + string.Concat(Enumerable.Repeat(" 00", 248)), ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 16 writing 0 registers", "10 00 00 00 00 00", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 23 reading 126 registers", "17 00 00 00 7E 00 00 00 01 02 00 00", ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 23 writing 122 registers", "17 00 00 00 01 00 00 00 7A F4" + string.Concat(Enumerable.Repeat(" 00", 244)), ModbusRequestError.QuantityOutOfRange, ModbusExceptionCode.IllegalDataValue },
        { "FC 15, 10 coils in 1 byte", "0F 00 00 00 0A 01 CD", ModbusRequestError.ByteCountMismatch, ModbusExceptionCode.IllegalDataValue },
        { "FC 15, byte count 2 but 1 byte follows", "0F 00 00 00 0A 02 CD", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 16, 2 registers in 3 bytes", "10 00 00 00 02 03 00 0A 01", ModbusRequestError.ByteCountMismatch, ModbusExceptionCode.IllegalDataValue },
        { "FC 16, byte count 4 but 3 bytes follow", "10 00 00 00 02 04 00 0A 01", ModbusRequestError.WrongLength, ModbusExceptionCode.IllegalDataValue },
        { "FC 23, 1 register in 4 bytes", "17 00 00 00 01 00 00 00 01 04 00 00 00 00", ModbusRequestError.ByteCountMismatch, ModbusExceptionCode.IllegalDataValue },
        { "FC 5 with value 0x0001", "05 00 01 00 01", ModbusRequestError.InvalidCoilValue, ModbusExceptionCode.IllegalDataValue },
        { "FC 5 with value 0xFF01", "05 00 01 FF 01", ModbusRequestError.InvalidCoilValue, ModbusExceptionCode.IllegalDataValue },
        { "FC 1 from 65535, 2 coils", "01 FF FF 00 02", ModbusRequestError.AddressOutOfRange, ModbusExceptionCode.IllegalDataAddress },
        { "FC 3 from 65424, 125 registers", "03 FF 90 00 7D", ModbusRequestError.AddressOutOfRange, ModbusExceptionCode.IllegalDataAddress },
        { "FC 15 from 65535, 2 coils", "0F FF FF 00 02 01 03", ModbusRequestError.AddressOutOfRange, ModbusExceptionCode.IllegalDataAddress },
        { "FC 16 from 65535, 2 registers", "10 FF FF 00 02 04 00 01 00 02", ModbusRequestError.AddressOutOfRange, ModbusExceptionCode.IllegalDataAddress },
        { "FC 23 writing from 65535, 2 registers", "17 00 00 00 01 FF FF 00 02 04 00 01 00 02", ModbusRequestError.AddressOutOfRange, ModbusExceptionCode.IllegalDataAddress },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void TryDecodeRequest_Malformed_NamesTheReasonAndTheExceptionCode(string defect, string pdu, ModbusRequestError expected, ModbusExceptionCode code)
    {
        var bytes = Hex.Bytes(pdu);

        var decoded = ModbusPdu.TryDecodeRequest(bytes, out var request, out var error);

        Assert.False(decoded, defect);
        Assert.Equal(expected, error);
        Assert.Equal(code, error.ExceptionCode());
        Assert.Equal(bytes[0], (byte)request.Function);
    }

    [Fact]
    public void TryDecodeRequest_Empty_IsWrongLength()
    {
        Assert.False(ModbusPdu.TryDecodeRequest(ReadOnlyMemory<byte>.Empty, out _, out var error));
        Assert.Equal(ModbusRequestError.WrongLength, error);
    }

    // The limits themselves are allowed: the largest quantities, and blocks that end at address 65535.
    public static TheoryData<string, string> LimitRequests => new()
    {
        { "FC 1, 2000 coils", "01 00 00 07 D0" },
        { "FC 2, 2000 inputs ending at 65535", "02 F8 30 07 D0" },
        { "FC 3, 125 registers", "03 00 00 00 7D" },
        { "FC 4, 125 registers ending at 65535", "04 FF 83 00 7D" },
        { "FC 5, coil 65535 off", "05 FF FF 00 00" },
        { "FC 15, 1968 coils", "0F 00 00 07 B0 F6" + string.Concat(Enumerable.Repeat(" 00", 246)) },
        { "FC 16, 123 registers", "10 00 00 00 7B F6" + string.Concat(Enumerable.Repeat(" 00", 246)) },
        { "FC 23, 125 read and 121 written", "17 00 00 00 7D 00 00 00 79 F2" + string.Concat(Enumerable.Repeat(" 00", 242)) },
    };

    [Theory]
    [MemberData(nameof(LimitRequests))]
    public void TryDecodeRequest_AtTheSpecificationsLimits_Accepts(string example, string pdu)
    {
        var bytes = Hex.Bytes(pdu);

        Assert.True(ModbusPdu.TryDecodeRequest(bytes, out var request, out var error), $"{example}: {error}");
        Assert.True(bytes.Length <= ModbusLimits.MaxPduSize, $"{example} is {bytes.Length} bytes");
        Assert.Equal(bytes.Length, ModbusPdu.GetRequestSize(request));
    }

    // Each: the request, the response PDU, why it does not answer the request.
    public static TheoryData<string, ModbusRequest, string, ModbusResponseError> MalformedResponses => new()
    {
        { "another function code", ModbusRequest.ReadHoldingRegisters(0, 1), "04 02 00 01", ModbusResponseError.FunctionMismatch },
        { "another function's exception", ModbusRequest.ReadHoldingRegisters(0, 1), "84 02", ModbusResponseError.FunctionMismatch },
        { "empty", ModbusRequest.ReadHoldingRegisters(0, 1), string.Empty, ModbusResponseError.WrongLength },
        { "exception without code", ModbusRequest.ReadHoldingRegisters(0, 1), "83", ModbusResponseError.WrongLength },
        { "exception code 07", ModbusRequest.ReadHoldingRegisters(0, 1), "83 07", ModbusResponseError.UnknownExceptionCode },
        { "exception code 00", ModbusRequest.ReadHoldingRegisters(0, 1), "83 00", ModbusResponseError.UnknownExceptionCode },
        { "2 registers for 1", ModbusRequest.ReadHoldingRegisters(0, 1), "03 04 00 01 00 02", ModbusResponseError.ByteCountMismatch },
        { "byte count 2, 1 byte follows", ModbusRequest.ReadHoldingRegisters(0, 1), "03 02 00", ModbusResponseError.WrongLength },
        { "9 coils in 1 byte", ModbusRequest.ReadCoils(0, 9), "01 01 FF", ModbusResponseError.ByteCountMismatch },
        { "no byte count", ModbusRequest.ReadCoils(0, 9), "01", ModbusResponseError.WrongLength },
        { "FC 5 echo of another address", ModbusRequest.WriteSingleCoil(7, true), "05 00 08 FF 00", ModbusResponseError.EchoMismatch },
        { "FC 5 echo of the other value", ModbusRequest.WriteSingleCoil(7, true), "05 00 07 00 00", ModbusResponseError.EchoMismatch },
        { "FC 5 echo of value 0x1234", ModbusRequest.WriteSingleCoil(7, true), "05 00 07 12 34", ModbusResponseError.InvalidCoilValue },
        { "FC 6 echo of another value", ModbusRequest.WriteSingleRegister(7, 5), "06 00 07 00 06", ModbusResponseError.EchoMismatch },
        { "FC 16 echo of another quantity", ModbusRequest.WriteMultipleRegisters(7, [1, 2]), "10 00 07 00 03", ModbusResponseError.EchoMismatch },
        { "FC 15 echo one byte short", ModbusRequest.WriteMultipleCoils(7, [true, false]), "0F 00 07 00", ModbusResponseError.WrongLength },
    };

    [Theory]
    [MemberData(nameof(MalformedResponses))]
    public void TryDecodeResponse_DoesNotFitRequest_NamesTheReason(string defect, ModbusRequest request, string pdu, ModbusResponseError expected)
    {
        var decoded = ModbusPdu.TryDecodeResponse(Hex.Bytes(pdu), request, out _, out var error);

        Assert.False(decoded, defect);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(ModbusExceptionCode.IllegalFunction, "81 01")]
    [InlineData(ModbusExceptionCode.IllegalDataAddress, "81 02")]
    [InlineData(ModbusExceptionCode.IllegalDataValue, "81 03")]
    [InlineData(ModbusExceptionCode.ServerDeviceFailure, "81 04")]
    [InlineData(ModbusExceptionCode.GatewayPathUnavailable, "81 0A")]
    [InlineData(ModbusExceptionCode.GatewayTargetDeviceFailedToRespond, "81 0B")]
    public void EncodeResponse_Exception_SetsTheHighBitOfTheFunctionCode(ModbusExceptionCode code, string expected)
    {
        var request = ModbusRequest.ReadCoils(19, 19);
        var response = ModbusResponse.Exception(request, code);
        var bytes = new byte[ModbusPdu.GetResponseSize(response)];

        ModbusPdu.EncodeResponse(response, bytes);

        Assert.Equal(expected, Hex.Of(bytes));
        Assert.True(ModbusPdu.TryDecodeResponse(bytes, request, out var decoded, out _));
        Assert.Equal(code, decoded.ExceptionCode);
    }

    [Fact]
    public void EncodeResponse_ExceptionToUnsupportedFunction_CarriesThatFunctionCode()
    {
        var response = ModbusResponse.Exception((ModbusFunctionCode)0x2B, ModbusExceptionCode.IllegalFunction);
        var bytes = new byte[2];

        ModbusPdu.EncodeResponse(response, bytes);

        Assert.Equal("AB 01", Hex.Of(bytes));
    }

    [Fact]
    public void Factories_OutsideTheSpecificationsLimits_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadCoils(0, 2001));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadCoils(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadHoldingRegisters(0, 126));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadInputRegisters(65535, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleCoils(0, new bool[1969]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleRegisters(0, new ushort[124]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleRegisters(0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadWriteMultipleRegisters(0, 1, 0, new ushort[122]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadWriteMultipleRegisters(0, 126, 0, [1]));
    }

    [Fact]
    public void Encode_DefaultValues_ThrowInsteadOfWritingGarbage()
    {
        var buffer = new byte[300];

        Assert.Throws<ArgumentException>(() => ModbusPdu.EncodeRequest(default(ModbusRequest), buffer));
        Assert.Throws<ArgumentException>(() => ModbusPdu.EncodeResponse(default(ModbusResponse), buffer));
    }

    [Fact]
    public void ResponseFactories_WrongNumberOfValues_Throw()
    {
        var request = ModbusRequest.ReadHoldingRegisters(0, 3);

        Assert.Throws<ArgumentException>(() => ModbusResponse.Registers(request, [1, 2]));
        Assert.Throws<ArgumentException>(() => ModbusResponse.Coils(request, [true, false, true]));
        Assert.Throws<ArgumentException>(() => ModbusResponse.Written(request));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusResponse.Exception(request, (ModbusExceptionCode)7));
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)])]
    public void EncodeRequest_AnyRequest_DecodesToAnEqualRequest(ModbusRequest request)
    {
        var writer = new ArrayBufferWriter<byte>();

        var written = ModbusPdu.EncodeRequest(request, writer);

        Assert.Equal(ModbusPdu.GetRequestSize(request), written);
        Assert.InRange(written, 5, ModbusLimits.MaxPduSize);
        Assert.True(ModbusPdu.TryDecodeRequest(writer.WrittenMemory, out var decoded, out var error), $"refused: {error}");
        Assert.Equal(request, decoded);
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)])]
    public void EncodeRequest_IntoSpanAndIntoWriter_WriteTheSameBytes(ModbusRequest request)
    {
        var writer = new ArrayBufferWriter<byte>();
        ModbusPdu.EncodeRequest(request, writer);
        var span = new byte[ModbusLimits.MaxPduSize + 3];

        var written = ModbusPdu.EncodeRequest(request, span);

        Assert.Equal(writer.WrittenSpan.ToArray(), span[..written]);
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)])]
    public void TryDecodeRequest_AnyTruncation_IsRefused(ModbusRequest request)
    {
        var bytes = new byte[ModbusPdu.GetRequestSize(request)];
        ModbusPdu.EncodeRequest(request, bytes);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(ModbusPdu.TryDecodeRequest(bytes.AsMemory(0, length), out _, out var error), $"a {length}-byte prefix decoded");
            Assert.NotEqual(ModbusRequestError.None, error);
        }
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)])]
    public void EncodeResponse_AnyAnswer_DecodesAgainstItsRequestToAnEqualAnswer(Exchange exchange)
    {
        var writer = new ArrayBufferWriter<byte>();

        var written = ModbusPdu.EncodeResponse(exchange.Response, writer);

        Assert.Equal(ModbusPdu.GetResponseSize(exchange.Response), written);
        Assert.InRange(written, 2, ModbusLimits.MaxPduSize);
        Assert.True(ModbusPdu.TryDecodeResponse(writer.WrittenMemory, exchange.Request, out var decoded, out var error), $"refused: {error}");
        Assert.Equal(exchange.Response, decoded);
        Assert.Equal(ModbusResponseError.None, decoded.CheckAgainst(exchange.Request));
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)], MaxTest = 500)]
    public void TryDecodeRequest_AnyBytes_NeverThrowsAndWhatItAcceptsEncodesBack(byte[] pdu)
    {
        if (!ModbusPdu.TryDecodeRequest(pdu, out var request, out var error))
        {
            Assert.NotEqual(ModbusRequestError.None, error);
            Assert.NotEqual(ModbusExceptionCode.None, error.ExceptionCode());
            return;
        }

        var again = new byte[ModbusPdu.GetRequestSize(request)];
        ModbusPdu.EncodeRequest(request, again);
        Assert.Equal(pdu.Length, again.Length);
        Assert.True(ModbusPdu.TryDecodeRequest(again, out var decodedAgain, out _));
        Assert.Equal(request, decodedAgain);
    }
}
