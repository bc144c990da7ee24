using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Benchmarks.Modbus;

/// <summary>
/// A Modbus server under test as a child process on a free loopback port: ours (this program
/// with <c>modbus serve</c>) or pymodbus. Ready once it prints its "listening on" line; CPU time
/// read from <c>/proc</c>; disposing kills it by its pid and waits.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private ServerProcess(Process process, int port, string name)
    {
        _process = process;
        Port = port;
        Name = name;
    }

    public int Port { get; }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> and the chosen port last; waits for "listening on".</summary>
    public static async Task<ServerProcess> StartAsync(string name, string fileName, IEnumerable<string> arguments)
    {
        var port = FreeTcpPort();
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var server = new ServerProcess(process, port, name);
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"{name} ({fileName}) exited before it listened (its errors are on stderr above)");
                if (line.Contains("listening on", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }

        // Keep draining its output so a chatty server never blocks on a full pipe.
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        return server;
    }

    /// <summary>CPU time of all its threads, from <c>/proc/PID/task/*/schedstat</c> (nanoseconds).</summary>
    public TimeSpan CpuTime()
    {
        long nanoseconds = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{ProcessId}/task"))
        {
            try
            {
                nanoseconds += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }

        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    /// <summary>Kills the server (this pid only) and waits for it.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
