using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Benchmarks.Modbus;

/// <summary>What one load run measured.</summary>
internal sealed record LoadResult(
    string Server,
    int InFlight,
    long Answered,
    long Wrong,
    TimeSpan Elapsed,
    double P50Microseconds,
    double P99Microseconds,
    double ServerCpuMicroseconds,
    double GeneratorCpuMicroseconds)
{
    public double RequestsPerSecond => Answered / Elapsed.TotalSeconds;
}

/// <summary>
/// A closed-loop Modbus TCP master on one connection, lean enough not to be what is measured: it
/// keeps exactly W requests in flight (FC 3, 10 holding registers from address 0, unit 1), sends
/// a new one for every answer (all of a read's answers replaced in one send), and checks each
/// answer's transaction id and length. Latency is from a request's send to its answer's arrival.
/// </summary>
internal static class ModbusLoad
{
    private const int Registers = 10;

    public static async Task<LoadResult> RunAsync(ServerProcess server, int inFlight, TimeSpan warmup, TimeSpan measure)
    {
        var label = $"  {server.Name}, {inFlight} in flight";
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        var request = ModbusRequest.ReadHoldingRegisters(0, Registers);
        var frameLength = ModbusTcpFrame.GetRequestSize(request);
        var answerLength = ModbusLimits.MbapHeaderSize + 2 + (2 * Registers);
        var outgoing = new byte[inFlight * frameLength];
        var incoming = new byte[64 * 1024];
        var sentAt = new long[65536];
        var inFlightIds = new bool[65536];
        ushort nextId = 0;
        var latencies = new List<long>(1 << 20);
        var process = Process.GetCurrentProcess();

        int Encode(int count)
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                ModbusTcpFrame.EncodeRequest(nextId, 1, request, outgoing.AsSpan(i * frameLength));
                sentAt[nextId] = now;
                inFlightIds[nextId] = true;
                nextId++;
            }

            return count * frameLength;
        }

        var started = Stopwatch.GetTimestamp();
        long measureFrom = 0;
        long measureTo = 0;
        var cpuBefore = TimeSpan.Zero;
        var generatorBefore = TimeSpan.Zero;
        long answered = 0;
        long wrong = 0;
        var nextReport = TimeSpan.FromSeconds(1);
        await socket.SendAsync(outgoing.AsMemory(0, Encode(inFlight)));
        var filled = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(incoming.AsMemory(filled));
            if (read == 0)
            {
                throw new InvalidOperationException($"{server.Name} closed the connection");
            }

            filled += read;
            var now = Stopwatch.GetTimestamp();
            var elapsed = Stopwatch.GetElapsedTime(started, now);
            if (measureFrom == 0 && elapsed >= warmup)
            {
                measureFrom = now;
                cpuBefore = server.CpuTime();
                process.Refresh();
                generatorBefore = process.TotalProcessorTime;
            }

            var offset = 0;
            var completed = 0;
            ModbusFrameError error;
            while (ModbusTcpFrame.TryRead(incoming.AsSpan(offset, filled - offset), out var header, out error))
            {
                var id = header.TransactionId;
                var fits = header.FrameLength == answerLength && incoming[offset + ModbusLimits.MbapHeaderSize] == (byte)ModbusFunctionCode.ReadHoldingRegisters && inFlightIds[id];
                inFlightIds[id] = false;
                if (measureFrom != 0)
                {
                    if (fits)
                    {
                        answered++;
                        latencies.Add(now - sentAt[id]);
                    }
                    else
                    {
                        wrong++;
                    }
                }

                offset += header.FrameLength;
                completed++;
            }

            if (error != ModbusFrameError.Incomplete)
            {
                throw new InvalidOperationException($"{server.Name} sent a broken frame: {error.Describe()}");
            }

            incoming.AsSpan(offset, filled - offset).CopyTo(incoming);
            filled -= offset;
            if (measureFrom != 0 && Stopwatch.GetElapsedTime(measureFrom, now) >= measure)
            {
                measureTo = now;
                break;
            }

            if (elapsed >= nextReport)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {nextReport.TotalSeconds:F0} s, {answered:N0} answered while measuring"));
                nextReport += TimeSpan.FromSeconds(1);
            }

            if (completed > 0)
            {
                await socket.SendAsync(outgoing.AsMemory(0, Encode(completed)));
            }
        }

        var serverCpu = server.CpuTime() - cpuBefore;
        process.Refresh();
        var generatorCpu = process.TotalProcessorTime - generatorBefore;
        latencies.Sort();
        var toMicroseconds = 1_000_000.0 / Stopwatch.Frequency;
        var result = new LoadResult(
            server.Name,
            inFlight,
            answered,
            wrong,
            Stopwatch.GetElapsedTime(measureFrom, measureTo),
            latencies.Count > 0 ? latencies[latencies.Count / 2] * toMicroseconds : double.NaN,
            latencies.Count > 0 ? latencies[(int)Math.Min(latencies.Count - 1, latencies.Count * 0.99)] * toMicroseconds : double.NaN,
            serverCpu.TotalMicroseconds / Math.Max(1, answered),
            generatorCpu.TotalMicroseconds / Math.Max(1, answered));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {result.RequestsPerSecond:N0} requests/s, p50 {result.P50Microseconds:F0} µs, p99 {result.P99Microseconds:F0} µs, server CPU {result.ServerCpuMicroseconds:F1} µs/request, {wrong} wrong answers"));
        return result;
    }
}
