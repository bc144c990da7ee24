using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

public class ModbusEndpointTests
{
    [Theory]
    [InlineData("unit=1 holding=100-109", 1, ModbusTable.HoldingRegisters, 100, 10, ModbusValueType.U16, true, 1)]
    [InlineData("unit=7 holding=5", 7, ModbusTable.HoldingRegisters, 5, 1, ModbusValueType.U16, true, 1)]
    [InlineData("unit=2 holding=0-3 type=f32 order=little scale=0.5", 2, ModbusTable.HoldingRegisters, 0, 4, ModbusValueType.F32, false, 0.5)]
    [InlineData("  unit=255   holding=10-11 type=s32 ", 255, ModbusTable.HoldingRegisters, 10, 2, ModbusValueType.S32, true, 1)]
    public void TryParse_Registers_GivesUnitRangeAndEncoding(string text, int unit, ModbusTable table, int start, int count, ModbusValueType type, bool big, double scale)
    {
        Assert.True(ModbusEndpoint.TryParse(text, out var endpoint, out var reason), reason);

        Assert.Equal((byte)unit, endpoint.Unit);
        Assert.Equal(table, endpoint.Table);
        Assert.Equal(new ModbusRange((ushort)start, (ushort)count), endpoint.Range);
        Assert.Equal(new ModbusValueEncoding(type, big, scale), endpoint.Encoding);
        Assert.Equal(text, endpoint.Text);
    }

    [Fact]
    public void TryParse_Coils_HasNoEncoding()
    {
        Assert.True(ModbusEndpoint.TryParse("unit=1 coils=0-15", out var endpoint, out _));

        Assert.Equal(ModbusTable.Coils, endpoint.Table);
        Assert.Equal(new ModbusRange(0, 16), endpoint.Range);
        Assert.Null(endpoint.Encoding);
    }

    [Theory]
    [InlineData("holding=1-2", "unit is required (unit=1)")]
    [InlineData("unit=300 holding=1", "unit '300' must be 0 to 255")]
    [InlineData("unit=1", "holding=FIRST-LAST or coils=FIRST-LAST is required")]
    [InlineData("unit=1 holding=9-3", "holding '9-3' must be FIRST-LAST (or one address), 0 to 65535, FIRST not above LAST")]
    [InlineData("unit=1 coils=x", "coils 'x' must be FIRST-LAST (or one address), 0 to 65535, FIRST not above LAST")]
    [InlineData("unit=1 holding=1 coils=2", "give holding or coils, not both")]
    [InlineData("unit=1 coils=0-7 type=u32", "type applies to holding registers, not coils")]
    [InlineData("unit=1 holding=0-1 type=f64", "type 'f64' must be u16, s16, u32, s32 or f32")]
    [InlineData("unit=1 holding=0-1 type=f32 order=middle", "order 'middle' must be big (high word first) or little")]
    [InlineData("unit=1 holding=0 scale=0", "scale '0' must be a number other than 0")]
    [InlineData("unit=1 holding=0-2 type=u32", "holding range of 3 registers is not a whole number of u32 values (2 registers each)")]
    [InlineData("unit=1 unit=2 holding=0", "field unit is given twice")]
    [InlineData("unit=1 input=0", "unknown field 'input': use unit, holding or coils, type, order, scale")]
    [InlineData("unit:1", "'unit:1' is not field=value (write unit=1 holding=100-109 type=u16)")]
    public void TryParse_BadField_NamesTheField(string text, string expected)
    {
        Assert.False(ModbusEndpoint.TryParse(text, out _, out var reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("unit=1 holding=0-9", "unit=1 holding=9-12", true)]
    [InlineData("unit=1 holding=0-9", "unit=1 holding=10-12", false)]
    [InlineData("unit=1 holding=0-9", "unit=2 holding=0-9", false)]
    [InlineData("unit=1 holding=0-9", "unit=1 coils=0-9", false)]
    public void Overlaps_RangesOfOneUnitAndTable_SharingAnAddress(string first, string second, bool expected)
    {
        Assert.True(ModbusEndpoint.TryParse(first, out var a, out _));
        Assert.True(ModbusEndpoint.TryParse(second, out var b, out _));

        Assert.Equal(expected, a.Overlaps(b));
        Assert.Equal(expected, b.Overlaps(a));
    }

    [Fact]
    public void TryMatch_AddressInTheRange_MatchesWithoutBindings()
    {
        Assert.True(ModbusEndpoint.TryParse("unit=1 holding=100-109", out var endpoint, out _));

        Assert.True(endpoint.TryMatch(new ModbusAddress(1, ModbusTable.HoldingRegisters, 109), out var bindings));
        Assert.Empty(bindings);
        Assert.False(endpoint.TryMatch(new ModbusAddress(1, ModbusTable.HoldingRegisters, 110), out _));
        Assert.False(endpoint.TryMatch(new ModbusAddress(2, ModbusTable.HoldingRegisters, 100), out _));
    }
}
