using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Testing.Modbus;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Modbus.Tests.Peers;

/// <summary>Our client against a real device: a pymodbus 3.0 server (Bridge.Testing, Modbus/pymodbus_server.py).</summary>
public class PymodbusClientTests
{
    private static ModbusClientOptions For(PymodbusServer server, int inFlight = 1) => new()
    {
        Server = server.EndPoint,
        MaxRequestsInFlight = inFlight,
        RequestTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task EveryFunctionCode_ReadsWhatTheDeviceHoldsAndWritesWhatItKeeps()
    {
        await using var device = await PymodbusServer.StartAsync();
        await using var client = new ModbusTcpClient(For(device));

        var coils = await client.ReadCoilsAsync(1, 0, 10);
        var inputs = await client.ReadDiscreteInputsAsync(1, 5, 4);
        var holding = await client.ReadHoldingRegistersAsync(2, 10, 3);
        var input = await client.ReadInputRegistersAsync(1, 98, 2);
        await client.WriteSingleCoilAsync(1, 1, true);
        await client.WriteSingleRegisterAsync(1, 3, 0xCAFE);
        await client.WriteMultipleCoilsAsync(1, 40, [false, false, true, true, false, true, false, true, true, true]);
        await client.WriteMultipleRegistersAsync(2, 50, [7, 8, 9]);
        var readWrite = await client.ReadWriteMultipleRegistersAsync(1, 60, 4, 61, [111, 222]);
        var coilsAfter = await client.ReadCoilsAsync(1, 0, 2);
        var writtenCoils = await client.ReadCoilsAsync(1, 40, 10);
        var registersAfter = await client.ReadHoldingRegistersAsync(1, 3, 1);
        var otherUnitAfter = await client.ReadHoldingRegistersAsync(2, 50, 3);

        Assert.Equal(Enumerable.Range(0, 10).Select(PymodbusServer.Coil), coils);
        Assert.Equal(Enumerable.Range(5, 4).Select(PymodbusServer.DiscreteInput), inputs);
        Assert.Equal([2010, 2011, 2012], holding);
        Assert.Equal([2098, 2099], input);
        Assert.Equal([true, true], coilsAfter);
        Assert.Equal([false, false, true, true, false, true, false, true, true, true], writtenCoils);
        Assert.Equal([0xCAFE], registersAfter);
        Assert.Equal([7, 8, 9], otherUnitAfter);
        Assert.Equal([1060, 111, 222, 1063], readWrite);
        Assert.Equal(13, client.Counters.Succeeded);
    }

    [Fact]
    public async Task DeviceAnswersExceptions_EachReportedWithItsCode()
    {
        await using var device = await PymodbusServer.StartAsync();
        await using var client = new ModbusTcpClient(For(device));

        var outside = await Assert.ThrowsAsync<ModbusClientException>(() => client.ReadInputRegistersAsync(1, 95, 10));
        var broken = await Assert.ThrowsAsync<ModbusClientException>(() => client.ReadHoldingRegistersAsync(1, 98, 2));
        var writeOutside = await Assert.ThrowsAsync<ModbusClientException>(() => client.WriteSingleRegisterAsync(2, 100, 1));
        var stillFine = await client.ReadHoldingRegistersAsync(1, 0, 1);

        Assert.Equal((ModbusFailure.ExceptionResponse, ModbusExceptionCode.IllegalDataAddress), (outside.Failure, outside.ExceptionCode));
        Assert.Equal((ModbusFailure.ExceptionResponse, ModbusExceptionCode.ServerDeviceFailure), (broken.Failure, broken.ExceptionCode));
        Assert.Equal((ModbusFailure.ExceptionResponse, ModbusExceptionCode.IllegalDataAddress), (writeOutside.Failure, writeOutside.ExceptionCode));
        Assert.Equal([1000], stillFine);
        Assert.Equal(3, client.Counters.Failures(ModbusFailure.ExceptionResponse));
    }

    [Fact]
    public async Task UnitTheDeviceDoesNotHave_NoAnswer_Timeout()
    {
        await using var device = await PymodbusServer.StartAsync();
        await using var client = new ModbusTcpClient(For(device));

        // pymodbus drops frames for units it lacks: the request can only time out.
        var failure = await Assert.ThrowsAsync<ModbusClientException>(
            () => client.SendAsync(9, ModbusRequest.ReadHoldingRegisters(0, 1), timeout: TimeSpan.FromSeconds(1)));
        var served = await client.ReadHoldingRegistersAsync(1, 1, 1);

        Assert.Equal(ModbusFailure.Timeout, failure.Failure);
        Assert.Equal(9, failure.UnitId);
        Assert.Equal([1001], served);
    }

    [Fact]
    public async Task ManyRequestsInFlight_EveryAnswerMatchesItsRequest()
    {
        await using var device = await PymodbusServer.StartAsync();
        await using var client = new ModbusTcpClient(For(device, inFlight: 16));

        var reads = Enumerable.Range(0, 200).Select(async i =>
        {
            var unit = (byte)(1 + (i % 2));
            var address = (ushort)((i * 7) % 100);
            var value = (await client.ReadInputRegistersAsync(unit, address, 1))[0];
            return value == PymodbusServer.Input(unit, address);
        });
        var results = await Task.WhenAll(reads);

        Assert.All(results, Assert.True);
        Assert.Equal(1, client.Counters.Connects);
        Assert.Equal(0, client.Counters.UnmatchedResponses);
    }

    [Fact]
    public async Task DeviceDiesAndComesBack_CallsFailWithoutHammering_ThenTheClientReconnects()
    {
        var time = new FakeTimeProvider();
        var device = await PymodbusServer.StartAsync();
        var options = For(device) with { ReconnectDelay = TimeSpan.FromSeconds(5), MaxReconnectDelay = TimeSpan.FromSeconds(60) };
        await using var client = new ModbusTcpClient(options, time: time);
        try
        {
            Assert.Equal([1000], await client.ReadHoldingRegistersAsync(1, 0, 1));
            await device.StopAsync();

            // The first calls find the connection gone or the port closed; then the back-off holds.
            var seen = new List<ModbusFailure>();
            while (!seen.Contains(ModbusFailure.NotConnected))
            {
                Assert.True(seen.Count < 3, $"no back-off after {string.Join(", ", seen)}");
                seen.Add((await Assert.ThrowsAsync<ModbusClientException>(() => client.ReadHoldingRegistersAsync(1, 0, 1))).Failure);
            }

            Assert.All(seen, static f => Assert.Contains(f, new[] { ModbusFailure.ConnectionLost, ModbusFailure.ConnectFailed, ModbusFailure.NotConnected }));
            Assert.Contains(ModbusFailure.ConnectFailed, seen);

            await device.DisposeAsync();
            device = await PymodbusServer.StartAsync(device.Port);
            var stillBackingOff = await Assert.ThrowsAsync<ModbusClientException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
            time.Advance(TimeSpan.FromSeconds(5));
            var afterRestart = await client.ReadHoldingRegistersAsync(1, 0, 1);

            Assert.Equal(ModbusFailure.NotConnected, stillBackingOff.Failure);
            Assert.Equal([1000], afterRestart);
            Assert.Equal(2, client.Counters.Connects);
        }
        finally
        {
            await device.DisposeAsync();
        }
    }
}
