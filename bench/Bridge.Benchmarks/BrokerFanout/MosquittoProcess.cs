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
/// <remarks>
/// The port is below the kernel's ephemeral range, so no outgoing connection and no other
/// program's "any free port" bind can take it between the check and mosquitto's own bind; and
/// the broker counts as started only once mosquitto itself holds the listening socket, not when
/// anything at all accepts on the port (a listener of another program would otherwise pass for
/// the broker and leave the bridge waiting for an MQTT answer that never comes).
/// </remarks>
internal sealed class MosquittoProcess : IDisposable
{
    private const string DebianPath = "/usr/sbin/mosquitto";
    private const int LowestPort = 20000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

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
        while (!(await broker.AcceptsAsync() && broker.OwnsListener()))
        {
            if (process.HasExited || clock.Elapsed > StartTimeout)
            {
                var why = process.HasExited
                    ? $"it exited with code {process.ExitCode} (its errors are on stderr above)"
                    : $"it did not listen there within {StartTimeout.TotalSeconds:F0} s{(broker.ListenerInode() is { } inode ? $"; another process holds the listening socket (inode {inode})" : string.Empty)}";
                broker.Dispose();
                throw new InvalidOperationException($"mosquitto did not start on 127.0.0.1:{port}: {why}");
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
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether the socket listening on 127.0.0.1:<see cref="Port"/> is one of mosquitto's open files.</summary>
    private bool OwnsListener()
    {
        var socket = ListenerInode() is { } inode ? $"socket:[{inode}]" : null;
        return socket is not null && !_process.HasExited
            && Directory.EnumerateFileSystemEntries($"/proc/{ProcessId}/fd").Any(fd => new FileInfo(fd).LinkTarget == socket);
    }

    /// <summary>
    /// The inode of the socket listening on 127.0.0.1:<see cref="Port"/>, from <c>/proc/net/tcp</c>
    /// (local address as little-endian hex <c>0100007F:PORT</c>, state <c>0A</c> = LISTEN, inode in the tenth field).
    /// </summary>
    private string? ListenerInode()
    {
        var local = "0100007F:" + Port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length > 9 && f[1] == local && f[3] == "0A")?[9];
    }

    /// <summary>A TCP port on loopback below the ephemeral range that nothing is bound to now.</summary>
    private static int FreeTcpPort()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
        var lowest = Math.Min(LowestPort, ephemeralLow / 2);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(lowest, ephemeralLow);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }

        throw new InvalidOperationException($"no free TCP port between {lowest} and {ephemeralLow} on 127.0.0.1 after 100 tries");
    }
}
