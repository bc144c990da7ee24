using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.Tools;

/// <summary><c>gridcast pub</c> and <c>gridcast sub</c> in two separate processes.</summary>
public sealed class PubSubCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PubSub_ThreeMessages_SubPrintsEachAsJsonAndExitsZero()
    {
        var group = FreePorts.UniqueIPv4Group();
        await using var sub = GridcastCli.Start("sub", group, "--count", "3", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        var before = DateTimeOffset.UtcNow;
        var (pubCode, pub) = await GridcastCli.RunAsync(Patience, "pub", group, "load shed: class B, 15 min", "--repeat", "3");
        await using var _ = pub;

        Assert.True(pubCode == 0, pub.Transcript());
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
        var after = DateTimeOffset.UtcNow;
        var messages = sub.StandardOutput.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal(group, m.GetProperty("group").GetString());
            Assert.Equal("load shed: class B, 15 min", m.GetProperty("payload").GetString());
        });
        Assert.Equal([1UL, 2UL, 3UL], messages.Select(m => m.GetProperty("sequence").GetUInt64()));
        // One machine, one clock: each was sent after the test started pub, received after it was
        // sent, and received before the test saw sub exit, in the order sub printed them.
        var received = messages.Select(m => (Sent: m.GetProperty("sentAt").GetDateTimeOffset(), Received: m.GetProperty("receivedAt").GetDateTimeOffset())).ToList();
        Assert.All(received, r => Assert.InRange(r.Sent, before, r.Received));
        Assert.All(received, r => Assert.True(r.Received <= after, $"received at {r.Received:O}, after the test saw sub exit at {after:O}"));
        Assert.Equal(received.Select(r => r.Received).Order(), received.Select(r => r.Received));
        var source = Assert.Single(messages.Select(m => m.GetProperty("source").GetString()).Distinct());
        Assert.Contains(pub.StandardError, l => l.Contains(source!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SubJson_PayloadWithQuotesAndUmlauts_PrintedReadableAndStillJson()
    {
        const string Payload = """{"tariff":"Grundpreis Köln","ct":31.5}""";
        var group = FreePorts.UniqueIPv4Group();
        await using var sub = GridcastCli.Start("sub", group, "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        var (_, pub) = await GridcastCli.RunAsync(Patience, "pub", group, Payload);
        await using var __ = pub;

        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
        var line = Assert.Single(sub.StandardOutput);
        Assert.Contains("""\"tariff\":\"Grundpreis Köln\""", line, StringComparison.Ordinal);
        Assert.Equal(Payload, JsonDocument.Parse(line).RootElement.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task Sub_PlainOutput_PrintsGroupSourceSequenceAndText()
    {
        var group = FreePorts.UniqueIPv4Group();
        await using var sub = GridcastCli.Start("sub", group, "--count", "1", "--timeout", "50");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        var (_, pub) = await GridcastCli.RunAsync(Patience, "pub", group, "setpoint 4.2 kW");
        await using var __ = pub;

        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
        var line = Assert.Single(sub.StandardOutput);
        Assert.StartsWith(group + " ", line, StringComparison.Ordinal);
        Assert.EndsWith("#1: setpoint 4.2 kW", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sub_NothingArrivesBeforeTimeout_ExitsNonZeroSayingSo()
    {
        var group = FreePorts.UniqueIPv4Group();

        var (code, sub) = await GridcastCli.RunAsync(Patience, "sub", group, "--count", "1", "--timeout", "0.3");
        await using var _ = sub;

        Assert.Equal(1, code);
        Assert.Contains(sub.StandardError, l => l.Contains("timed out with 0 of 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sub_OtherGroupOnSamePort_IsNotPrinted()
    {
        var port = FreePorts.Udp();
        var wanted = $"ham:ip:239.193.251.1:{port}";
        var other = $"ham:ip:239.193.251.2:{port}";
        await using var sub = GridcastCli.Start("sub", wanted, "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        var (_, first) = await GridcastCli.RunAsync(Patience, "pub", other, "not for this subscriber");
        await using var __ = first;
        var (_, second) = await GridcastCli.RunAsync(Patience, "pub", wanted, "for this subscriber");
        await using var ___ = second;

        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
        var message = JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement;
        Assert.Equal("for this subscriber", message.GetProperty("payload").GetString());
    }

    [Theory]
    [InlineData("pub", "ham:ip:239.1.2.3:0", "x", "port '0'")]
    [InlineData("pub", "ham:foo:alice", "x", "namespace 'foo'")]
    [InlineData("sub", "239.1.2.3", "--json", "'239.1.2.3' is not of the form")]
    public async Task Tools_BadGroupName_ExitsWithUsageErrorNamingThePart(string verb, string group, string extra, string expected)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, verb, group, extra);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Contains(process.StandardError, l => l.Contains(expected, StringComparison.Ordinal));
    }
}
