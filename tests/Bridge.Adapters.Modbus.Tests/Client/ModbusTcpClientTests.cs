using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Adapters.Modbus.Tests.Protocol;
using Bridge.Adapters.Modbus.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Modbus.Tests.Client;

public class ModbusTcpClientTests
{
    private static readonly ModbusServerOptions Loopback = new() { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };

    private static ModbusClientOptions For(IPEndPoint server, int inFlight = 1) => new()
    {
        Server = server,
        MaxRequestsInFlight = inFlight,
        RequestTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task EveryFunctionCode_AgainstOurServer_ReadsAndWritesTheHandlersTables()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);
        await using var client = new ModbusTcpClient(For(server.LocalEndPoint));

        var coils = await client.ReadCoilsAsync(1, 0, 5);
        var inputs = await client.ReadDiscreteInputsAsync(1, 10, 3);
        Assert.Equal([true, false, false, true, false], coils);
        Assert.Equal([false, true, false], inputs);
        Assert.Equal([1007, 1008], await client.ReadHoldingRegistersAsync(1, 7, 2));
        Assert.Equal([2099], await client.ReadInputRegistersAsync(1, 99, 1));
        await client.WriteSingleCoilAsync(1, 1, true);
        await client.WriteSingleRegisterAsync(1, 2, 0xBEEF);
        await client.WriteMultipleCoilsAsync(1, 20, [true, true, false, true, true, true, true, true, true]);
        await client.WriteMultipleRegistersAsync(1, 30, [1, 2, 3]);
        var readBack = await client.ReadWriteMultipleRegistersAsync(1, 29, 5, 31, [22, 33]);

        Assert.True(bank.Coils[1]);
        Assert.Equal(0xBEEF, bank.HoldingRegisters[2]);
        Assert.Equal([true, true, false, true, true, true, true, true, true], bank.Coils[20..29]);
        Assert.Equal([1029, 1, 22, 33, 1033], readBack);
        Assert.Equal(9, client.Counters.Succeeded);
        Assert.Equal(1, client.Counters.Connects);
    }

    [Fact]
    public async Task ExceptionResponse_ThrowsWithItsCode_AndIsCounted()
    {
        await using var server = await ModbusTcpServer.StartAsync(Loopback, new RegisterBank());
        await using var client = new ModbusTcpClient(For(server.LocalEndPoint));

        var failure = await Assert.ThrowsAsync<ModbusClientException>(() => client.ReadHoldingRegistersAsync(3, 99, 2));

        Assert.Equal(ModbusFailure.ExceptionResponse, failure.Failure);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, failure.ExceptionCode);
        Assert.Equal(3, failure.UnitId);
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, failure.Function);
        Assert.Equal(1, client.Counters.Failures(ModbusFailure.ExceptionResponse));
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task SeveralRequestsInFlight_AllOnOneConnection_EachGetsItsOwnAnswer()
    {
        const int InFlight = 8;
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback with { MaxRequestsInFlightPerConnection = InFlight }, handler);
        await using var client = new ModbusTcpClient(For(server.LocalEndPoint, InFlight));

        var reads = Enumerable.Range(0, InFlight).Select(a => client.ReadHoldingRegistersAsync(1, (ushort)a, 1)).ToList();
        await handler.HeldAtLeastAsync(InFlight);
        handler.Open();
        var values = await Task.WhenAll(reads);

        Assert.Equal(Enumerable.Range(0, InFlight).Select(static a => (ushort)(1000 + a)), values.Select(static v => v[0]));
        Assert.Equal(1, server.Counters.ConnectionsAccepted);
    }

    [Fact]
    public async Task MoreCallsThanInFlight_TheRestWaitTheirTurn()
    {
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback, handler);
        await using var client = new ModbusTcpClient(For(server.LocalEndPoint, inFlight: 2));

        var reads = Enumerable.Range(0, 6).Select(a => client.ReadHoldingRegistersAsync(1, (ushort)a, 1)).ToList();
        await handler.HeldAtLeastAsync(2);
        var heldWhileClosed = handler.Held;
        handler.Open();
        await Task.WhenAll(reads);

        Assert.Equal(2, heldWhileClosed);
        Assert.Equal(2, handler.MaxHeld);
    }

    [Fact]
    public async Task NoAnswerInTime_Timeout_ThenTheLateAnswerIsDroppedAndTheConnectionServesOn()
    {
        var time = new FakeTimeProvider();
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback, handler);
        await using var client = new ModbusTcpClient(For(server.LocalEndPoint) with { RequestTimeout = TimeSpan.FromSeconds(2) }, time: time);
        await client.ConnectAsync();

        var slow = client.ReadHoldingRegistersAsync(1, 0, 1);
        await handler.HeldAtLeastAsync(1);
        time.Advance(TimeSpan.FromSeconds(2));
        var failure = await Assert.ThrowsAsync<ModbusClientException>(() => slow);
        handler.Open();
        await Eventually.TrueAsync(() => client.Counters.UnmatchedResponses == 1, "the late answer arrived and was dropped");
        var next = await client.ReadHoldingRegistersAsync(2, 5, 1);

        Assert.Equal(ModbusFailure.Timeout, failure.Failure);
        Assert.Equal([1005], next);
        Assert.Equal(1, client.Counters.Connects);
        Assert.Equal(1, client.Counters.Failures(ModbusFailure.Timeout));
    }

    [Fact]
    public async Task ServerClosesWithARequestInFlight_ConnectionLost_ThenTheNextCallReconnects()
    {
        using var server = new ScriptedServer();
        await using var client = new ModbusTcpClient(For(server.EndPoint));

        var first = client.ReadInputRegistersAsync(1, 0, 1);
        await using (var connection = await server.AcceptAsync())
        {
            await connection.ReadFrameAsync();
        }

        var lost = await Assert.ThrowsAsync<ModbusClientException>(() => first);
        var second = client.ReadInputRegistersAsync(1, 0, 1);
        await using var again = await server.AcceptAsync();
        var request = await again.ReadFrameAsync();
        await again.SendAsync(RawModbusConnection.Frame(request.TransactionId, request.UnitId, Hex.Bytes("04 02 00 2A")));

        Assert.Equal(ModbusFailure.ConnectionLost, lost.Failure);
        Assert.Equal([42], await second);
        Assert.Equal(2, client.Counters.Connects);
        Assert.Equal(1, client.Counters.Failures(ModbusFailure.ConnectionLost));
    }

    // Each: what a scripted server answers to a request for 2 holding registers of unit 1, the failure and the response error.
    public static TheoryData<string, Func<ushort, byte[]>, ModbusFailure, ModbusResponseError> BadAnswers => new()
    {
        { "3 registers for 2", t => RawModbusConnection.Frame(t, 1, Hex.Bytes("03 06 00 01 00 02 00 03")), ModbusFailure.MalformedResponse, ModbusResponseError.ByteCountMismatch },
        { "another function code", t => RawModbusConnection.Frame(t, 1, Hex.Bytes("04 04 00 01 00 02")), ModbusFailure.MalformedResponse, ModbusResponseError.FunctionMismatch },
        { "another unit", t => RawModbusConnection.Frame(t, 9, Hex.Bytes("03 04 00 01 00 02")), ModbusFailure.MalformedResponse, ModbusResponseError.EchoMismatch },
        { "exception code 0x07", t => RawModbusConnection.Frame(t, 1, Hex.Bytes("83 07")), ModbusFailure.MalformedResponse, ModbusResponseError.UnknownExceptionCode },
        { "exception 0x0B", t => RawModbusConnection.Frame(t, 1, Hex.Bytes("83 0B")), ModbusFailure.ExceptionResponse, ModbusResponseError.None },
        { "protocol id 1", t => [.. RawModbusConnection.Frame(t, 1, Hex.Bytes("03 04 00 01 00 02")).Select((b, i) => i == 3 ? (byte)1 : b)], ModbusFailure.ConnectionLost, ModbusResponseError.None },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task AnswerThatDoesNotFit_FailsWithANamedReason(string defect, Func<ushort, byte[]> answer, ModbusFailure expected, ModbusResponseError error)
    {
        using var server = new ScriptedServer();
        await using var client = new ModbusTcpClient(For(server.EndPoint));

        var call = client.ReadHoldingRegistersAsync(1, 0, 2);
        await using var connection = await server.AcceptAsync();
        var request = await connection.ReadFrameAsync();
        await connection.SendAsync(answer(request.TransactionId));
        var failure = await Assert.ThrowsAsync<ModbusClientException>(() => call);

        Assert.True(expected == failure.Failure, $"{defect}: {failure.Failure}: {failure.Message}");
        Assert.Equal(error, failure.ResponseError);
        Assert.Equal(1, client.Counters.Failures(expected));
    }

    [Fact]
    public async Task NothingListens_ConnectFailed_ThenNotConnectedUntilTheDelayPasses_WhichDoubles()
    {
        var time = new FakeTimeProvider();
        using var placeholder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        placeholder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var nowhere = (IPEndPoint)placeholder.LocalEndPoint!;
        var options = For(nowhere) with { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(3) };
        await using var client = new ModbusTcpClient(options, time: time);

        async Task<ModbusFailure> Attempt() => (await Assert.ThrowsAsync<ModbusClientException>(() => client.ReadCoilsAsync(1, 0, 1))).Failure;

        var failures = new List<ModbusFailure> { await Attempt(), await Attempt() };
        time.Advance(TimeSpan.FromSeconds(1));
        failures.Add(await Attempt());
        time.Advance(TimeSpan.FromSeconds(1));
        failures.Add(await Attempt());
        time.Advance(TimeSpan.FromSeconds(1));
        failures.Add(await Attempt());

        Assert.Equal(
            [ModbusFailure.ConnectFailed, ModbusFailure.NotConnected, ModbusFailure.ConnectFailed, ModbusFailure.NotConnected, ModbusFailure.ConnectFailed],
            failures);
        Assert.Equal(3, client.Counters.Failures(ModbusFailure.ConnectFailed));
        Assert.Equal(2, client.Counters.Failures(ModbusFailure.NotConnected));
    }

    [Fact]
    public async Task CallerCancels_OperationCanceled_NotAFailure()
    {
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback, handler);
        await using var client = new ModbusTcpClient(For(server.LocalEndPoint));
        using var cancel = new CancellationTokenSource();

        var call = client.SendAsync(1, ModbusRequest.ReadCoils(0, 1), cancellationToken: cancel.Token);
        await handler.HeldAtLeastAsync(1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, Enum.GetValues<ModbusFailure>().Sum(f => client.Counters.Failures(f)));
    }

    [Fact]
    public void Options_Unusable_EveryProblemListed()
    {
        var options = new ModbusClientOptions
        {
            Server = new IPEndPoint(IPAddress.Loopback, 502),
            MaxRequestsInFlight = 0,
            RequestTimeout = TimeSpan.Zero,
            ReconnectDelay = TimeSpan.FromSeconds(10),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        };

        var thrown = Assert.Throws<ArgumentException>(() => new ModbusTcpClient(options));

        Assert.Contains("MaxRequestsInFlight", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("RequestTimeout", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("MaxReconnectDelay", thrown.Message, StringComparison.Ordinal);
    }
}
