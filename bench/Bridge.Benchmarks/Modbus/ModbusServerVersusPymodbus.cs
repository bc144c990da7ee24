using System.Diagnostics;
using System.Globalization;
using System.Net;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Benchmarks.BrokerFanout;

namespace Bridge.Benchmarks.Modbus;

/// <summary>
/// Requests per second a Modbus TCP server answers with 1 and with 16 requests in flight on one
/// connection: GridCast's <see cref="ModbusTcpServer"/> against a pymodbus 3.0 server, in one
/// run, on the same machine, under the same load (<see cref="ModbusLoad"/>).
/// </summary>
/// <remarks>
/// <para>
/// Both servers run as child processes on free loopback ports, so each one's CPU time per request
/// can be read from <c>/proc</c> apart from the load generator's: ours is this program started
/// again with <c>modbus serve PORT</c> (a handler that answers every read from an array, at once;
/// default server options, so 16 in flight is the per-connection limit), pymodbus is
/// <c>pymodbus_bench_server.py</c> under Debian's <c>/usr/bin/python3</c>. Every request is
/// FC 3 reading 10 holding registers. For each number of requests in flight, each server gets a
/// fresh connection, a warm-up, then the measured interval.
/// </para>
/// <para>Run: <c>dotnet run -c Release --project bench/Bridge.Benchmarks -- modbus [--inflight 1,16] [--seconds 5] [--warmup 1]</c>.</para>
/// </remarks>
public static class ModbusServerVersusPymodbus
{
    private const string Usage = "usage: modbus [--inflight 1,16] [--seconds S] [--warmup S]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "serve")
        {
            return await ServeAsync(args[1..]);
        }

        int[] windows = [1, 16];
        var seconds = 5.0;
        var warmup = 1.0;
        for (var i = 0; i < args.Length - 1; i++)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--inflight":
                    windows = [.. value.Split(',').Select(static v => int.Parse(v, CultureInfo.InvariantCulture))];
                    break;
                case "--seconds":
                    seconds = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--warmup":
                    warmup = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
            }
        }

        if (windows.Any(static w => w is < 1 or > 256) || seconds <= 0 || warmup < 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        if (!await HasPymodbusAsync(python))
        {
            Console.Error.WriteLine($"modbus: {python} cannot import pymodbus: install it with 'apt-get install -y python3-pymodbus'");
            return 1;
        }

        Console.Error.WriteLine($"modbus: load average {LoadAverage()} at start");
        var clock = Stopwatch.StartNew();
        var (self, selfArguments) = Self();
        using var ours = await ServerProcess.StartAsync("GridCast", self, [.. selfArguments, "modbus", "serve"]);
        Console.Error.WriteLine($"modbus: GridCast server pid {ours.ProcessId} on port {ours.Port}");
        using var theirs = await ServerProcess.StartAsync("pymodbus", python, [Path.Combine(AppContext.BaseDirectory, "Modbus", "pymodbus_bench_server.py")]);
        Console.Error.WriteLine($"modbus: pymodbus server pid {theirs.ProcessId} on port {theirs.Port}");

        var results = new List<LoadResult>();
        foreach (var window in windows)
        {
            foreach (var server in new[] { ours, theirs })
            {
                results.Add(await ModbusLoad.RunAsync(server, window, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds)));
            }
        }

        Print(results, seconds, warmup, clock.Elapsed);
        return results.All(static r => r.Wrong == 0 && r.Answered > 0) ? 0 : 1;
    }

    /// <summary>The child: our server on 127.0.0.1:PORT until killed.</summary>
    private static async Task<int> ServeAsync(string[] args)
    {
        var port = int.Parse(args[^1], CultureInfo.InvariantCulture);
        var options = new ModbusServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, port) };
        await using var server = await ModbusTcpServer.StartAsync(options, new FixedRegisters(), StderrLogger.Instance);
        Console.WriteLine($"listening on {server.LocalEndPoint}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    private static (string FileName, string[] Arguments) Self()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("no path of this program");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [typeof(ModbusServerVersusPymodbus).Assembly.Location])
            : (path, []);
    }

    private static async Task<bool> HasPymodbusAsync(string python)
    {
        using var probe = Process.Start(new ProcessStartInfo(python, ["-c", "import pymodbus"]) { UseShellExecute = false });
        if (probe is null)
        {
            return false;
        }

        await probe.WaitForExitAsync();
        return probe.ExitCode == 0;
    }

    private static void Print(List<LoadResult> results, double seconds, double warmup, TimeSpan took)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Modbus TCP servers, FC 3 reading 10 registers on one loopback connection, {seconds} s measured after {warmup} s warm-up per case, {Environment.ProcessorCount} cores, .NET {Environment.Version}, took {took.TotalSeconds:F0} s, load average at end {LoadAverage()}"));
        Console.WriteLine();
        Console.WriteLine("| server | in flight | answered | requests/s | p50 latency (µs) | p99 latency (µs) | server CPU (µs/request) | load generator CPU (µs/request) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Server} | {r.InFlight} | {r.Answered:N0} | {r.RequestsPerSecond:N0} | {r.P50Microseconds:F0} | {r.P99Microseconds:F0} | {r.ServerCpuMicroseconds:F1} | {r.GeneratorCpuMicroseconds:F1} |"));
        }
    }

    private static string LoadAverage()
        => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>Answers every read of holding registers from one array at once; anything else with exception 01.</summary>
    private sealed class FixedRegisters : IModbusRequestHandler
    {
        private readonly ushort[] _values = [.. Enumerable.Range(0, ModbusLimits.MaxReadRegisters).Select(static v => (ushort)v)];

        public ValueTask<ModbusResponse> HandleAsync(ModbusRequestContext context, ModbusRequest request, CancellationToken cancellationToken)
            => ValueTask.FromResult(request.Function == ModbusFunctionCode.ReadHoldingRegisters && request.Read.End <= _values.Length
                ? ModbusResponse.Registers(request, _values.AsSpan(request.Read.Start, request.Read.Count))
                : ModbusResponse.Exception(request, ModbusExceptionCode.IllegalFunction));
    }
}
