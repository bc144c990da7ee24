using System.Net;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Core.Configuration;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

public class ModbusSectionTests
{
    [Fact]
    public void Validate_ValidFile_GivesTheSectionAndTheRules()
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(ModbusBridgeConfig.Valid);

        Assert.Empty(errors);
        Assert.NotNull(bridge);
        var modbus = bridge.Adapter<ModbusSection>();
        Assert.NotNull(modbus);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1502), modbus.Listen);
        Assert.Equal(new ValueList<byte>([1, 2]), modbus.Units);
        Assert.Equal(8, modbus.MaxConnections);
        Assert.Equal(["unit=1 holding=100-103 type=u16 scale=0.1", "unit=1 holding=200-203 type=f32 order=little"], bridge.Rules.Select(r => r.Endpoint.Text));
        Assert.Empty(ModbusSectionReader.CheckRules(bridge.Rules, modbus));
    }

    [Theory]
    [InlineData("listen: 127.0.0.1:1502", "listen: nowhere", "bridge.modbus.listen: ")]
    [InlineData("    listen: 127.0.0.1:1502\n", "", "bridge.modbus.listen: is required")]
    [InlineData("units: [1, 2]", "units: []", "bridge.modbus.units: at least one unit id is required")]
    [InlineData("units: [1, 2]", "units: [1, 1]", "bridge.modbus.units[1]: unit 1 is listed twice")]
    [InlineData("units: [1, 2]", "units: [1, 256]", "bridge.modbus.units[1]: '256' must be a whole number from 0 to 255")]
    [InlineData("    units: [1, 2]\n", "", "bridge.modbus.units: is required: the unit ids served, such as [1]")]
    [InlineData("maxConnections: 8", "maxConnections: 0", "bridge.modbus.maxConnections: '0' must be a whole number from 1 to 10000")]
    [InlineData("type=u16 scale=0.1", "type=u16 scale=zero", "bridge.rules[setpoints].modbus: scale 'zero' must be a number other than 0")]
    [InlineData("unit=1 holding=200-203 type=f32", "unit=1 holding=200-203 type=f64", "bridge.rules[states].modbus: type 'f64' must be u16, s16, u32, s32 or f32")]
    public void Validate_BadSectionOrEndpoint_NamesItsPath(string line, string replacement, string expected)
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(ModbusBridgeConfig.Valid.Replace(line, replacement, StringComparison.Ordinal));

        Assert.Null(bridge);
        Assert.StartsWith(expected, string.Join('\n', errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownKey_NamesTheKeysTheSectionTakes()
    {
        var (_, errors) = ModbusBridgeConfig.Read(ModbusBridgeConfig.Valid.Replace("maxConnections: 8", "secure: true", StringComparison.Ordinal));

        Assert.Equal(["bridge.modbus.secure: unknown key (expected listen, device, units, maxConnections, tls)"], errors.Select(e => e.ToString()));
    }

    // Both rules to-group: a from-group rule overlapping a to-group one is a loop the rules reader reports already.
    [Theory]
    [InlineData("holding=200-203", "holding=103-106", "rule 'states': 'unit=1 holding=103-106 type=f32 order=little' overlaps rule 'setpoints' ('unit=1 holding=100-103 type=u16 scale=0.1')")]
    [InlineData("unit=1 holding=200", "unit=3 holding=200", "rule 'states': unit 3 is not in bridge.modbus.units")]
    public void CheckRules_OverlapOrUnitNotServed_NamesTheRules(string line, string replacement, string expected)
    {
        var yaml = ModbusBridgeConfig.Valid.Replace(line, replacement, StringComparison.Ordinal).Replace("direction: from-group", "direction: to-group", StringComparison.Ordinal);
        var (bridge, errors) = ModbusBridgeConfig.Read(yaml);

        Assert.Empty(errors);
        Assert.Equal([expected], ModbusSectionReader.CheckRules(bridge!.Rules, bridge.Adapter<ModbusSection>()!));
    }

    [Fact]
    public void RuleErrors_Overlap_IsAConfigurationErrorAtTheLaterRulesEndpointNamingBoth()
    {
        var yaml = ModbusBridgeConfig.Valid.Replace("holding=200-203", "holding=102-105", StringComparison.Ordinal).Replace("direction: from-group", "direction: to-group", StringComparison.Ordinal);
        var (bridge, _) = ModbusBridgeConfig.Read(yaml);

        Assert.Equal(
            ["bridge.rules[states].modbus: 'unit=1 holding=102-105 type=f32 order=little' overlaps rule 'setpoints' ('unit=1 holding=100-103 type=u16 scale=0.1')"],
            ModbusSectionReader.RuleErrors(bridge!.Rules, bridge.Adapter<ModbusSection>()!).Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("direction: from-group", "direction: both", "bridge.rules[states].modbus: a block with aggregate= is read by masters, so its rule's direction is from-group")]
    [InlineData("group: states", "groups: [states, setpoints]", "bridge.rules[states].modbus: a block with aggregate= asks one group, without placeholders")]
    public void RuleErrors_AggregatingRuleNotFromGroupOrNotOneGroup_SaysWhat(string line, string replacement, string expected)
    {
        var yaml = ModbusBridgeConfig.Valid
            .Replace("type=f32 order=little", "type=f32 order=little aggregate=sum,mean", StringComparison.Ordinal)
            .Replace(line, replacement, StringComparison.Ordinal);
        var (bridge, errors) = ModbusBridgeConfig.Read(yaml);

        Assert.Empty(errors);
        Assert.Equal([expected], ModbusSectionReader.RuleErrors(bridge!.Rules, bridge.Adapter<ModbusSection>()!).Select(e => e.ToString()));
    }

    private static string DeviceSide(string yaml) => yaml
        .Replace("listen: 127.0.0.1:1502", "device: plc-7.local:502", StringComparison.Ordinal)
        .Replace("    maxConnections: 8\n", string.Empty, StringComparison.Ordinal);

    [Fact]
    public void Validate_DeviceSide_GivesTheDeviceAndNoListen()
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(DeviceSide(ModbusBridgeConfig.Valid));

        Assert.Empty(errors);
        var modbus = bridge!.Adapter<ModbusSection>()!;
        Assert.Equal(new HostPort("plc-7.local", 502), modbus.Device);
        Assert.Null(modbus.Listen);
        Assert.Equal("Modbus TCP client of device plc-7.local:502, units 1, 2", ModbusAdapterKind.Instance.Describe(modbus));
    }

    [Theory]
    [InlineData("listen: 127.0.0.1:1502", "listen: 127.0.0.1:1502\n    device: plc-7.local:502", "bridge.modbus: give listen (the head-end side: GridCast is the masters' server) or device (the device side: GridCast writes to a device), not both")]
    [InlineData("listen: 127.0.0.1:1502", "device: plc-7.local:502", "bridge.modbus.maxConnections: applies to listen (the head-end side), not to device")]
    public void Validate_ListenAndDeviceOrServerKeysOnTheDeviceSide_SaysWhichSide(string line, string replacement, string expected)
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(ModbusBridgeConfig.Valid.Replace(line, replacement, StringComparison.Ordinal));

        Assert.Null(bridge);
        Assert.Equal([expected], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void RuleErrors_DeviceSideWithAToGroupRule_SaysItWritesGroupCommands()
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(DeviceSide(ModbusBridgeConfig.Valid));

        Assert.Empty(errors);
        Assert.Equal(
            ["bridge.rules[setpoints].modbus: on the device side (bridge.modbus.device) a rule writes group commands to the device, so its direction is from-group"],
            ModbusSectionReader.RuleErrors(bridge!.Rules, bridge.Adapter<ModbusSection>()!).Select(e => e.ToString()));
    }
}
