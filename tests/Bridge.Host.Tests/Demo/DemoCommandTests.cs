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
        Assert.Equal(4, root.GetProperty("domains").GetInt32());
        Assert.Equal(100, root.GetProperty("delivered").GetInt32());
        Assert.Equal(1, root.GetProperty("senderCopies").GetInt64());
        Assert.InRange(root.GetProperty("elapsedMs").GetDouble(), 0.001, 60_000);
        Assert.Equal(group, root.GetProperty("group").GetString());
        Assert.False(root.GetProperty("timedOut").GetBoolean());
        Assert.Equal(1000, root.GetProperty("deadlineMs").GetDouble());
    }

    [Theory]
    [InlineData(100, 4)]
    [InlineData(30, 6)]
    public async Task Demo_MeterReadingRound_HeadEndGetsTheExactAggregateOfEveryDomainFromFewMessages(int devices, int domains)
    {
        var (code, process) = await GridcastCli.RunAsync(
            Patience, "demo", "--json", "--devices", Text(devices), "--domains", Text(domains), "--group", FreePorts.UniqueIPv4Group());
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var aggregate = JsonDocument.Parse(Assert.Single(process.StandardOutput)).RootElement.GetProperty("aggregate");
        // Device i reads 100 + i/2 kWh (exact in binary, so the sum is exact too).
        var readings = Enumerable.Range(0, devices).Select(i => 100 + (0.5 * i)).ToList();
        Assert.Equal((ulong)devices, aggregate.GetProperty("count").GetUInt64());
        Assert.Equal(readings.Sum(), aggregate.GetProperty("sum").GetDouble());
        Assert.Equal(readings.Sum(), aggregate.GetProperty("expectedSum").GetDouble());
        Assert.Equal(readings.Sum() / devices, aggregate.GetProperty("mean").GetDouble());
        Assert.Equal(readings.Min(), aggregate.GetProperty("min").GetDouble());
        Assert.Equal(readings.Max(), aggregate.GetProperty("max").GetDouble());
        Assert.Equal(0UL, aggregate.GetProperty("missing").GetUInt64());
        Assert.Equal(0U, aggregate.GetProperty("missingSubtrees").GetUInt32());

        // The head-end hears its own domain's devices (every D-th, from the first) and one
        // partial from its domain's gateway, which merged the other gateways' partials; never a
        // reply from another domain. Every gateway sent one partial.
        var ownDomain = (devices + domains - 1) / domains;
        Assert.Equal(ownDomain, aggregate.GetProperty("repliesFromOwnDomain").GetInt64());
        var headEnd = aggregate.GetProperty("headEndMessages").GetInt64();
        Assert.Equal(ownDomain + 1, headEnd);
        Assert.True(headEnd < devices, $"{headEnd} messages reached the head-end for {devices} devices");
        Assert.Equal(domains, aggregate.GetProperty("gatewayPartials").GetInt64());
    }

    [Fact]
    public async Task Demo_OneDomain_EveryReadingComesStraightToTheHeadEnd()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "demo", "--json", "--devices", "12", "--domains", "1", "--group", FreePorts.UniqueIPv4Group());
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var root = JsonDocument.Parse(Assert.Single(process.StandardOutput)).RootElement;
        Assert.Equal(12, root.GetProperty("delivered").GetInt32());
        var aggregate = root.GetProperty("aggregate");
        Assert.Equal(12UL, aggregate.GetProperty("count").GetUInt64());
        Assert.Equal(12, aggregate.GetProperty("headEndMessages").GetInt64());
        Assert.Equal(0, aggregate.GetProperty("gatewayPartials").GetInt64());
    }

    [Fact]
    public async Task Demo_ForPeople_PrintsSummaryTables()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "demo", "--devices", "25", "--domains", "3", "--group", FreePorts.UniqueIPv4Group());
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var output = string.Join('\n', process.StandardOutput);
        Assert.Contains("head-end copies sent", output, StringComparison.Ordinal);
        Assert.Contains("head-end messages", output, StringComparison.Ordinal);
        var row = Assert.Single(process.StandardOutput, l => l.StartsWith("│ 25 ", StringComparison.Ordinal));
        var cells = row.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["25", "25", "1", "3"], cells[..4]);
        var count = Assert.Single(process.StandardOutput, l => l.Contains("readings aggregated (count)", StringComparison.Ordinal));
        Assert.Equal("25", count.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[1]);
    }

    [Theory]
    [InlineData("--devices", "0", "--devices must be at least 1")]
    [InlineData("--domains", "0", "--domains must be from 1 to 64, not 0")]
    [InlineData("--domains", "65", "--domains must be from 1 to 64, not 65")]
    [InlineData("--deadline", "0s", "--deadline must be whole milliseconds from 1ms to 1h")]
    [InlineData("--group", "ham:ip:10.1.2.3:5000", "'10.1.2.3'")]
    public async Task Demo_BadOption_ExitsWithUsageErrorNamingIt(string option, string value, string expected)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "demo", option, value);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Contains(process.StandardError, l => l.Contains(expected, StringComparison.Ordinal));
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
