using System.Globalization;
using System.Net;
using System.Text;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Routing;
using Bridge.Multicast.Naming;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>mbpoll (libmodbus) as the head-end's master, writing to and reading from the Modbus side.</summary>
public sealed class ModbusHeadEndMbpollTests : IAsyncLifetime
{
    private readonly RecordingSender _sender = new();
    private ModbusTcpServer? _server;

    public async Task InitializeAsync()
    {
        var (bridge, _) = ModbusBridgeConfig.Read(ModbusBridgeConfig.Valid);
        var headEnd = new ModbusHeadEnd(new Router(bridge!.ToRoutingTable(), _sender), [1, 2], NullLogger.Instance);
        _server = await ModbusTcpServer.StartAsync(new ModbusServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, headEnd);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Mbpoll_WritesHoldingRegister_GroupGetsTheScaledValueAndReadReturnsIt()
    {
        var (written, writeProcess) = await MbpollAsync("-a", "1", "-t", "4", "-r", "102", "127.0.0.1", "235");
        Assert.True(written == 0, writeProcess.Transcript());

        var (group, payload, _) = Assert.Single(_sender.Sent);
        Assert.Equal(GroupName.Parse("ham:sg:setpoints"), group);
        Assert.Equal("""{"unit":1,"table":"holding","address":102,"values":[23.5]}""", Encoding.UTF8.GetString(payload));

        var (read, readProcess) = await MbpollAsync("-a", "1", "-t", "4", "-r", "102", "-c", "1", "-1");
        Assert.True(read == 0, readProcess.Transcript());
        Assert.Contains(readProcess.StandardOutput, l => l.StartsWith("[102]:", StringComparison.Ordinal) && l.EndsWith("235", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mbpoll_ReadsRangeWithNoKnownValue_GetsGatewayTargetException()
    {
        var (exitCode, process) = await MbpollAsync("-a", "1", "-t", "4", "-r", "100", "-c", "2", "-1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Target device failed to respond", process.Transcript(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_sender.Sent);
    }

    private async Task<(int ExitCode, ExternalProcess Process)> MbpollAsync(params string[] arguments)
    {
        var mbpoll = Prerequisites.Command("mbpoll", "mbpoll", "the Modbus head-end tests with a real master (mbpoll)");
        string[] common = ["-m", "tcp", "-p", _server!.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "-0", "-o", "10"];
        var all = arguments.Contains("127.0.0.1") ? [.. common, .. arguments] : common.Concat(arguments).Append("127.0.0.1").ToArray();
        var process = ExternalProcess.Start(mbpoll, all);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
        await process.DisposeAsync();
        return (exitCode, process);
    }
}
