using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>
/// A real Mosquitto as a child process on a free loopback port (anonymous, no persistence, its
/// config in a fresh temp directory, its errors and warnings on this process's stderr), with the readings the fan-out harness takes from
/// <c>/proc</c>: CPU time and bytes written. Disposing kills this process by its pid and waits.
/// </summary>
internal sealed class MosquittoProcess : IDisposable
{
    private const string DebianPath = "/usr/sbin/mosquitto";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string _directory;

    private MosquittoProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The broker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts mosquitto and returns once it accepts a TCP connection.</summary>
    public static async Task<MosquittoProcess> StartAsync()
    {
        var executable = File.Exists(DebianPath) ? DebianPath : "mosquitto";
        var directory = Directory.CreateTempSubdirectory("gridcast-fanout-").FullName;
        var port = FreeTcpPort();
        var config = Path.Combine(directory, "mosquitto.conf");
        // Defaults otherwise: max_inflight_messages 20 and max_queued_messages 1000 per client.
        await File.WriteAllTextAsync(config, string.Join('\n',
            $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "max_connections -1",
            // Not a file in the directory: running as root, mosquitto drops to its own user first.
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            string.Empty));
        var start = new ProcessStartInfo(executable) { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var broker = new MosquittoProcess(process, directory, port);
        var clock = Stopwatch.StartNew();
        while (!await broker.AcceptsAsync())
        {
            if (process.HasExited || clock.Elapsed > StartTimeout)
            {
                broker.Dispose();
                throw new InvalidOperationException($"mosquitto did not start on 127.0.0.1:{port} (its errors are on stderr above)");
            }

            await Task.Delay(20);
        }

        return broker;
    }

    /// <summary>
    /// CPU time of all the broker's threads, from <c>/proc/PID/task/*/schedstat</c> (nanoseconds;
    /// <c>/proc/PID/stat</c> counts in 10 ms ticks, too coarse for a few thousand messages).
    /// </summary>
    public TimeSpan CpuTime()
    {
        long nanoseconds = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{ProcessId}/task"))
        {
            var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
            nanoseconds += long.Parse(fields[0], CultureInfo.InvariantCulture);
        }

        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    /// <summary>Bytes the broker handed to <c>write</c>/<c>send</c> so far (<c>wchar</c> of <c>/proc/PID/io</c>): what it put on its sockets.</summary>
    public long BytesWritten()
    {
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no wchar in /proc/{ProcessId}/io");
    }

    /// <summary>Kills the broker (this pid only), waits for it and deletes its directory.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<bool> AcceptsAsync()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
