using System.Globalization;
using System.Net;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>
/// Aggregated reads end to end: mbpoll (libmodbus) as the head-end's master reads an aggregating
/// block of the Modbus side, the side asks the group through a real multicast socket on loopback,
/// and devices (real sockets) answer. The read returns their sum, mean and count; with fewer
/// devices than the quorum it gets exception 0x0B instead of a sum that leaves some out.
/// </summary>
public sealed class ModbusAggregateMbpollTests : IAsyncLifetime
{
    private static readonly double[] Values = [1.5, 2.25, 4];
    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private MulticastSocket _bridgeSocket = null!;
    private ModbusTcpServer? _server;

    public async Task InitializeAsync()
    {
        // Deadlines of 1 s: long enough for the devices on a loaded machine, short of mbpoll's timeout (-o 10).
        var (bridge, errors) = ModbusBridgeConfig.Read($"""
            groups:
              meters: {"{"} uri: "{_group}" {"}"}
            bridge:
              modbus:
                listen: 127.0.0.1:1502
                units: [1]
              rules:
                - name: feeder
                  modbus: unit=1 holding=300-305 type=f32 aggregate=sum,mean,count deadline=1s
                  group: meters
                  direction: from-group
                - name: all-four
                  modbus: unit=1 holding=400 type=u16 aggregate=sum quorum=4 deadline=1s
                  group: meters
                  direction: from-group
            """);
        Assert.True(bridge is not null, string.Join('\n', errors));
        _bridgeSocket = MulticastSocket.Create(_loopback);
        var headEnd = new ModbusHeadEnd(new Router(bridge.ToRoutingTable(), _bridgeSocket), [1], NullLogger.Instance, new SocketRequester(_bridgeSocket));
        _server = await ModbusTcpServer.StartAsync(new ModbusServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, headEnd);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _bridgeSocket.DisposeAsync();
    }

    [Fact]
    public async Task Mbpoll_ReadsAggregatingBlock_GetsTheDevicesSumMeanAndCount()
    {
        await using var devices = new LoopbackResponders(_loopback, _group, Values);

        var (exitCode, process) = await MbpollAsync("-a", "1", "-t", "4:float", "-B", "-r", "300", "-c", "3", "-1");

        Assert.True(exitCode == 0, process.Transcript());
        Assert.Equal(["7.75", "2.58333", "3"], Printed(process, "[300]:", "[302]:", "[304]:"));
    }

    [Fact]
    public async Task Mbpoll_ReadsBlockWithQuorumNotMet_GetsGatewayTargetException()
    {
        await using var devices = new LoopbackResponders(_loopback, _group, Values);

        var (exitCode, process) = await MbpollAsync("-a", "1", "-t", "4", "-r", "400", "-c", "1", "-1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Target device failed to respond", process.Transcript(), StringComparison.OrdinalIgnoreCase);
    }

    private static string[] Printed(ExternalProcess process, params string[] prefixes)
        => [.. prefixes.Select(p => process.StandardOutput.Single(l => l.StartsWith(p, StringComparison.Ordinal))[p.Length..].Trim())];

    private async Task<(int ExitCode, ExternalProcess Process)> MbpollAsync(params string[] arguments)
    {
        var mbpoll = Prerequisites.Command("mbpoll", "mbpoll", "the Modbus aggregate tests with a real master (mbpoll)");
        string[] common = ["-m", "tcp", "-p", _server!.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "-0", "-o", "10"];
        var process = ExternalProcess.Start(mbpoll, [.. common, .. arguments, "127.0.0.1"]);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
        await process.DisposeAsync();
        return (exitCode, process);
    }
}
