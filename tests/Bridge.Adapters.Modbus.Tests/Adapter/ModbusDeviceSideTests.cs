using System.Globalization;
using System.Text;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Tests.Support;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Testing;
using Bridge.Testing.Modbus;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>
/// The device side (<c>bridge.modbus.device</c>) against pymodbus as the real device: group
/// commands for from-group rules become writes to the device's registers and coils, and a device
/// that is gone is counted and logged, never fatal.
/// </summary>
public sealed class ModbusDeviceSideTests : IAsyncLifetime
{
    private readonly RecordingLogger _log = new();
    private PymodbusServer _device = null!;

    public async Task InitializeAsync() => _device = await PymodbusServer.StartAsync();

    public async Task DisposeAsync() => await _device.DisposeAsync();

    [Fact]
    public async Task PublishFromGroup_CommandsForFromGroupRules_AreWrittenToTheDevice()
    {
        await using var side = await StartAsync(Yaml(_device.Port));

        Assert.Equal(1, await side.PublishFromGroupAsync(Command("ham:sg:limits", """{"unit":1,"table":"holding","address":10,"values":[70000]}""")));
        Assert.Equal(1, await side.PublishFromGroupAsync(Command("ham:sg:limits", """{"unit":1,"table":"holding","address":14,"values":[-2]}""")));
        Assert.Equal(1, await side.PublishFromGroupAsync(Command("ham:sg:relays", """{"unit":2,"table":"coils","address":21,"values":[true,false]}""")));
        await Eventually.TrueAsync(() => side.Status().Published == 3, "three writes acknowledged by the device");

        await using var reader = new ModbusTcpClient(new ModbusClientOptions { Server = _device.EndPoint });
        Assert.Equal(new ushort[] { 0x0001, 0x1170, PymodbusServer.Holding(1, 12), PymodbusServer.Holding(1, 13), 0xFFFF, 0xFFFE }, await reader.ReadHoldingRegistersAsync(1, 10, 6));
        Assert.Equal([PymodbusServer.Coil(20), true, false], await reader.ReadCoilsAsync(2, 20, 3));
        Assert.True(side.Status().Connected);
    }

    [Fact]
    public async Task PublishFromGroup_DeviceGone_WriteFailureIsCountedAndLoggedAndTheSideStays()
    {
        await using var side = await StartAsync(Yaml(_device.Port));
        await side.PublishFromGroupAsync(Command("ham:sg:limits", """{"unit":1,"table":"holding","address":10,"values":[5]}"""));
        await Eventually.TrueAsync(() => side.Status().Published == 1, "the first write acknowledged");

        await _device.StopAsync();
        await side.PublishFromGroupAsync(Command("ham:sg:limits", """{"unit":1,"table":"holding","address":10,"values":[6]}"""));

        await Eventually.TrueAsync(() => side.Status().Dropped["write_failed"] == 1, "the failed write counted");
        Assert.Contains(_log.Lines, l => l.EventId == 783 && l.Message.Contains("unit 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublishFromGroup_PayloadOutsideTheBlock_IsDroppedAsMalformedWithoutAWrite()
    {
        await using var side = await StartAsync(Yaml(_device.Port));

        await side.PublishFromGroupAsync(Command("ham:sg:limits", """{"unit":1,"table":"holding","address":30,"values":[1]}"""));

        Assert.Equal(1, side.Status().Dropped["malformed"]);
        Assert.Equal(0, side.Status().Published);
    }

    [Fact]
    public async Task AnswerAsync_RequestToTheGroupOfAOneValueBlock_AnswersTheDeviceValueWithTypeOrderAndScale()
    {
        await using var side = await StartAsync(Yaml(_device.Port));
        var answerer = Assert.IsAssignableFrom<IGroupAnswerer>(side);

        var power = Assert.Single(await answerer.AnswerAsync(Request("ham:sg:power")).ToListAsync());
        var state = Assert.Single(await answerer.AnswerAsync(Request("ham:sg:state")).ToListAsync());

        // Holding 30-31 of unit 1, high word first, s32, times 0.5; coil 42 is on (42 % 3 == 0).
        var raw = (PymodbusServer.Holding(1, 30) << 16) | PymodbusServer.Holding(1, 31);
        Assert.Equal((raw * 0.5).ToString("R", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(power.Value.Span));
        Assert.Equal("1", Encoding.UTF8.GetString(state.Value.Span));
        Assert.Empty(answerer.Devices); // one answer per node, replied with the node's id
        Assert.Null(power.Device);
        Assert.Equal(0, side.Status().Dropped["read_failed"]);
    }

    [Fact]
    public async Task AnswerAsync_GroupWithoutAOneValueBlock_AnswersNothing()
    {
        await using var side = await StartAsync(Yaml(_device.Port));
        var answerer = Assert.IsAssignableFrom<IGroupAnswerer>(side);

        // limits maps a block of three s32 values: which one would be the answer is not said, so none is.
        Assert.Empty(await answerer.AnswerAsync(Request("ham:sg:limits")).ToListAsync());
        Assert.Empty(await answerer.AnswerAsync(Request("ham:sg:elsewhere")).ToListAsync());
    }

    [Fact]
    public async Task AnswerAsync_DeviceGone_NoAnswerAndTheFailureIsCountedAndLogged()
    {
        await using var side = await StartAsync(Yaml(_device.Port));
        var answerer = Assert.IsAssignableFrom<IGroupAnswerer>(side);
        Assert.Single(await answerer.AnswerAsync(Request("ham:sg:power")).ToListAsync());

        await _device.StopAsync();

        Assert.Empty(await answerer.AnswerAsync(Request("ham:sg:power")).ToListAsync());
        Assert.Equal(1, side.Status().Dropped["read_failed"]);
        Assert.Contains(_log.Lines, l => l.EventId == 785 && l.Message.Contains("ham:sg:power", StringComparison.Ordinal));
    }

    private static GroupRequest Request(string group)
        => new(GroupName.Parse(group), new RequestSpec(ReadOnlyMemory<byte>.Empty, ContentType.Raw), TimeSpan.FromSeconds(5));

    private static GroupMessage Command(string group, string json)
        => new(GroupName.Parse(group), Encoding.UTF8.GetBytes(json), ContentType.Raw, 1, 1, DateTimeOffset.UnixEpoch);

    private static string Yaml(int port) => $"""
        groups:
          limits: {"{"} uri: "ham:sg:limits" {"}"}
          relays: {"{"} uri: "ham:sg:relays" {"}"}
          power: {"{"} uri: "ham:sg:power" {"}"}
          state: {"{"} uri: "ham:sg:state" {"}"}
        bridge:
          modbus:
            device: 127.0.0.1:{port}
            units: [1, 2]
          rules:
            - name: limits
              modbus: unit=1 holding=10-15 type=s32
              group: limits
              direction: from-group
            - name: relays
              modbus: unit=2 coils=20-22
              group: relays
              direction: from-group
            - name: power
              modbus: unit=1 holding=30-31 type=s32 scale=0.5
              group: power
              direction: from-group
            - name: state
              modbus: unit=1 coils=42
              group: state
              direction: from-group
        """;

    private async Task<IAdapterSide> StartAsync(string yaml)
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(yaml);
        Assert.True(bridge is not null, string.Join('\n', errors));
        var context = new AdapterContext
        {
            Router = new Router(bridge.ToRoutingTable(), new RecordingSender()),
            Loggers = new OneLoggerFactory(_log),
        };
        return await ModbusAdapterKind.Instance.StartAsync(bridge.Adapter<ModbusSection>()!, context, CancellationToken.None);
    }

    /// <summary>Hands every category the one recording logger.</summary>
    private sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
