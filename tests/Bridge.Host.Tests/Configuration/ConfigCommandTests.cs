using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.Configuration;

/// <summary><c>gridcast config validate</c> and <c>gridcast run --config</c>, run as processes.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Three faults in three sections; each must be listed, and nothing may start.
    private const string Bad = """
        node:
          id: edge 1
        groups:
          tariff:
            uri: ham:sg:ami.tariff.rtp
        bridge:
          mqtt:
            broker: http://broker
          rules:
            - name: tariffs
              direction: to-group
              topic: meters/+/tariff
              group: tarif
        """;

    private static readonly string[] BadErrors =
    [
        "node.id: 'edge 1' must be 1 to 128 characters of A-Z a-z 0-9 . _ -",
        "bridge.mqtt.broker: 'http://broker' is not mqtt://host[:port] or mqtts://host[:port]",
        "bridge.rules[tariffs].group: unknown group 'tarif'",
    ];

    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Validate_BadFile_ListsEveryErrorWithTheFileAndExitsTwo()
    {
        var path = _files.Write("bad.yaml", Bad);

        var (code, process) = await GridcastCli.RunAsync(Patience, "config", "validate", path);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Equal([.. BadErrors.Select(e => $"{path}: {e}"), $"{path}: 3 error(s)"], process.StandardError);
        Assert.Empty(process.StandardOutput);
    }

    [Fact]
    public async Task Validate_GoodFile_PrintsTheSummaryAndExitsZero()
    {
        _files.AddNode("gw-a");
        var path = _files.Write("gw-a.json", """
            {
              "node": { "id": "gw-a" },
              "groups": { "tariff": { "uri": "ham:sg:ami.tariff.rtp" } },
              "gateway": {
                "role": "transit",
                "listen": "0.0.0.0:7946",
                "tls": { "certificate": "certs/gw-a.crt", "key": "certs/gw-a.key", "authority": "certs/ca.crt" },
                "peers": [ { "id": "gw-b", "address": "10.0.0.2:7946" } ]
              }
            }
            """);

        var (code, process) = await GridcastCli.RunAsync(Patience, "config", "validate", path);
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        Assert.Equal(
            [
                $"{path}: valid",
                "node   gw-a",
                "role   transit gateway  listens on 0.0.0.0:7946, carries 1 group(s)",
                "group  tariff           ham:sg:ami.tariff.rtp",
                "peer   gw-b             10.0.0.2:7946",
            ],
            process.StandardOutput);
    }

    [Fact]
    public async Task Validate_MappingExample_SummarisesEachRule()
    {
        var path = RepositoryPaths.Combine("docs", "examples", "headend-mapping.yaml");

        var (code, process) = await GridcastCli.RunAsync(Patience, "config", "validate", path);
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        Assert.Equal(
            [
                "rule   tariffs          both: mqtt meters/{region}/tariff <-> ham:sg:tariff.{region} (at-least-once, region in [north, south, east])",
                "rule   demand-response  to-group: amqp dr.events.* -> ham:sg:dr.events (at-most-once)",
                "rule   readings         from-group: ham:sg:ami.readings.{region} -> amqp readings.{region} (at-least-once, region in [north, south, east])",
                "rule   charger-limits   from-group: ham:sg:charging.limit.{site} -> mqtt chargers/{site}/limit (at-least-once, site in [depot-1, depot-2])",
            ],
            process.StandardOutput.Where(l => l.StartsWith("rule", StringComparison.Ordinal)));
        Assert.Contains("group  tariff           ham:sg:tariff.{region}, last value every 30s", process.StandardOutput);
    }

    [Fact]
    public async Task Validate_MappingErrors_NamesRuleAndFieldAndExitsTwo()
    {
        var path = _files.Write("edge-1.yaml", """
            node: { id: edge-1 }
            groups:
              tariff: { uri: "ham:sg:tariff.{region}" }
            bridge:
              mqtt: { broker: "mqtt://broker.localhost:70000" }
              rules:
                - name: tariffs
                  mqtt: meters/{region}/tariff
                  group: tarif
                  direction: from-group
                - name: events
                  amqp: dr.events
                  group: tariff
                  direction: to-group
            """);

        var (code, process) = await GridcastCli.RunAsync(Patience, "config", "validate", path);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Equal(
            [
                $"{path}: bridge.mqtt.broker: 'mqtt://broker.localhost:70000' is not mqtt://host[:port] or mqtts://host[:port]",
                $"{path}: bridge.rules[tariffs].group: unknown group 'tarif'",
                $"{path}: bridge.rules[events].amqp: an amqp rule needs bridge.amqp",
                $"{path}: bridge.rules[events].amqp: 'dr.events' has no {{region}}, which group 'tariff' (ham:sg:tariff.{{region}}) needs",
                $"{path}: 4 error(s)",
            ],
            process.StandardError);
    }

    [Fact]
    public async Task Validate_Json_PrintsErrorsAsObjects()
    {
        var path = _files.Write("bad.yaml", Bad);

        var (code, process) = await GridcastCli.RunAsync(Patience, "config", "validate", path, "--json");
        await using var _ = process;

        Assert.Equal(2, code);
        var result = JsonDocument.Parse(Assert.Single(process.StandardOutput)).RootElement;
        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal(
            BadErrors,
            result.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("path").GetString()}: {e.GetProperty("message").GetString()}"));
    }

    [Fact]
    public async Task Run_BadFile_ListsEveryErrorStartsNothingAndExitsTwo()
    {
        var path = _files.Write("bad.yaml", Bad);

        var (code, process) = await GridcastCli.RunAsync(Patience, "run", "--config", path);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Equal([.. BadErrors.Select(e => $"{path}: {e}"), $"gridcast: {path} has 3 error(s); nothing started"], process.StandardError);
    }

    [Fact]
    public async Task Run_BridgeOnly_CarriesMqttToTheGroupAndStopsOnSigterm()
    {
        var port = FreePorts.Tcp();
        var tariffs = FreePorts.UniqueIPv4Group();
        var path = _files.Write("edge-1.yaml", $"""
            node:
              id: edge-1
            groups:
              tariff:
                uri: "{tariffs}"
            bridge:
              mqtt:
                listen: 127.0.0.1:{port}
              rules:
                - name: tariffs
                  direction: to-group
                  topic: meters/+/tariff
                  group: tariff
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
        await using var sub = GridcastCli.Start("sub", tariffs, "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);
        using var headEnd = await MqttTestClient.ConnectAsync(port, "head-end");

        var ack = await headEnd.PublishAsync(MqttTestClient.Message("meters/south/tariff", "0.3100 EUR/kWh"));

        Assert.True(ack.IsSuccess, ack.ReasonString);
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + node.Transcript());
        var message = JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement;
        Assert.Equal("0.3100 EUR/kWh", message.GetProperty("payload").GetString());
        Assert.Contains(node.StandardError, l => l.Contains("Node started edge-1: no gateway, edge bridge", StringComparison.Ordinal));

        node.Terminate();
        Assert.True(await node.WaitForExitAsync(Patience) == 0, node.Transcript());
    }

    [Fact]
    public async Task Run_EmbeddedBrokerWithCredentials_RefusesAWrongPasswordAndCarriesTheRightOne()
    {
        var port = FreePorts.Tcp();
        var tariffs = FreePorts.UniqueIPv4Group();
        _files.Write("headend.secret", "s3cret-tariff\n");
        var path = _files.Write("edge-auth.yaml", $"""
            node:
              id: edge-auth
            groups:
              tariff:
                uri: "{tariffs}"
            bridge:
              mqtt:
                listen: 127.0.0.1:{port}
                username: headend
                passwordFile: headend.secret
              rules:
                - name: tariffs
                  direction: to-group
                  mqtt: meters/+/tariff
                  group: tariff
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
        await using var sub = GridcastCli.Start("sub", tariffs, "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => MqttTestClient.ConnectAsync(port, "intruder", "headend", "guess"));
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);
        using var headEnd = await MqttTestClient.ConnectAsync(port, "head-end", "headend", "s3cret-tariff");
        var ack = await headEnd.PublishAsync(MqttTestClient.Message("meters/south/tariff", "0.2900 EUR/kWh"));

        Assert.True(ack.IsSuccess, ack.ReasonString);
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + node.Transcript());
        Assert.Equal("0.2900 EUR/kWh", JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task Run_EmbeddedBrokerPortInUse_ExitsOneSayingWhichAddress()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var path = _files.Write("edge-2.json", $$"""
            {
              "node": { "id": "edge-2" },
              "groups": { "tariff": { "uri": "{{FreePorts.UniqueIPv4Group()}}" } },
              "bridge": {
                "mqtt": { "listen": "127.0.0.1:{{port}}" },
                "rules": [ { "name": "tariffs", "direction": "to-group", "topic": "meters/#", "group": "tariff" } ]
              }
            }
            """);

        var (code, process) = await GridcastCli.RunAsync(Patience, "run", "--config", path);
        await using var _ = process;

        Assert.True(code == 1, process.Transcript());
        Assert.Equal($"gridcast: the embedded MQTT broker cannot listen on 127.0.0.1:{port}: Address already in use", process.StandardError[^1]);
        Assert.DoesNotContain(process.StandardError, l => l.StartsWith("   at ", StringComparison.Ordinal));
    }
}
