using Bridge.Adapters.Modbus.Adapter;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

public class ModbusValueEncodingTests
{
    [Theory]
    [InlineData(ModbusValueType.U16, true, 1, new ushort[] { 1234 }, 1234)]
    [InlineData(ModbusValueType.S16, true, 1, new ushort[] { 0xFFFE }, -2)]
    [InlineData(ModbusValueType.U16, true, 0.1, new ushort[] { 235 }, 23.5)]
    [InlineData(ModbusValueType.S16, true, 10, new ushort[] { 0xFFFF }, -10)]
    [InlineData(ModbusValueType.U32, true, 1, new ushort[] { 0x0001, 0x0002 }, 65538)]
    [InlineData(ModbusValueType.U32, false, 1, new ushort[] { 0x0002, 0x0001 }, 65538)]
    [InlineData(ModbusValueType.S32, true, 1, new ushort[] { 0xFFFF, 0xFFFE }, -2)]
    [InlineData(ModbusValueType.S32, false, 0.01, new ushort[] { 0xFFFE, 0xFFFF }, -0.02)]
    [InlineData(ModbusValueType.F32, true, 1, new ushort[] { 0x41BC, 0x0000 }, 23.5)]
    [InlineData(ModbusValueType.F32, false, 1, new ushort[] { 0x0000, 0x41BC }, 23.5)]
    [InlineData(ModbusValueType.F32, true, 2, new ushort[] { 0x41BC, 0x0000 }, 47)]
    public void DecodeAndEncode_ValueTable_GiveEngineeringValueAndTheSameRegisters(ModbusValueType type, bool big, double scale, ushort[] registers, double value)
    {
        var encoding = new ModbusValueEncoding(type, big, scale);

        var decoded = Assert.Single(encoding.Decode(registers));
        var encoded = encoding.TryEncode([value], out var words, out var reason);

        Assert.Equal(value, decoded, 9);
        Assert.True(encoded, reason);
        Assert.Equal(registers, words);
    }

    [Fact]
    public void Decode_SeveralTwoRegisterValues_GivesOnePerPair()
    {
        var encoding = new ModbusValueEncoding(ModbusValueType.U32, BigEndianWords: true);

        Assert.Equal([1d, 65536d], encoding.Decode([0, 1, 1, 0]));
    }

    [Theory]
    [InlineData(ModbusValueType.U32, 4294967295d)]
    [InlineData(ModbusValueType.S32, -16777217d)]
    [InlineData(ModbusValueType.U32, 16777217d)]
    public void Decode_ThirtyTwoBitIntegerAboveFloatPrecision_IsExact(ModbusValueType type, double value)
    {
        var encoding = new ModbusValueEncoding(type);
        Assert.True(encoding.TryEncode([value], out var registers, out var reason), reason);

        Assert.Equal(value, Assert.Single(encoding.Decode(registers)));
    }

    [Theory]
    [InlineData(ModbusValueType.U16, 1, 70000)]
    [InlineData(ModbusValueType.U16, 1, -1)]
    [InlineData(ModbusValueType.S16, 0.1, 4000)]
    [InlineData(ModbusValueType.S32, 1, 3e9)]
    [InlineData(ModbusValueType.F32, 1, double.NaN)]
    public void TryEncode_ValueOutsideTheType_FailsNamingTheValue(ModbusValueType type, double scale, double value)
    {
        var encoding = new ModbusValueEncoding(type, Scale: scale);

        Assert.False(encoding.TryEncode([value], out _, out var reason));
        Assert.Contains("does not fit", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryEncode_ScaledValueBetweenSteps_RoundsToTheNearestRawValue()
    {
        var encoding = new ModbusValueEncoding(ModbusValueType.U16, Scale: 0.1);

        Assert.True(encoding.TryEncode([23.46], out var words, out _));
        Assert.Equal([(ushort)235], words);
    }
}
