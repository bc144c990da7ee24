using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Multicast.Aggregation;

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
    [InlineData("unit=1 input=0", "unknown field 'input': use unit, holding or coils, type, order, scale, aggregate, deadline, quorum")]
    [InlineData("unit=1 holding=0-1 aggregate=median,sum", "aggregate 'median' must be count, sum, min, max or mean (a list: aggregate=sum,count)")]
    [InlineData("unit=1 holding=0-1 aggregate=sum,sum", "aggregate names sum twice")]
    [InlineData("unit=1 holding=0-3 type=f32 aggregate=sum", "holding range of 4 registers holds 2 f32 value(s), but aggregate names 1: the block holds one value per function")]
    [InlineData("unit=1 holding=0 aggregate=sum deadline=10s", "deadline '10s' must be whole milliseconds from 1ms to 9s (250ms, 2s): the server answers 0x0B after 10 s")]
    [InlineData("unit=1 holding=0 aggregate=sum deadline=soon", "deadline 'soon' must be whole milliseconds from 1ms to 9s (250ms, 2s): the server answers 0x0B after 10 s")]
    [InlineData("unit=1 holding=0 aggregate=sum quorum=0", "quorum '0' must be a whole number from 1: the fewest replies a read is answered with")]
    [InlineData("unit=1 holding=0 deadline=2s", "deadline applies to a block that aggregates: add aggregate=sum (or count, min, max, mean)")]
    [InlineData("unit=1 coils=0 aggregate=count", "aggregate applies to holding registers, not coils")]
    [InlineData("unit:1", "'unit:1' is not field=value (write unit=1 holding=100-109 type=u16)")]
    public void TryParse_BadField_NamesTheField(string text, string expected)
    {
        Assert.False(ModbusEndpoint.TryParse(text, out _, out var reason));

        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryParse_Aggregate_GivesFunctionsInBlockOrderDeadlineAndQuorum()
    {
        Assert.True(ModbusEndpoint.TryParse("unit=1 holding=200-205 type=f32 aggregate=mean,sum,count deadline=1500ms quorum=3", out var endpoint, out var reason), reason);

        var aggregate = Assert.IsType<ModbusAggregate>(endpoint.Aggregate);
        Assert.Equal([AggregateFunctions.Mean, AggregateFunctions.Sum, AggregateFunctions.Count], aggregate.Functions);
        Assert.Equal(AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Mean, aggregate.Spec.Functions);
        Assert.Equal((TimeSpan.FromMilliseconds(1500), 3), (aggregate.Deadline, aggregate.Quorum));
    }

    [Fact]
    public void TryParse_AggregateWithoutDeadlineOrQuorum_TakesOneSecondAndOneReply()
    {
        Assert.True(ModbusEndpoint.TryParse("unit=1 holding=7 aggregate=count", out var endpoint, out _));

        Assert.Equal(new ModbusAggregate([AggregateFunctions.Count], TimeSpan.FromSeconds(1), 1), endpoint.Aggregate);
    }

    [Fact]
    public void TryParseEndpoint_AggregateOnAToGroupRule_SaysTheDirectionIsFromGroup()
    {
        Assert.False(ModbusAdapterKind.Instance.TryParseEndpoint("unit=1 holding=7 aggregate=count", publishes: false, out _, out var reason));
        Assert.Equal("a block with aggregate= is read by masters, so its rule's direction is from-group", reason);
        Assert.True(ModbusAdapterKind.Instance.TryParseEndpoint("unit=1 holding=7 aggregate=count", publishes: true, out _, out _));
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
