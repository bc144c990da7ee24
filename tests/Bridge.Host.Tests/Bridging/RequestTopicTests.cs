using System.Buffers;
using System.Globalization;
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
/// <c>bridge.requests</c> end to end: a <c>gridcast run --config</c> bridge, a client of a real
/// Mosquitto, asks <c>gridcast respond</c> devices when an ordinary MQTT client publishes on the
/// request topic, and an ordinary subscriber gets the result JSON.
/// </summary>
public sealed class RequestTopicTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConfigurationFiles _files = new();

    // A group of this test run only: a hash-mapped name under a prefix no other run uses.
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13];

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_RequestOnTheRequestTopic_PublishesTheExactAggregateOnTheReplyTopic()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var group = $"ham:sg:{_prefix}.meters";
        var path = _files.Write("edge-1.yaml", $"""
            node:
              id: edge-1
            groups:
              meters:
                uri: {group}
            bridge:
              mqtt:
                broker: {broker.Uri}
                clientId: bridge-{_prefix}
              rules:
                - name: unused
                  mqtt: tariffs/in
                  group: meters
                  direction: from-group
              requests:
                - name: reading
                  mqtt: meters/read
                  group: meters
                  aggregate: [count, sum, mean]
                  deadline: 2s
                  reply: meters/result

            """);
        double[] values = [2, 3.5, 6.5];
        var responders = values
            .Select(v => GridcastCli.Start("respond", group, "--value", v.ToString("R", CultureInfo.InvariantCulture), "--count", "2"))
            .ToList();
        try
        {
            foreach (var responder in responders)
            {
                await responder.WaitForLineAsync(l => l.StartsWith("responding to", StringComparison.Ordinal), Patience);
            }

            await using var node = GridcastCli.Start("run", "--config", path);
            await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
            using var headEnd = await MqttTestClient.ConnectAsync(broker.Port, "head-end");
            var results = await ReceiveAsync(headEnd, "meters/#");

            // An empty body: the rule's spec and deadline, the result on the rule's reply topic.
            await headEnd.PublishAsync(MqttTestClient.Message("meters/read", ""));
            var (topic, payload, _) = await NextAsync(results, node);
            Assert.Equal("meters/result", topic);
            var result = JsonDocument.Parse(payload).RootElement;
            Assert.Equal(3UL, result.GetProperty("count").GetUInt64());
            Assert.Equal(12.0, result.GetProperty("sum").GetDouble());
            Assert.Equal(4.0, result.GetProperty("mean").GetDouble());
            Assert.Equal(group, result.GetProperty("group").GetString());

            // An MQTT 5 request with a response topic, correlation data and an override of the spec.
            var correlation = "round-42"u8.ToArray();
            await headEnd.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic("meters/read")
                .WithPayload("""{"aggregate":["max","count"],"deadline":"1500ms"}""")
                .WithResponseTopic("meters/answers/head-end")
                .WithCorrelationData(correlation)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            var (answerTopic, answerPayload, answerCorrelation) = await NextAsync(results, node);
            Assert.Equal("meters/answers/head-end", answerTopic);
            Assert.Equal(correlation, answerCorrelation);
            var answer = JsonDocument.Parse(answerPayload).RootElement;
            Assert.Equal(3UL, answer.GetProperty("count").GetUInt64());
            Assert.Equal(6.5, answer.GetProperty("max").GetDouble());

            // Each device answered both requests, and exits after its two answers.
            foreach (var responder in responders)
            {
                Assert.True(await responder.WaitForExitAsync(Patience) == 0, responder.Transcript());
            }
        }
        finally
        {
            foreach (var responder in responders)
            {
                await responder.DisposeAsync();
            }
        }
    }

    private static async Task<(string Topic, string Payload, byte[]? Correlation)> NextAsync(ChannelReader<(string, string, byte[]?)> received, ExternalProcess node)
    {
        try
        {
            return await received.ReadAsync().AsTask().WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no result within {Patience.TotalSeconds} s\n{node.Transcript()}");
            throw;
        }
    }

    private static async Task<ChannelReader<(string, string, byte[]?)>> ReceiveAsync(IMqttClient client, string filter)
    {
        var messages = Channel.CreateUnbounded<(string, string, byte[]?)>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            // The request itself comes back too (the subscriber's filter covers it): only results count.
            if (e.ApplicationMessage.Topic != "meters/read")
            {
                messages.Writer.TryWrite((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.CorrelationData));
            }

            return Task.CompletedTask;
        };
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return messages.Reader;
    }
}
