using System.Buffers;
using System.Text;
using System.Text.Json;
using Bridge.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Host.Tests.Bridging;

/// <summary><c>gridcast bridge</c> with its embedded broker, next to <c>gridcast sub</c> and <c>pub</c> processes.</summary>
public sealed class BridgeCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Bridge_EmbeddedBroker_CarriesTopicToGroupAndGroupToTopic()
    {
        var port = FreePorts.Tcp();
        var tariffs = FreePorts.UniqueIPv4Group();
        var readings = FreePorts.UniqueIPv4Group();
        await using var bridge = GridcastCli.Start(
            "bridge", "--listen", $"127.0.0.1:{port}",
            "--to-group", $"meters/+/tariff={tariffs}",
            "--from-group", $"{readings}=headend/readings");
        await bridge.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);

        // MQTT head-end to group: a device-side `gridcast sub` hears the tariff.
        await using var sub = GridcastCli.Start("sub", tariffs, "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);
        using var headEnd = new MqttClientFactory().CreateMqttClient();
        await headEnd.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("head-end").Build());
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        headEnd.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult($"{e.ApplicationMessage.Topic} {Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())}");
            return Task.CompletedTask;
        };
        await headEnd.SubscribeAsync("headend/readings", MqttQualityOfServiceLevel.AtLeastOnce);

        var ack = await headEnd.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("meters/south/tariff")
            .WithPayload(new ReadOnlySequence<byte>("0.3100 EUR/kWh"u8.ToArray()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        Assert.True(ack.IsSuccess, ack.ReasonString);
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + bridge.Transcript());
        var message = JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement;
        Assert.Equal("0.3100 EUR/kWh", message.GetProperty("payload").GetString());

        // Group to MQTT: a device's `gridcast pub` reaches the head-end's subscription.
        var (pubCode, pub) = await GridcastCli.RunAsync(Patience, "pub", readings, "meter 17: 1234.5 kWh");
        await using var _ = pub;
        Assert.Equal(0, pubCode);
        Assert.Equal("headend/readings meter 17: 1234.5 kWh", await received.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task Bridge_BadRulesAndBroker_ListsEveryErrorAndExitsTwo()
    {
        var (code, process) = await GridcastCli.RunAsync(
            Patience, "bridge", "--broker", "http://broker", "--to-group", "meters/#/x=ham:ip:239.1.1.1", "--from-group", "ham:ip:1.2.3.4=t");
        await using var _ = process;

        Assert.Equal(2, code);
        var errors = string.Join('\n', process.StandardError);
        Assert.Contains("'#' must be a whole level", errors, StringComparison.Ordinal);
        Assert.Contains("'1.2.3.4'", errors, StringComparison.Ordinal);
        Assert.Contains("broker URL 'http://broker'", errors, StringComparison.Ordinal);
    }
}
