using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.Demo;

/// <summary><c>gridcast demo</c> run as a separate process, as a user runs it.</summary>
public sealed class DemoCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Demo_DefaultHundredDevicesJson_EveryDeviceGetsTheUpdateFromOneSenderCopy()
    {
        var group = FreePorts.UniqueIPv4Group();

        var (code, process) = await GridcastCli.RunAsync(Patience, "demo", "--json", "--group", group);
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var line = Assert.Single(process.StandardOutput);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal(100, root.GetProperty("devices").GetInt32());
        Assert.Equal(100, root.GetProperty("delivered").GetInt32());
        Assert.Equal(1, root.GetProperty("senderCopies").GetInt64());
        Assert.InRange(root.GetProperty("elapsedMs").GetDouble(), 0.001, 60_000);
        Assert.Equal(group, root.GetProperty("group").GetString());
        Assert.False(root.GetProperty("timedOut").GetBoolean());
    }

    [Fact]
    public async Task Demo_ForPeople_PrintsSummaryTable()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "demo", "--devices", "25", "--group", FreePorts.UniqueIPv4Group());
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var output = string.Join('\n', process.StandardOutput);
        Assert.Contains("sender copies sent", output, StringComparison.Ordinal);
        var row = Assert.Single(process.StandardOutput, l => l.Contains("25", StringComparison.Ordinal) && l.Contains("ms", StringComparison.Ordinal));
        var cells = row.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["25", "25", "1"], cells[..3]);
    }

    [Theory]
    [InlineData("--devices", "0", "--devices must be at least 1")]
    [InlineData("--interface", "nosuch0", "'nosuch0'")]
    [InlineData("--group", "ham:ip:10.1.2.3:5000", "'10.1.2.3'")]
    public async Task Demo_BadOption_ExitsWithUsageErrorNamingIt(string option, string value, string expected)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "demo", option, value);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Contains(process.StandardError, l => l.Contains(expected, StringComparison.Ordinal));
    }
}
