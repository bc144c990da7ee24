using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Bridge.Host.Tests.Configuration;
using Bridge.Testing;
using Bridge.Testing.Brokers;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Host.Tests.Bridging;

/// <summary>
/// <c>gridcast run --config</c> bridges with embedded brokers and template rules, next to
/// <c>gridcast sub</c> processes and MQTT clients: both directions, reload, and last values.
/// </summary>
public sealed class MappingBridgeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConfigurationFiles _files = new();

    // Groups of this test run only: hash-mapped names under a prefix no other run uses.
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13];

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_TemplateRule_CarriesTopicToTheGroupOfItsRegion()
    {
        var port = FreePorts.Tcp();
        var path = _files.Write("edge-1.yaml", Node("edge-1", port, """
                - name: tariffs
                  mqtt: meters/{region}/tariff
                  group: tariff
                  direction: to-group
            """));
        await using var node = await StartAsync(path);
        await using var sub = await SubscribeAsync($"ham:sg:{_prefix}.tariff.north", 1);
        using var headEnd = await MqttTestClient.ConnectAsync(port, "head-end");

        var ack = await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.3100 EUR/kWh"));

        Assert.True(ack.IsSuccess, ack.ReasonString);
        Assert.Equal(["0.3100 EUR/kWh"], await PayloadsAsync(sub, node));
    }

    [Fact]
    public async Task Run_TwoBridgesWithBothRule_CarryBrokerToBrokerAndNeverEchoIntoTheGroup()
    {
        var (portA, portB) = (FreePorts.Tcp(), FreePorts.Tcp());
        // The limit group repeats no last value: every message the group hears is one a bridge sent for a head-end's publish.
        const string Rule = """
                - name: tariffs
                  mqtt: meters/{region}/tariff
                  group: limit
                  direction: both
                  values: { region: [north, south] }
            """;
        await using var a = await StartAsync(_files.Write("edge-a.yaml", Node("edge-a", portA, Rule)));
        await using var b = await StartAsync(_files.Write("edge-b.yaml", Node("edge-b", portB, Rule)));
        await using var group = await SubscribeAsync($"ham:sg:{_prefix}.limit.north", 2);
        using var headEnd = await MqttTestClient.ConnectAsync(portA, "head-end");
        using var device = await MqttTestClient.ConnectAsync(portB, "device");
        var received = await ReceiveAsync(device, "meters/+/tariff");

        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.31"));
        Assert.Equal("meters/north/tariff 0.31", await NextAsync(received, a, b));

        // Had B sent its publication back into the group, that copy would have gone out before B's
        // subscriber had the message, so before this second message: the group's second message.
        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "second"));

        Assert.Equal(["0.31", "second"], await PayloadsAsync(group, a, b));
        // Both from one source, A's socket: nothing in the group came from B.
        Assert.Single(group.StandardOutput.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("source").GetString()).Distinct());
        Assert.Equal("meters/north/tariff second", await NextAsync(received, a, b));
    }

    [Fact]
    public async Task Run_FileRewritten_AppliesAGoodFileAndRefusesABadOne()
    {
        var port = FreePorts.Tcp();
        const string Tariffs = """
                - name: tariffs
                  mqtt: meters/{region}/tariff
                  group: tariff
                  direction: to-group
            """;
        const string Limits = """
                - name: limits
                  mqtt: chargers/{region}/limit
                  group: limit
                  direction: to-group
            """;
        var path = _files.Write("edge-1.yaml", Node("edge-1", port, Tariffs));
        await using var node = await StartAsync(path);
        using var headEnd = await MqttTestClient.ConnectAsync(port, "head-end");

        _files.Write("edge-1.yaml", Node("edge-1", port, Tariffs + "\n" + Limits));
        await node.WaitForLineAsync(l => l.Contains("Configuration reloaded: 2 rules", StringComparison.Ordinal), Patience);
        await using (var limit = await SubscribeAsync($"ham:sg:{_prefix}.limit.depot7", 1))
        {
            await headEnd.PublishAsync(MqttTestClient.Message("chargers/depot7/limit", "11 kW"));
            Assert.Equal(["11 kW"], await PayloadsAsync(limit, node));
        }

        _files.Write("edge-1.yaml", Node("edge-1", port, Tariffs.Replace("group: tariff", "group: tarif", StringComparison.Ordinal)));
        await node.WaitForLineAsync(l => l.Contains("Configuration reload refused", StringComparison.Ordinal), Patience);
        Assert.Contains(node.StandardError, l => l.Contains("bridge.rules[tariffs].group: unknown group 'tarif'", StringComparison.Ordinal));
        await using var tariff = await SubscribeAsync($"ham:sg:{_prefix}.tariff.north", 1);
        await using var stillLimit = await SubscribeAsync($"ham:sg:{_prefix}.limit.depot8", 1);
        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.29"));
        await headEnd.PublishAsync(MqttTestClient.Message("chargers/depot8/limit", "7 kW"));

        Assert.Equal(["0.29"], await PayloadsAsync(tariff, node));
        Assert.Equal(["7 kW"], await PayloadsAsync(stillLimit, node));
    }

    [Fact]
    public async Task Run_ClientModeFileGivesANewFilter_ReconnectsWithItAndCarriesTheNewTopic()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var client = $"""
            node:
              id: edge-1
            groups:
              tariff:
                uri: ham:sg:{_prefix}.tariff.{"{region}"}
              limit:
                uri: ham:sg:{_prefix}.limit.{"{region}"}
            bridge:
              mqtt:
                broker: {broker.Uri}
                clientId: bridge-{_prefix}
              rules:
                - name: tariffs
                  mqtt: meters/{"{region}"}/tariff
                  group: tariff
                  direction: to-group

            """;
        var path = _files.Write("edge-1.yaml", client);
        await using var node = await StartAsync(path);

        _files.Write("edge-1.yaml", client + """
                - name: limits
                  mqtt: chargers/{region}/limit
                  group: limit
                  direction: to-group
            """);
        await node.WaitForLineAsync(l => l.Contains("Configuration reloaded: 2 rules", StringComparison.Ordinal), Patience);
        Assert.Contains(node.StandardError, l => l.Contains("Restarting the Mqtt side", StringComparison.Ordinal));
        await using var limit = await SubscribeAsync($"ham:sg:{_prefix}.limit.depot7", 1);
        using var headEnd = await MqttTestClient.ConnectAsync(broker.Port, "head-end");
        await headEnd.PublishAsync(MqttTestClient.Message("chargers/depot7/limit", "11 kW"));

        Assert.Equal(["11 kW"], await PayloadsAsync(limit, node));
    }

    /// <remarks>
    /// Not retained is how an MQTT 3.1.1 broker passes a live update on: the group still carries
    /// state, so the new value is the one repeated.
    /// </remarks>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_LastValueGroup_LateBridgeGetsTheTariffWithinTheRefresh(bool retain)
    {
        var (portA, portB) = (FreePorts.Tcp(), FreePorts.Tcp());
        await using var a = await StartAsync(_files.Write("edge-a.yaml", Node("edge-a", portA, """
                - name: tariffs
                  mqtt: meters/{region}/tariff
                  group: tariff
                  direction: to-group
            """)));
        using var headEnd = await MqttTestClient.ConnectAsync(portA, "head-end");
        var ack = await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.3100 EUR/kWh", retain: retain));
        Assert.True(ack.IsSuccess, ack.ReasonString);

        // B joins after the tariff was sent: only A's repetition can bring it.
        await using var b = await StartAsync(_files.Write("edge-b.yaml", Node("edge-b", portB, """
                - name: tariffs
                  mqtt: meters/{region}/tariff
                  group: tariff
                  direction: from-group
                  values: { region: [north] }
            """)));
        using var device = await MqttTestClient.ConnectAsync(portB, "device");
        var received = await ReceiveAsync(device, "meters/north/tariff");

        Assert.Equal("meters/north/tariff 0.3100 EUR/kWh", await NextAsync(received, a, b));

        // B published it retained: a device that subscribes only now gets it from B's broker.
        using var lateDevice = await MqttTestClient.ConnectAsync(portB, "late-device");
        var late = await ReceiveAsync(lateDevice, "meters/north/tariff");
        Assert.Equal("meters/north/tariff 0.3100 EUR/kWh", await NextAsync(late, a, b));
    }

    // A bridge-only node with an embedded broker on port; groups tariff and limit are templates
    // over {region}, tariff repeating its last value every 200 ms.
    private string Node(string id, int port, string rules) => $"""
        node:
          id: {id}
        groups:
          tariff:
            uri: ham:sg:{_prefix}.tariff.{"{region}"}
            lastValue: {"{ refresh: 200ms }"}
          limit:
            uri: ham:sg:{_prefix}.limit.{"{region}"}
        bridge:
          mqtt:
            listen: 127.0.0.1:{port}
          rules:
        {rules}
        """;

    private static async Task<ExternalProcess> StartAsync(string path)
    {
        var node = GridcastCli.Start("run", "--config", path);
        try
        {
            await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
            await node.WaitForLineAsync(l => l.Contains("Node started", StringComparison.Ordinal), Patience);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private static async Task<ExternalProcess> SubscribeAsync(string group, int count)
    {
        var sub = GridcastCli.Start("sub", group, "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);
        return sub;
    }

    private static async Task<List<string?>> PayloadsAsync(ExternalProcess sub, params ExternalProcess[] nodes)
    {
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + string.Concat(nodes.Select(n => n.Transcript())));
        return [.. sub.StandardOutput.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("payload").GetString())];
    }

    // The next message an MQTT client received; on timeout, the failure shows what the nodes logged.
    private static async Task<string> NextAsync(ChannelReader<string> received, params ExternalProcess[] nodes)
    {
        try
        {
            return await received.ReadAsync().AsTask().WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no message within {Patience.TotalSeconds} s\n{string.Concat(nodes.Select(n => n.Transcript()))}");
            throw;
        }
    }

    private static async Task<ChannelReader<string>> ReceiveAsync(IMqttClient client, string filter)
    {
        var messages = Channel.CreateUnbounded<string>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            messages.Writer.TryWrite($"{e.ApplicationMessage.Topic} {Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())}");
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return messages.Reader;
    }
}
