using Bridge.Host.Tests.Configuration;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;
using Bridge.Testing.Modbus;

namespace Bridge.Host.Tests.Bridging;

/// <summary>
/// The bridge answers requests through its device side: <c>gridcast run --config</c> with
/// <c>bridge.modbus.device</c> beside a pymodbus device, and a multicast socket on loopback that
/// asks the rule's group. The answer is the device's register; with the device gone there is no
/// reply, so the count leaves the node out instead of adding a zero.
/// </summary>
public sealed class ModbusDeviceAnswerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly AggregationSpec CountAndSum = new() { Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min };

    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13];
    private PymodbusServer _device = null!;

    public async Task InitializeAsync() => _device = await PymodbusServer.StartAsync();

    public async Task DisposeAsync() => await _device.DisposeAsync();

    [Fact]
    public async Task Run_RequestToTheDeviceSidesGroup_GetsTheRegisterAndNoReplyOnceTheDeviceIsGone()
    {
        var group = GroupName.Parse($"ham:sg:{_prefix}.power");
        using var files = new ConfigurationFiles();
        var path = files.Write("device-modbus.yaml", $"""
            node:
              id: device-modbus
            groups:
              power:
                uri: {group}
            bridge:
              modbus:
                device: 127.0.0.1:{_device.Port}
                units: [1]
              rules:
                - name: power
                  modbus: unit=1 holding=7 type=s16 scale=0.1
                  group: power
                  direction: from-group
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
        await using var asker = MulticastSocket.Create(MulticastInterface.Loopback());

        var answered = await asker.RequestAsync(group, CountAndSum, TimeSpan.FromSeconds(2));

        Assert.True(answered.Contributors == 1, node.Transcript());
        Assert.Equal(PymodbusServer.Holding(1, 7) * 0.1, answered.Min, 9);

        await _device.StopAsync();
        var unanswered = await asker.RequestAsync(group, CountAndSum, TimeSpan.FromSeconds(2));

        Assert.Equal(0UL, unanswered.Contributors);
        await node.WaitForLineAsync(l => l.Contains("not answered", StringComparison.Ordinal), Patience);
    }
}
