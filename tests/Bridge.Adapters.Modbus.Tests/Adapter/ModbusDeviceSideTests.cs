using System.Text;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Tests.Peers;
using Bridge.Adapters.Modbus.Tests.Support;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Testing;
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

    private static GroupMessage Command(string group, string json)
        => new(GroupName.Parse(group), Encoding.UTF8.GetBytes(json), ContentType.Raw, 1, 1, DateTimeOffset.UnixEpoch);

    private static string Yaml(int port) => $"""
        groups:
          limits: {"{"} uri: "ham:sg:limits" {"}"}
          relays: {"{"} uri: "ham:sg:relays" {"}"}
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
