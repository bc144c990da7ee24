using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.Tools;

/// <summary><c>gridcast uri</c> run as a separate process, as a user runs it.</summary>
public sealed class UriCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly string[] Fields =
        ["canonical", "namespace", "group", "instantiation", "port", "secCredentials", "ipv4", "ipv6", "source", "wireName"];

    [Fact]
    public async Task Uri_SmartGridNameJson_PrintsPartsAndHashedAddresses()
    {
        var root = await RunJsonAsync("ham:sg:ami.tariff.rtp");

        Assert.Equal(Fields, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ham:sg:ami.tariff.rtp", root.GetProperty("canonical").GetString());
        Assert.Equal("sg", root.GetProperty("namespace").GetString());
        Assert.Equal("ami.tariff.rtp", root.GetProperty("group").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("instantiation").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("port").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("secCredentials").ValueKind);
        Assert.Equal("239.194.11.244:5000", root.GetProperty("ipv4").GetString());
        Assert.Equal("[ff18::86ff:b06d]:5000", root.GetProperty("ipv6").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("source").ValueKind);
        Assert.Equal("ham:sg:ami.tariff.rtp", root.GetProperty("wireName").GetString());
    }

    [Fact]
    public async Task Uri_LegacySourceSpecificNameJson_IsNormalisedWithTheSource()
    {
        var root = await RunJsonAsync("IP://232.1.2.3@10.0.0.1:05000");

        Assert.Equal("ham:ip:232.1.2.3@10.0.0.1:5000", root.GetProperty("canonical").GetString());
        Assert.Equal("ip", root.GetProperty("namespace").GetString());
        Assert.Equal("232.1.2.3", root.GetProperty("group").GetString());
        Assert.Equal("10.0.0.1", root.GetProperty("instantiation").GetString());
        Assert.Equal(5000, root.GetProperty("port").GetInt32());
        Assert.Equal("232.1.2.3:5000", root.GetProperty("ipv4").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ipv6").ValueKind);
        Assert.Equal("10.0.0.1", root.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Uri_IPv6NameWithCredentialsJson_KeepsThemOutOfTheWireName()
    {
        var root = await RunJsonAsync("ham:IP:[FF3E::8000:1]@[2001:DB8::7]:6000/hmac-sha256;c2VjcmV0");

        Assert.Equal("ham:ip:[ff3e::8000:1]@[2001:db8::7]:6000/hmac-sha256;c2VjcmV0", root.GetProperty("canonical").GetString());
        Assert.Equal("[ff3e::8000:1]", root.GetProperty("group").GetString());
        Assert.Equal("[2001:db8::7]", root.GetProperty("instantiation").GetString());
        Assert.Equal(6000, root.GetProperty("port").GetInt32());
        Assert.Equal("hmac-sha256;c2VjcmV0", root.GetProperty("secCredentials").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ipv4").ValueKind);
        Assert.Equal("[ff3e::8000:1]:6000", root.GetProperty("ipv6").GetString());
        Assert.Equal("2001:db8::7", root.GetProperty("source").GetString());
        Assert.Equal("ham:ip:[ff3e::8000:1]@[2001:db8::7]:6000", root.GetProperty("wireName").GetString());
    }

    [Fact]
    public async Task Uri_ForPeople_PrintsPartsAndAddressTables()
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "uri", "sg://AMI.Tariff.RTP:6000");
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        Assert.Equal(["canonical", "ham:sg:ami.tariff.rtp:6000"], Row(process, "canonical"));
        Assert.Equal(["group", "ami.tariff.rtp"], Row(process, "group"));
        Assert.Equal(["port", "6000"], Row(process, "port"));
        Assert.Equal(["IPv4", "239.194.11.244:6000", "hashed into 239.192.0.0/14"], Row(process, "IPv4"));
        Assert.Equal(["IPv6", "[ff18::86ff:b06d]:6000", "hashed into ff18::8000:0/98"], Row(process, "IPv6"));
        Assert.Equal(["source", "any"], Row(process, "source"));
    }

    [Theory]
    [InlineData("ham:ip:239.1.2.3:70000", "port '70000' in 'ham:ip:239.1.2.3:70000'")]
    [InlineData("ham:foo:x", "namespace 'foo'")]
    [InlineData("ham:sg:ami#tariff", "holds '#'")]
    [InlineData("ham:ip:232.1.2.3@[2001:db8::1]", "instantiation '[2001:db8::1]'")]
    [InlineData("ham:sg:x/alg;Top Secret", "sec-credentials in 'ham:sg:x/***'")]
    public async Task Uri_BadName_ExitsWithUsageErrorNamingThePart(string text, string expected)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "uri", text, "--json");
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Empty(process.StandardOutput);
        Assert.Contains(process.StandardError, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(process.StandardError, l => l.Contains("Secret", StringComparison.Ordinal));
    }

    private static async Task<JsonElement> RunJsonAsync(string name)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, "uri", name, "--json");
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        var line = Assert.Single(process.StandardOutput);
        using var json = JsonDocument.Parse(line);
        return json.RootElement.Clone();
    }

    /// <summary>The cells of the one table row whose first cell is <paramref name="first"/>.</summary>
    private static string[] Row(ExternalProcess process, string first)
    {
        var rows = process.StandardOutput
            .Select(l => l.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length > 1 && cells[0] == first)
            .ToList();
        return Assert.Single(rows).Where(c => c.Length > 0).ToArray();
    }
}
