using System.Text.Json;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;
using Bridge.Testing;

namespace Bridge.Host.Tests.Iec61850;

/// <summary><c>gridcast iec61850 browse</c> and <c>read</c>, run as processes against the test IED server.</summary>
public sealed class Iec61850CommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private TestIedServer _server = null!;

    private string Target => $"127.0.0.1:{_server.EndPoint.Port}";

    public Task InitializeAsync()
    {
        _server = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Browse_Json_PrintsTheModelWithBlocksAndDataSets()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "browse", Target, "--json");
        await using var _ = process;

        Assert.True(code == 0, string.Join('\n', process.StandardError));
        using var json = JsonDocument.Parse(string.Join('\n', process.StandardOutput));
        Assert.Equal(Target, json.RootElement.GetProperty("ied").GetString());
        var device = Assert.Single(json.RootElement.GetProperty("logicalDevices").EnumerateArray());
        Assert.Equal("TestLD", device.GetProperty("name").GetString());
        var nodes = device.GetProperty("logicalNodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!);
        Assert.Equal(["GGIO1", "LLN0", "MMXU1"], nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["TestLD/LLN0.EventsBRCB01[BR]", "TestLD/LLN0.EventsRCB01[RP]", "TestLD/LLN0.MeasRCB01[RP]"],
            nodes["LLN0"].GetProperty("reportControlBlocks").EnumerateArray().Select(b => b.GetProperty("ref").GetString()).Order(StringComparer.Ordinal));
        var totW = nodes["MMXU1"].GetProperty("dataObjects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "TotW");
        var mag = totW.GetProperty("attributes").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "mag");
        Assert.Equal("MX", mag.GetProperty("fc").GetString());
        var f = Assert.Single(mag.GetProperty("components").EnumerateArray());
        Assert.Equal(("f", "FLOAT32", "TestLD/MMXU1.TotW.mag.f[MX]"), (f.GetProperty("name").GetString(), f.GetProperty("type").GetString(), f.GetProperty("ref").GetString()));
        var dataSets = device.GetProperty("dataSets").EnumerateArray().ToDictionary(d => d.GetProperty("ref").GetString()!);
        Assert.Equal(
            ["TestLD/MMXU1.TotW.mag.f[MX]", "TestLD/GGIO1.AnIn1.mag.f[MX]", "TestLD/GGIO1.SetPt1.setMag.f[SP]"],
            dataSets["TestLD/LLN0.Measurements"].GetProperty("members").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Browse_Tree_PrintsNodesAttributesAndTypes()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "browse", Target);
        await using var _ = process;

        Assert.True(code == 0, string.Join('\n', process.StandardError));
        var text = string.Join('\n', process.StandardOutput);
        Assert.True(text.Contains($"IED {Target}", StringComparison.Ordinal), text);
        Assert.True(text.Contains("MMXU1", StringComparison.Ordinal), text);
        Assert.True(text.Contains("q [ST] BIT STRING(13)", StringComparison.Ordinal), text);
        Assert.True(text.Contains("f [MX] FLOAT32", StringComparison.Ordinal), text);
        Assert.True(text.Contains("EventsRCB01 [RP] report control block", StringComparison.Ordinal), text);
        Assert.True(text.Contains("data set TestLD/LLN0.Events", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task Read_Json_PrintsReferenceTypeAndValue()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "read", Target, "TestLD/MMXU1.TotW.mag.f[MX]", "--json");
        await using var _ = process;

        Assert.True(code == 0, string.Join('\n', process.StandardError));
        Assert.Equal(["""{"ref":"TestLD/MMXU1.TotW.mag.f[MX]","type":"floating-point","value":1000}"""], process.StandardOutput);
    }

    [Fact]
    public async Task Read_Text_PrintsOneLine()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "read", Target, "TestLD/GGIO1.SetPt1.setMag.f[SP]");
        await using var _ = process;

        Assert.True(code == 0, string.Join('\n', process.StandardError));
        Assert.Equal(["TestLD/GGIO1.SetPt1.setMag.f[SP] = 50 (floating-point)"], process.StandardOutput);
    }

    [Fact]
    public async Task Read_AttributeTheIedDoesNotHave_FailsNamingTheAccessError()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "read", Target, "TestLD/MMXU9.TotW.mag.f[MX]");
        await using var _ = process;

        Assert.Equal(1, code);
        var error = Assert.Single(process.StandardError);
        Assert.StartsWith("gridcast: ", error, StringComparison.Ordinal);
        Assert.Contains("ObjectNonExistent", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ReferenceWithoutFc_IsAUsageError()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "read", Target, "TestLD/MMXU1.TotW.mag.f");
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Equal("gridcast: 'TestLD/MMXU1.TotW.mag.f' needs its functional constraint: LD/LN.DO.DA[FC], such as [MX] or [ST]", process.StandardError[0]);
    }

    [Fact]
    public async Task Browse_NobodyListening_FailsNamingTheConnectStep()
    {
        var port = _server.EndPoint.Port;
        await _server.DisposeAsync();

        var (code, process) = await GridcastCli.RunAsync(Patience, "iec61850", "browse", $"127.0.0.1:{port}", "--timeout", "5");
        await using var _ = process;

        Assert.Equal(1, code);
        var error = Assert.Single(process.StandardError);
        Assert.StartsWith("gridcast: MMS connect failed: ConnectionFailed", error, StringComparison.Ordinal);
    }
}
