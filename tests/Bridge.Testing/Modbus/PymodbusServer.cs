using System.Globalization;
using System.Net;
using Bridge.Testing.Namespaces;

namespace Bridge.Testing.Modbus;

/// <summary>
/// A real pymodbus 3.0 TCP server (Debian's python3-pymodbus) as a child process, running
/// Modbus/pymodbus_server.py: units 1 and 2 with known contents (see the script). It listens on
/// 127.0.0.1, of this host or of a namespace host (a device beside the node that reads it).
/// </summary>
public sealed class PymodbusServer : IAsyncDisposable
{
    private const string Purpose = "the Modbus tests against a real device (a pymodbus server)";
    private static readonly Lazy<Task<string>> Python = new(FindPythonWithPymodbusAsync);
    private readonly ExternalProcess _process;

    private PymodbusServer(ExternalProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public ExternalProcess Process => _process;

    /// <summary>Holding register <paramref name="address"/> of <paramref name="unit"/> as the script fills it.</summary>
    public static ushort Holding(int unit, int address) => (ushort)((1000 * unit) + address);

    public static ushort Input(int unit, int address) => (ushort)((2000 * unit) + address);

    public static bool Coil(int address) => address % 3 == 0;

    public static bool DiscreteInput(int address) => address % 2 == 1;

    /// <summary>
    /// Starts the server on <paramref name="port"/> (a free one when null) and waits until it
    /// listens: on this host, or inside <paramref name="host"/> (whose loopback is its own, so
    /// any port will do there).
    /// </summary>
    public static async Task<PymodbusServer> StartAsync(int? port = null, NamespaceHost? host = null)
    {
        var python = await Python.Value;
        var chosen = port ?? FreePorts.Tcp();
        var script = Path.Combine(AppContext.BaseDirectory, "Modbus", "pymodbus_server.py");
        string[] arguments = [script, chosen.ToString(CultureInfo.InvariantCulture)];
        var process = host is null ? ExternalProcess.Start(python, arguments) : host.Start(python, arguments);
        try
        {
            await process.WaitForLineAsync(static line => line.StartsWith("pymodbus listening", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new PymodbusServer(process, chosen);
    }

    /// <summary>Kills the server (SIGKILL: a device that dies) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        _process.Kill("KILL");
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<string> FindPythonWithPymodbusAsync()
    {
        var python = Prerequisites.Python3(Purpose);

        // The script imports pymodbus.server, not just pymodbus: Debian's pymodbus 3.0 server
        // imports serial and serial_asyncio at load time, while its package only recommends it.
        await using var probe = ExternalProcess.Start(python, ["-c", "import pymodbus.server"]);
        if (await probe.WaitForExitAsync(TimeSpan.FromSeconds(60)) != 0)
        {
            var reason = probe.StandardError.LastOrDefault(static line => line.Length > 0) ?? "the import failed";
            throw new MissingPrerequisiteException(
                $"{Purpose}: {python} cannot import pymodbus.server ({reason}): install it with 'apt-get install -y python3-pymodbus python3-serial-asyncio' (scripts/test.sh does)");
        }

        return python;
    }
}
