using System.Text;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

public class ModbusHeadEndTests
{
    private readonly RecordingSender _sender = new();
    private readonly Router _router;
    private readonly ModbusHeadEnd _headEnd;

    public ModbusHeadEndTests()
    {
        var (bridge, _) = ModbusBridgeConfig.Read(ModbusBridgeConfig.Valid);
        _router = new Router(bridge!.ToRoutingTable(), _sender);
        _headEnd = new ModbusHeadEnd(_router, [1, 2], NullLogger.Instance);
    }

    [Fact]
    public async Task HandleAsync_WriteInAToGroupRule_RoutesScaledValuesThenAnswersWritten()
    {
        var request = ModbusRequest.WriteMultipleRegisters(101, [235, 10]);

        var response = await HandleAsync(1, request);

        Assert.Equal(ModbusResponse.Written(request), response);
        var (group, payload, _) = Assert.Single(_sender.Sent);
        Assert.Equal(GroupName.Parse("ham:sg:setpoints"), group);
        Assert.Equal("""{"unit":1,"table":"holding","address":101,"values":[23.5,1]}""", Encoding.UTF8.GetString(payload));
        Assert.Equal(1, _headEnd.Acknowledged);
    }

    [Fact]
    public async Task HandleAsync_ReadAfterWrite_AnswersTheWrittenRegisters()
    {
        await HandleAsync(1, ModbusRequest.WriteSingleRegister(100, 42));

        var read = ModbusRequest.ReadHoldingRegisters(100, 1);
        Assert.Equal(ModbusResponse.Registers(read, [42]), await HandleAsync(1, read));
    }

    [Theory]
    [InlineData(1, 100, 1, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond)]
    [InlineData(1, 100, 4, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond)]
    [InlineData(1, 300, 1, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(1, 103, 2, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(9, 100, 1, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond)]
    public async Task HandleAsync_ReadNothingKnownUnmappedOrUnitNotServed_AnswersTheException(int unit, int start, int count, ModbusExceptionCode expected)
    {
        var read = ModbusRequest.ReadHoldingRegisters((ushort)start, (ushort)count);

        Assert.Equal(ModbusResponse.Exception(read, expected), await HandleAsync((byte)unit, read));
    }

    [Theory]
    [InlineData(1, 99, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(1, 200, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(2, 100, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(5, 100, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond)]
    public async Task HandleAsync_WriteOutsideToGroupRules_IsRefusedAndNotRouted(int unit, int address, ModbusExceptionCode expected)
    {
        var write = ModbusRequest.WriteSingleRegister((ushort)address, 1);

        Assert.Equal(ModbusResponse.Exception(write, expected), await HandleAsync((byte)unit, write));
        Assert.Empty(_sender.Sent);
    }

    [Fact]
    public async Task PublishFromGroup_PayloadForAFromGroupRule_UpdatesTheImageTheMasterReads()
    {
        var message = new GroupMessage(GroupName.Parse("ham:sg:states"), Encoding.UTF8.GetBytes("""{"unit":1,"table":"holding","address":202,"values":[23.5]}"""), ContentType.Raw, 1, 1, DateTimeOffset.UnixEpoch);

        Assert.Equal(1, await _router.RouteFromGroupAsync(message, _headEnd));

        var read = ModbusRequest.ReadHoldingRegisters(202, 2);
        Assert.Equal(ModbusResponse.Registers(read, [0x0000, 0x41BC]), await HandleAsync(1, read));
        Assert.Equal(1, _headEnd.Published);
    }

    [Fact]
    public async Task PublishFromGroup_PayloadOutsideTheBlock_IsDroppedAsMalformed()
    {
        var message = new GroupMessage(GroupName.Parse("ham:sg:states"), Encoding.UTF8.GetBytes("""{"unit":1,"table":"holding","address":203,"values":[1]}"""), ContentType.Raw, 1, 1, DateTimeOffset.UnixEpoch);

        await _router.RouteFromGroupAsync(message, _headEnd);

        Assert.Equal(1, _headEnd.Malformed);
        var read = ModbusRequest.ReadHoldingRegisters(202, 2);
        Assert.Equal(ModbusResponse.Exception(read, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond), await HandleAsync(1, read));
    }

    private ValueTask<ModbusResponse> HandleAsync(byte unit, ModbusRequest request)
        => _headEnd.HandleAsync(new ModbusRequestContext(new ModbusConnectionInfo(1, null, null, null, null), 1, unit, TimeSpan.FromSeconds(10)), request, CancellationToken.None);
}
