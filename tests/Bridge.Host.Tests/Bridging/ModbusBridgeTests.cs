using System.Globalization;
using System.Text.Json;
using Bridge.Host.Tests.Configuration;
using Bridge.Testing;

namespace Bridge.Host.Tests.Bridging;

/// <summary><c>gridcast run --config</c> with a Modbus side, mbpoll (libmodbus) as the head-end's master.</summary>
public sealed class ModbusBridgeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConfigurationFiles _files = new();
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13];

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_MasterWritesHoldingRegister_GroupGetsTheScaledValueAndUnknownReadGetsException0B()
    {
        var port = FreePorts.Tcp();
        var path = _files.Write("edge-modbus.yaml", $"""
            node:
              id: edge-modbus
            groups:
              setpoints:
                uri: ham:sg:{_prefix}.setpoints
            bridge:
              modbus:
                listen: 127.0.0.1:{port}
                units: [1]
              rules:
                - name: setpoints
                  modbus: unit=1 holding=100-103 type=u16 scale=0.1
                  group: setpoints
                  direction: to-group
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
        await using var sub = GridcastCli.Start("sub", $"ham:sg:{_prefix}.setpoints", "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        var (written, write) = await MbpollAsync(port, "-r", "101", "127.0.0.1", "235");
        Assert.True(written == 0, write.Transcript() + node.Transcript());
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + node.Transcript());
        Assert.Equal(
            """{"unit":1,"table":"holding","address":101,"values":[23.5]}""",
            JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement.GetProperty("payload").GetString());

        var (unknown, read) = await MbpollAsync(port, "-r", "102", "-c", "1", "-1");
        Assert.NotEqual(0, unknown);
        Assert.Contains("Target device failed to respond", read.Transcript(), StringComparison.OrdinalIgnoreCase);
    }

    // Holding registers of unit 1, zero-based addresses; the host goes last unless the arguments name it (before the values to write).
    private static async Task<(int ExitCode, ExternalProcess Process)> MbpollAsync(int port, params string[] arguments)
    {
        var mbpoll = Prerequisites.Command("mbpoll", "mbpoll", "the Modbus bridge test with a real master (mbpoll)");
        string[] common = ["-m", "tcp", "-p", port.ToString(CultureInfo.InvariantCulture), "-0", "-o", "10", "-a", "1", "-t", "4"];
        var all = arguments.Contains("127.0.0.1") ? [.. common, .. arguments] : common.Concat(arguments).Append("127.0.0.1").ToArray();
        var process = ExternalProcess.Start(mbpoll, all);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
        await process.DisposeAsync();
        return (exitCode, process);
    }
}
