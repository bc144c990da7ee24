using System.Net;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Adapters.Modbus.Tests.Protocol;
using Bridge.Adapters.Modbus.Tests.Support;
using Bridge.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Modbus.Tests.Server;

public class ModbusTcpServerTests
{
    private static readonly ModbusServerOptions Loopback = new() { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };

    [Fact]
    public async Task ReadHoldingRegisters_AnswersTheHandlersValuesWithTheTransactionAndUnit()
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(Hex.Bytes("AB CD 00 00 00 06 11 03 00 05 00 02"));
        var answer = await master.ReadFrameAsync();

        Assert.Equal(0xABCD, answer.TransactionId);
        Assert.Equal(0x11, answer.UnitId);
        Assert.Equal("03 04 03 ED 03 EE", Hex.Of(answer.Pdu));
        var (context, request) = Assert.Single(bank.Seen);
        Assert.Equal(ModbusRequest.ReadHoldingRegisters(5, 2), request);
        Assert.Equal(0x11, context.UnitId);
        Assert.Equal(0xABCD, context.TransactionId);
    }

    // Each: a request PDU the server refuses itself, the answer it must get, the reason counted.
    public static TheoryData<string, string, string, ModbusRequestError> RefusedRequests => new()
    {
        { "unknown function code 0x2B", "2B 0E 01 00", "AB 01", ModbusRequestError.IllegalFunction },
        { "unknown function code 0x41", "41", "C1 01", ModbusRequestError.IllegalFunction },
        { "FC 3 quantity 126", "03 00 00 00 7E", "83 03", ModbusRequestError.QuantityOutOfRange },
        { "FC 1 quantity 0", "01 00 00 00 00", "81 03", ModbusRequestError.QuantityOutOfRange },
        { "FC 16 quantity 124 (with 1 register of data: 124 would not fit in a frame)", "10 00 00 00 7C 02 00 00", "90 03", ModbusRequestError.QuantityOutOfRange },
        { "FC 15 byte count for 9 coils, 10 announced", "0F 00 00 00 0A 01 FF", "8F 03", ModbusRequestError.ByteCountMismatch },
        { "FC 6 a byte short", "06 00 01 00", "86 03", ModbusRequestError.WrongLength },
        { "FC 5 value 0x1234", "05 00 01 12 34", "85 03", ModbusRequestError.InvalidCoilValue },
        { "FC 1 past address 65535", "01 FF FF 00 02", "81 02", ModbusRequestError.AddressOutOfRange },
    };

    [Theory]
    [MemberData(nameof(RefusedRequests))]
    public async Task MalformedRequest_AnsweredWithTheExceptionAndTheConnectionGoesOn(string defect, string pdu, string expected, ModbusRequestError reason)
    {
        var bank = new RegisterBank();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(RawModbusConnection.Frame(7, 1, Hex.Bytes(pdu)));
        var refused = await master.ReadFrameAsync();
        await master.SendAsync(RawModbusConnection.Frame(8, 1, Hex.Bytes("04 00 00 00 01")));
        var next = await master.ReadFrameAsync();

        Assert.True((7, expected) == (refused.TransactionId, Hex.Of(refused.Pdu)), $"{defect}: answered {Hex.Of(refused.Pdu)} to transaction {refused.TransactionId}");
        Assert.Equal((8, "04 02 07 D0"), (next.TransactionId, Hex.Of(next.Pdu)));
        Assert.Equal(1, server.Counters.RejectedRequests(reason));
        Assert.Equal(1, server.Counters.RejectedRequests());
        var (_, handled) = Assert.Single(bank.Seen);
        Assert.Equal(ModbusFunctionCode.ReadInputRegisters, handled.Function);
    }

    // Each: bytes that break the framing, the reason the server counts.
    public static TheoryData<string, string, ModbusFrameError> BrokenFrames => new()
    {
        { "protocol id 1", "00 01 00 01 00 06 01 03 00 00 00 01", ModbusFrameError.ProtocolIdNotModbus },
        { "protocol id 0xFFFF, only 4 bytes sent", "00 01 FF FF", ModbusFrameError.ProtocolIdNotModbus },
        { "MBAP length 0", "00 01 00 00 00 00", ModbusFrameError.LengthTooSmall },
        { "MBAP length 1: no function code", "00 01 00 00 00 01 01", ModbusFrameError.LengthTooSmall },
        { "a 261-byte frame (MBAP length 255)", "00 01 00 00 00 FF 01 10 00 00 00 7B F6" + string.Concat(Enumerable.Repeat(" 00", 248)), ModbusFrameError.LengthTooLarge },
        { "MBAP length 0xFFFF", "00 01 00 00 FF FF 01 03 00 00 00 01", ModbusFrameError.LengthTooLarge },
    };

    [Theory]
    [MemberData(nameof(BrokenFrames))]
    public async Task BrokenFraming_ClosesThatConnectionOnly(string defect, string bytes, ModbusFrameError reason)
    {
        var bank = new RegisterBank();
        var log = new RecordingLogger();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, bank, log);
        await using var bystander = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(Hex.Bytes(bytes));
        var before = await master.ReadUntilClosedAsync();
        await bystander.SendAsync(RawModbusConnection.Frame(1, 1, Hex.Bytes("03 00 00 00 01")));
        var served = await bystander.ReadFrameAsync();

        Assert.True(before.Length == 0, $"{defect}: the server answered {Hex.Of(before)} before closing");
        Assert.Equal("03 02 03 E8", Hex.Of(served.Pdu));
        Assert.Single(bank.Seen);
        Assert.Equal(1, server.Counters.RejectedFrames(reason));
        await Eventually.TrueAsync(() => server.Counters.Closed(ModbusCloseReason.ProtocolError) == 1, "the connection counted as closed for a protocol error");
        Assert.Contains(log.Lines, l => l.EventId == 704 && l.Message.Contains(reason.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task TruncatedMbap_MasterClosesItsSide_ClosedAndCounted()
    {
        await using var server = await ModbusTcpServer.StartAsync(Loopback, new RegisterBank());
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(Hex.Bytes("00 01 00"));
        master.ShutdownSend();
        var before = await master.ReadUntilClosedAsync();

        Assert.Empty(before);
        Assert.Equal(1, server.Counters.RejectedFrames(ModbusFrameError.Truncated));
    }

    [Theory]
    [InlineData("idle after an answer", "")]
    [InlineData("a truncated MBAP header", "00 02 00 00")]
    [InlineData("a truncated PDU", "00 02 00 00 00 06 01 03 00")]
    public async Task NothingCompletesForTheIdleTimeout_ConnectionClosed(string situation, string partial)
    {
        var time = new FakeTimeProvider();
        var options = Loopback with { IdleTimeout = TimeSpan.FromSeconds(60), RequestTimeout = TimeSpan.FromSeconds(10) };
        await using var server = await ModbusTcpServer.StartAsync(options, new RegisterBank(), time: time);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
        await master.SendAsync(RawModbusConnection.Frame(1, 1, Hex.Bytes("03 00 00 00 01")));
        await master.ReadFrameAsync();
        if (partial.Length > 0)
        {
            await master.SendAsync(Hex.Bytes(partial));
        }

        time.Advance(TimeSpan.FromSeconds(61));
        var before = await master.ReadUntilClosedAsync();

        Assert.True(before.Length == 0, $"{situation}: {Hex.Of(before)}");

        // The server counts a closed connection once its socket is gone, so the master can see
        // the close a moment before the count.
        await Eventually.TrueAsync(() => server.Counters.Closed(ModbusCloseReason.IdleTimeout) == 1, $"{situation}: the connection counted as closed for the idle timeout");
    }

    [Fact]
    public async Task IdleTimeout_RequestsKeepTheConnectionOpen()
    {
        var time = new FakeTimeProvider();
        var options = Loopback with { IdleTimeout = TimeSpan.FromSeconds(60), RequestTimeout = TimeSpan.FromSeconds(10) };
        await using var server = await ModbusTcpServer.StartAsync(options, new RegisterBank(), time: time);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        // Five rounds of 40 s: 200 s in all, never 60 s without a request.
        for (ushort round = 1; round <= 5; round++)
        {
            await master.SendAsync(RawModbusConnection.Frame(round, 1, Hex.Bytes("03 00 00 00 01")));
            var answer = await master.ReadFrameAsync();
            Assert.Equal(round, answer.TransactionId);
            time.Advance(TimeSpan.FromSeconds(40));
        }

        Assert.Equal(0, server.Counters.Closed(ModbusCloseReason.IdleTimeout));
        Assert.Equal(1, server.Counters.ConnectionsOpen);
    }

    [Fact]
    public async Task SlowRequestThenFastOne_AnsweredInTheOrderTheyCompleteWithTheirTransactionIds()
    {
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback, handler);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync([
            .. RawModbusConnection.Frame(100, 1, Hex.Bytes("03 00 00 00 01")),
            .. RawModbusConnection.Frame(200, 2, Hex.Bytes("03 00 01 00 01"))]);
        var first = await master.ReadFrameAsync();
        handler.Open();
        var second = await master.ReadFrameAsync();

        Assert.Equal((200, 2, "03 02 03 E9"), (first.TransactionId, first.UnitId, Hex.Of(first.Pdu)));
        Assert.Equal((100, 1, "03 02 03 E8"), (second.TransactionId, second.UnitId, Hex.Of(second.Pdu)));
    }

    [Fact]
    public async Task OneConnectionFloods_ItHoldsNoMoreThanItsLimitAndOthersAreServed()
    {
        const int Limit = 4;
        const int Flood = 60;
        var handler = new GatedHandler(gatedUnit: 1);
        var options = Loopback with { MaxRequestsInFlightPerConnection = Limit };
        await using var server = await ModbusTcpServer.StartAsync(options, handler);
        await using var flooder = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
        await using var other = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await flooder.SendAsync([.. Enumerable.Range(0, Flood).SelectMany(i => RawModbusConnection.Frame((ushort)i, 1, Hex.Bytes("03 00 00 00 01")))]);
        await handler.HeldAtLeastAsync(Limit);
        for (ushort i = 0; i < 5; i++)
        {
            await other.SendAsync(RawModbusConnection.Frame(i, 2, Hex.Bytes("04 00 02 00 01")));
            var answer = await other.ReadFrameAsync();
            Assert.Equal((i, "04 02 07 D2"), (answer.TransactionId, Hex.Of(answer.Pdu)));
        }

        Assert.Equal(Limit, handler.Held);
        handler.Open();
        var answered = new List<ushort>();
        for (var i = 0; i < Flood; i++)
        {
            answered.Add((await flooder.ReadFrameAsync()).TransactionId);
        }

        Assert.Equal(Enumerable.Range(0, Flood).Select(static i => (ushort)i), answered.Order());
        Assert.Equal(Limit, handler.MaxHeld);
    }

    [Fact]
    public async Task ConnectionsBeyondTheLimit_ClosedAtOnceAndCounted_ThenAcceptedWhenOneLeaves()
    {
        var options = Loopback with { MaxConnections = 3 };
        await using var server = await ModbusTcpServer.StartAsync(options, new RegisterBank());
        var masters = new List<RawModbusConnection>();
        try
        {
            for (ushort i = 0; i < 3; i++)
            {
                var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
                masters.Add(master);
                await master.SendAsync(RawModbusConnection.Frame(i, 1, Hex.Bytes("03 00 00 00 01")));
                await master.ReadFrameAsync();
            }

            await using var refused = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
            Assert.Empty(await refused.ReadUntilClosedAsync());
            Assert.Equal(1, server.Counters.ConnectionsRefused);

            await masters[0].DisposeAsync();
            await Eventually.TrueAsync(() => server.Counters.ConnectionsOpen == 2, "the server noticed a master left");
            await using var later = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
            await later.SendAsync(RawModbusConnection.Frame(9, 1, Hex.Bytes("03 00 00 00 01")));
            Assert.Equal(9, (await later.ReadFrameAsync()).TransactionId);
            Assert.Equal(4, server.Counters.ConnectionsAccepted);
        }
        finally
        {
            foreach (var master in masters)
            {
                await master.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ManyMastersWithManyRequestsInFlight_EveryRequestGetsItsOwnAnswer()
    {
        const int Masters = 20;
        const int RequestsEach = 100;
        var bank = new RegisterBank(size: 1000);
        var options = Loopback with { MaxConnections = Masters, MaxRequestsInFlightPerConnection = 16 };
        await using var server = await ModbusTcpServer.StartAsync(options, bank);

        var work = Enumerable.Range(0, Masters).Select(async m =>
        {
            await using var client = new ModbusTcpClient(new ModbusClientOptions
            {
                Server = server.LocalEndPoint,
                MaxRequestsInFlight = 16,
                RequestTimeout = TimeSpan.FromSeconds(60),
            });
            var reads = Enumerable.Range(0, RequestsEach).Select(async r =>
            {
                var address = (ushort)((m * 37 + r * 11) % 1000);
                var values = await client.ReadInputRegistersAsync((byte)m, address, 1);
                return values[0] == 2000 + address;
            });
            return (await Task.WhenAll(reads)).Count(static ok => ok);
        });
        var correct = await Task.WhenAll(work);

        Assert.All(correct, static c => Assert.Equal(RequestsEach, c));
        Assert.Equal(Masters * RequestsEach, server.Counters.Responses);
        Assert.Equal(0, server.Counters.ConnectionsRefused);
    }

    [Fact]
    public async Task MasterClosesItsSideWithARequestInFlight_AnsweredBeforeTheClose()
    {
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback, handler);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(RawModbusConnection.Frame(5, 1, Hex.Bytes("06 00 03 12 34")));
        await handler.HeldAtLeastAsync(1);
        master.ShutdownSend();
        handler.Open();
        var answer = await master.ReadFrameAsync();
        var rest = await master.ReadUntilClosedAsync();

        Assert.Equal((5, "06 00 03 12 34"), (answer.TransactionId, Hex.Of(answer.Pdu)));
        Assert.Empty(rest);
        Assert.Equal(0x1234, handler.Bank.HoldingRegisters[3]);
    }

    [Fact]
    public async Task BrokenFrameAfterAcceptedWrite_TheWriteIsAnsweredThenTheConnectionCloses()
    {
        var handler = new GatedHandler(gatedUnit: 1);
        await using var server = await ModbusTcpServer.StartAsync(Loopback, handler);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(RawModbusConnection.Frame(5, 1, Hex.Bytes("10 00 00 00 01 02 AA BB")));
        await handler.HeldAtLeastAsync(1);
        await master.SendAsync(Hex.Bytes("00 06 00 07 00 06 01 03 00 00 00 01"));
        await Eventually.TrueAsync(() => server.Counters.RejectedFrames(ModbusFrameError.ProtocolIdNotModbus) == 1, "the bad frame was seen");
        handler.Open();
        var answer = await master.ReadFrameAsync();
        var rest = await master.ReadUntilClosedAsync();

        Assert.Equal((5, "10 00 00 00 01"), (answer.TransactionId, Hex.Of(answer.Pdu)));
        Assert.Empty(rest);
        Assert.Equal(0xAABB, handler.Bank.HoldingRegisters[0]);
    }

    [Fact]
    public async Task HandlerThrows_Exception04_AndTheConnectionGoesOn()
    {
        var log = new RecordingLogger();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, new DelegateHandler((_, request) =>
            request.Read.Start == 13 ? throw new InvalidOperationException("broken device") : new RegisterBank().Answer(request)), log);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(RawModbusConnection.Frame(1, 1, Hex.Bytes("03 00 0D 00 01")));
        var failed = await master.ReadFrameAsync();
        await master.SendAsync(RawModbusConnection.Frame(2, 1, Hex.Bytes("03 00 0C 00 01")));
        var served = await master.ReadFrameAsync();

        Assert.Equal("83 04", Hex.Of(failed.Pdu));
        Assert.Equal("03 02 03 F4", Hex.Of(served.Pdu));
        Assert.Equal(1, server.Counters.HandlerFailures);
        Assert.Contains(log.Lines, static l => l.EventId == 706);
    }

    [Fact]
    public async Task HandlerAnswersSomethingElse_Exception04()
    {
        var log = new RecordingLogger();
        await using var server = await ModbusTcpServer.StartAsync(Loopback, new DelegateHandler((_, request) =>
            ModbusResponse.Registers(ModbusRequest.ReadHoldingRegisters(0, 2), [1, 2])), log);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(RawModbusConnection.Frame(1, 1, Hex.Bytes("03 00 00 00 03")));
        var answer = await master.ReadFrameAsync();

        Assert.Equal("83 04", Hex.Of(answer.Pdu));
        Assert.Contains(log.Lines, static l => l.EventId == 708 && l.Message.Contains("number of values", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandlerTakesLongerThanTheRequestTimeout_Exception0B()
    {
        var time = new FakeTimeProvider();
        var handler = new GatedHandler(gatedUnit: 1);
        var options = Loopback with { RequestTimeout = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.FromSeconds(60) };
        await using var server = await ModbusTcpServer.StartAsync(options, handler, time: time);
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);

        await master.SendAsync(RawModbusConnection.Frame(1, 1, Hex.Bytes("03 00 00 00 01")));
        await handler.HeldAtLeastAsync(1);
        time.Advance(TimeSpan.FromSeconds(5));
        var answer = await master.ReadFrameAsync();

        Assert.Equal((1, "83 0B"), (answer.TransactionId, Hex.Of(answer.Pdu)));
        Assert.Equal(1, server.Counters.HandlerTimeouts);
    }

    [Fact]
    public async Task Dispose_ClosesEveryConnection()
    {
        var server = await ModbusTcpServer.StartAsync(Loopback, new RegisterBank());
        await using var master = await RawModbusConnection.ConnectAsync(server.LocalEndPoint);
        await master.SendAsync(RawModbusConnection.Frame(1, 1, Hex.Bytes("03 00 00 00 01")));
        await master.ReadFrameAsync();

        await server.DisposeAsync();

        Assert.Empty(await master.ReadUntilClosedAsync());
        Assert.Equal(1, server.Counters.Closed(ModbusCloseReason.ServerStopping));
        Assert.Equal(0, server.Counters.ConnectionsOpen);
    }

    [Fact]
    public async Task Options_Unusable_EveryProblemListed()
    {
        var options = new ModbusServerOptions
        {
            MaxConnections = 0,
            MaxRequestsInFlightPerConnection = 300,
            RequestTimeout = TimeSpan.FromSeconds(90),
            IdleTimeout = TimeSpan.FromSeconds(60),
            Tls = new System.Net.Security.SslServerAuthenticationOptions { ClientCertificateRequired = false },
        };

        var errors = options.Validate();

        Assert.Contains(errors, static e => e.StartsWith("MaxConnections", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("MaxRequestsInFlightPerConnection", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("IdleTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("ClientCertificateRequired", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("no server certificate", StringComparison.Ordinal));
        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => ModbusTcpServer.StartAsync(options, new RegisterBank()));
        Assert.Contains("MaxConnections", thrown.Message, StringComparison.Ordinal);
    }
}
