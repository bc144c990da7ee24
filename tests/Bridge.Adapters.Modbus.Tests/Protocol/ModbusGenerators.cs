using Bridge.Adapters.Modbus.Protocol;
using FsCheck;
using FsCheck.Fluent;

namespace Bridge.Adapters.Modbus.Tests.Protocol;

/// <summary>A request and an answer that fits it (a normal one or an exception).</summary>
public sealed record Exchange(ushort TransactionId, byte UnitId, ModbusRequest Request, ModbusResponse Response)
{
    public override string ToString() => $"transaction {TransactionId} unit {UnitId}: {Request} -> {Response}";
}

/// <summary>Requests of every supported function code across their whole ranges, and answers that fit them.</summary>
public static class ModbusGenerators
{
    private static readonly Gen<bool> AnyBool = Gen.Elements(true, false);

    private static readonly Gen<ushort> AnyUInt16 = Gen.Frequency(
        (1, Gen.Elements<ushort>(0, 1, 0x7FFF, 0x8000, ushort.MaxValue)),
        (9, Gen.Choose(0, ushort.MaxValue).Select(static v => (ushort)v)));

    private static readonly Gen<byte> AnyByte = Gen.Choose(0, 255).Select(static v => (byte)v);

    public static Arbitrary<ModbusRequest> Requests() => Arb.From(Request());

    public static Arbitrary<Exchange> Exchanges() => Arb.From(
        from request in Request()
        from transaction in AnyUInt16
        from unit in AnyByte
        from response in Gen.Frequency((1, ExceptionFor(request)), (4, AnswerTo(request)))
        select new Exchange(transaction, unit, request, response));

    /// <summary>Any bytes at all, most of them starting with a supported function code, to try the decoder on.</summary>
    public static Arbitrary<byte[]> Garbage() => Arb.From(
        from function in Gen.Frequency(
            (8, Gen.Elements<byte>(1, 2, 3, 4, 5, 6, 15, 16, 23)),
            (1, AnyByte))
        from length in Gen.Frequency((3, Gen.Choose(0, 12)), (1, Gen.Choose(0, 300)))
        from rest in AnyByte.ArrayOf(length)
        select (byte[])[function, .. rest]);

    public static Gen<ModbusRequest> Request() => Gen.OneOf(
        Read(ModbusRequest.ReadCoils, ModbusLimits.MaxReadBits),
        Read(ModbusRequest.ReadDiscreteInputs, ModbusLimits.MaxReadBits),
        Read(ModbusRequest.ReadHoldingRegisters, ModbusLimits.MaxReadRegisters),
        Read(ModbusRequest.ReadInputRegisters, ModbusLimits.MaxReadRegisters),
        from address in AnyUInt16
        from value in AnyBool
        select ModbusRequest.WriteSingleCoil(address, value),
        from address in AnyUInt16
        from value in AnyUInt16
        select ModbusRequest.WriteSingleRegister(address, value),
        from count in Quantity(ModbusLimits.MaxWriteBits)
        from start in Start(count)
        from values in AnyBool.ArrayOf(count)
        select ModbusRequest.WriteMultipleCoils(start, values),
        from count in Quantity(ModbusLimits.MaxWriteRegisters)
        from start in Start(count)
        from values in AnyUInt16.ArrayOf(count)
        select ModbusRequest.WriteMultipleRegisters(start, values),
        from readCount in Quantity(ModbusLimits.MaxReadRegisters)
        from readStart in Start(readCount)
        from writeCount in Quantity(ModbusLimits.MaxReadWriteWriteRegisters)
        from writeStart in Start(writeCount)
        from values in AnyUInt16.ArrayOf(writeCount)
        select ModbusRequest.ReadWriteMultipleRegisters(readStart, (ushort)readCount, writeStart, values));

    private static Gen<ModbusResponse> AnswerTo(ModbusRequest request) => request.Function switch
    {
        ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
            => AnyBool.ArrayOf(request.Read.Count).Select(values => ModbusResponse.Coils(request, values)),
        ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters
            => AnyUInt16.ArrayOf(request.Read.Count).Select(values => ModbusResponse.Registers(request, values)),
        _ => Gen.Constant(ModbusResponse.Written(request)),
    };

    private static Gen<ModbusResponse> ExceptionFor(ModbusRequest request)
        => Gen.Elements(Enum.GetValues<ModbusExceptionCode>().Where(static c => c.IsDefined()).ToArray())
            .Select(code => ModbusResponse.Exception(request, code));

    private static Gen<ModbusRequest> Read(Func<ushort, ushort, ModbusRequest> make, int max) =>
        from count in Quantity(max)
        from start in Start(count)
        select make(start, (ushort)count);

    /// <summary>1..max, the limits themselves often.</summary>
    private static Gen<int> Quantity(int max) => Gen.Frequency((1, Gen.Elements(1, max)), (4, Gen.Choose(1, max)));

    /// <summary>A start from which <paramref name="count"/> addresses fit below 65536, the last possible one often.</summary>
    private static Gen<ushort> Start(int count) => Gen.Frequency(
        (1, Gen.Elements(0, ModbusLimits.AddressSpace - count)),
        (4, Gen.Choose(0, ModbusLimits.AddressSpace - count)))
        .Select(static s => (ushort)s);
}
