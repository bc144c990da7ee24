using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.Lab;

/// <summary><c>gridcast lab</c> run as a separate process, as a user runs it.</summary>
public sealed class LabCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private static readonly string[] SchemeFields =
        ["scheme", "delayMeanMs", "delayMedianMs", "delayP95Ms", "delayCi95Ms", "linkStressMean", "linkStressSd", "linkStressCi95", "linkStressMax", "linksUsed", "senderCopies", "headEndMessagesPerRound"];

    [Fact]
    public async Task Lab_DeJson_PrintsEachSchemesFieldsAndThePapersFigures()
    {
        var root = await RunJsonAsync("lab", "de", "--runs", "1", "--json");

        Assert.Equal("DE", root.GetProperty("setup").GetString());
        Assert.Equal(30, root.GetProperty("nodes").GetInt32());
        Assert.Equal(15, root.GetProperty("sites").GetInt32());
        var schemes = root.GetProperty("schemes").EnumerateArray().ToList();
        Assert.Equal(["unicast", "hybrid-hg", "hybrid-pg"], schemes.Select(s => s.GetProperty("scheme").GetString()));
        Assert.All(schemes, s => Assert.Equal(SchemeFields, s.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(30, schemes[0].GetProperty("senderCopies").GetDouble());
        Assert.Equal(30, schemes[0].GetProperty("linkStressMax").GetInt32());
        Assert.All(schemes.Skip(1), s => Assert.Equal(1, s.GetProperty("senderCopies").GetDouble()));
        Assert.Equal(30, schemes[0].GetProperty("headEndMessagesPerRound").GetDouble());
        Assert.Equal(1, schemes[1].GetProperty("headEndMessagesPerRound").GetDouble());
        Assert.All(schemes.Skip(1), s => Assert.True(s.GetProperty("delayMeanMs").GetDouble() >= schemes[0].GetProperty("delayMeanMs").GetDouble()));
        Assert.Equal(10, root.GetProperty("paper").GetProperty("hybridAddedDelayMs").GetDouble());
        Assert.Empty(root.GetProperty("plots").EnumerateArray());
        Assert.Equal(2, root.GetProperty("overlayNeighbours").GetInt32());
    }

    [Fact]
    public async Task Lab_NoNeighbours_PeersAlongTheSpanningTreeOnly()
    {
        var root = await RunJsonAsync("lab", "de", "--runs", "1", "--neighbours", "0", "--json");

        Assert.Equal(0, root.GetProperty("overlayNeighbours").GetInt32());
        Assert.All(root.GetProperty("schemes").EnumerateArray().Skip(1), s => Assert.Equal(1, s.GetProperty("senderCopies").GetDouble()));
    }

    [Fact]
    public async Task Lab_SameSeedTwice_PrintsTheSameJson()
    {
        var first = await RunJsonAsync("lab", "eu", "--runs", "1", "--seed", "4", "--json");
        var again = await RunJsonAsync("lab", "eu", "--runs", "1", "--seed", "4", "--json");

        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(4, first.GetProperty("firstSeed").GetInt32());
    }

    [Fact]
    public async Task Lab_EuWithOut_WritesNonEmptyPngPlots()
    {
        using var directory = new TempDirectory();
        var target = directory.Combine("plots");

        var root = await RunJsonAsync("lab", "eu", "--runs", "1", "--seed", "2", "--out", target, "--json");

        var plots = root.GetProperty("plots").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Equal(["eu-delay-cdf.png", "eu-link-stress.png"], plots.Select(Path.GetFileName));
        foreach (var plot in plots)
        {
            Assert.StartsWith(target, plot, StringComparison.Ordinal);
            var bytes = await File.ReadAllBytesAsync(plot);
            Assert.True(bytes.Length > 1000, $"{plot}: {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    [Fact]
    public async Task Lab_ForPeople_PrintsTheTableAndThePapersFigures()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "lab", "de", "--runs", "1");
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var text = string.Join('\n', process.StandardOutput);
        Assert.Contains("unicast", text, StringComparison.Ordinal);
        Assert.Contains("hybrid-hg", text, StringComparison.Ordinal);
        Assert.Contains("hybrid-pg", text, StringComparison.Ordinal);
        Assert.Contains("paper: unicast link stress about 3 (sd 5", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_SweepJson_OnePointPerSchemeAndCount()
    {
        var root = await RunJsonAsync("lab", "sweep", "--devices", "60,90", "--json");

        var points = root.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(6, points.Count);
        Assert.Equal([60, 60, 60, 90, 90, 90], points.Select(p => p.GetProperty("devices").GetInt32()));
        Assert.Equal(["unicast", "hybrid-pg", "hybrid-hg"], points.Take(3).Select(p => p.GetProperty("scheme").GetString()));
        Assert.Equal(90, points[3].GetProperty("senderCopies").GetInt32());
        Assert.All(points.Where(p => p.GetProperty("scheme").GetString() != "unicast"), p => Assert.Equal(1, p.GetProperty("senderCopies").GetInt32()));
        Assert.All(points, p => Assert.True(p.GetProperty("busiestLinkBytes").GetInt64() > 0));
        Assert.Equal([60, 3, 1], points.Take(3).Select(p => p.GetProperty("headEndMessagesPerRound").GetInt64()));
    }

    [Theory]
    [InlineData(new[] { "lab", "mars" }, "unknown setup 'mars': choose de, eu or sweep")]
    [InlineData(new[] { "lab", "sweep", "--out", "/tmp/x" }, "--out: the sweep writes no plots")]
    [InlineData(new[] { "lab", "sweep", "--devices", "100,7" }, "--devices: '7' is not a whole number of at least 30")]
    [InlineData(new[] { "lab", "de", "--runs", "0" }, "--runs")]
    public async Task Lab_WrongCommandLine_ExitsTwoWithAClearError(string[] arguments, string expected)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        await using var _ = process;

        Assert.True(code == 2, process.Transcript());
        Assert.Contains(expected, string.Join('\n', process.StandardError), StringComparison.Ordinal);
        Assert.Empty(process.StandardOutput);
    }

    private static async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
        using var document = JsonDocument.Parse(string.Join('\n', process.StandardOutput));
        return document.RootElement.Clone();
    }
}
