using System.Globalization;
using System.Net;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Adapters.Modbus.Tests.Support;
using Bridge.Testing;

namespace Bridge.Adapters.Modbus.Tests.Peers;

/// <summary>mbpoll (libmodbus) as a real Modbus TCP master against our server.</summary>
public class MbpollTests
{
    private static readonly ModbusServerOptions Loopback = new() { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };

    [Theory]
    [InlineData("4", ModbusFunctionCode.ReadHoldingRegisters, "1010 1011 1012")]
    [InlineData("3", ModbusFunctionCode.ReadInputRegisters, "2010 2011 2012")]
    [InlineData("0", ModbusFunctionCode.ReadCoils, "0 0 1")]
    [InlineData("1", ModbusFunctionCode.ReadDiscreteInputs, "0 1 0")]
    public async Task Read_MbpollPrintsTheHandlersValues(string type, ModbusFunctionCode function, string expected)
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);

        var output = await MbpollAsync(server, "-a", "5", "-t", type, "-r", "10", "-c", "3", "-1");

        Assert.Equal(expected, string.Join(' ', Values(output)));
        var (context, request) = Assert.Single(bank.Seen);
        Assert.Equal(function, request.Function);
        Assert.Equal(new ModbusRange(10, 3), request.Read);
        Assert.Equal(5, context.UnitId);
    }

    [Fact]
    public async Task WriteOneRegister_ReachesTheHandlerAsFunction6()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);

        await MbpollAsync(server, "-t", "4", "-r", "7", "127.0.0.1", "777");

        var (_, request) = Assert.Single(bank.Seen);
        Assert.Equal(ModbusRequest.WriteSingleRegister(7, 777), request);
        Assert.Equal(777, bank.HoldingRegisters[7]);
    }

    [Fact]
    public async Task WriteSeveralRegisters_ReachesTheHandlerAsFunction16()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);

        await MbpollAsync(server, "-t", "4", "-r", "20", "127.0.0.1", "11", "22", "33");

        var (_, request) = Assert.Single(bank.Seen);
        Assert.Equal(ModbusRequest.WriteMultipleRegisters(20, [11, 22, 33]), request);
        Assert.Equal([11, 22, 33], bank.HoldingRegisters[20..23]);
    }

    [Fact]
    public async Task WriteOneCoil_ReachesTheHandlerAsFunction5()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);

        await MbpollAsync(server, "-t", "0", "-r", "4", "127.0.0.1", "1");

        var (_, request) = Assert.Single(bank.Seen);
        Assert.Equal(ModbusRequest.WriteSingleCoil(4, true), request);
        Assert.True(bank.Coils[4]);
    }

    [Fact]
    public async Task WriteSeveralCoils_ReachesTheHandlerAsFunction15()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);

        await MbpollAsync(server, "-t", "0", "-r", "30", "127.0.0.1", "1", "1", "0", "1", "1", "1", "1", "1", "1");

        var (_, request) = Assert.Single(bank.Seen);
        Assert.Equal(ModbusFunctionCode.WriteMultipleCoils, request.Function);
        Assert.Equal(new ModbusRange(30, 9), request.Write);
        Assert.Equal([true, true, false, true, true, true, true, true, true], bank.Coils[30..39]);
    }

    [Fact]
    public async Task ReadOutsideTheTables_MbpollReportsIllegalDataAddress()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);

        var (exitCode, process) = await RunMbpollAsync(server, "-t", "4", "-r", "95", "-c", "10", "-1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains(process.StandardError, static line => line.Contains("Illegal data address", StringComparison.Ordinal));
        Assert.Equal(1, server.Counters.ExceptionResponses);
    }

    private static IEnumerable<string> Values(IReadOnlyList<string> output)
        => output.Where(static l => l.StartsWith('[')).Select(static l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());

    private static async Task<IReadOnlyList<string>> MbpollAsync(ModbusTcpServer server, params string[] arguments)
    {
        var (exitCode, process) = await RunMbpollAsync(server, arguments);
        Assert.True(exitCode == 0, $"mbpoll failed with {exitCode}\n{process.Transcript()}");
        return process.StandardOutput;
    }

    /// <summary>Runs mbpoll against <paramref name="server"/> with zero-based (PDU) addresses; host 127.0.0.1 unless the arguments name it (before the values to write).</summary>
    private static async Task<(int ExitCode, ExternalProcess Process)> RunMbpollAsync(ModbusTcpServer server, params string[] arguments)
    {
        var mbpoll = Prerequisites.Command("mbpoll", "mbpoll", "the Modbus server tests with a real master (mbpoll)");
        string[] common = ["-m", "tcp", "-p", server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "-0", "-o", "10"];
        var all = arguments.Contains("127.0.0.1") ? [.. common, .. arguments] : common.Concat(arguments).Append("127.0.0.1").ToArray();
        await using var process = ExternalProcess.Start(mbpoll, all);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exitCode, process);
    }
}
