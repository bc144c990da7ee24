using System.Buffers;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>
/// The head-end: an ordinary MQTTnet client that publishes on <c>bench/x</c>. QoS 0 messages go
/// out back to back (each call returns once the packet is written); QoS 1 keeps at most
/// <c>window</c> messages waiting for their PUBACK.
/// </summary>
internal sealed class FanoutPublisher : IAsyncDisposable
{
    public const string Topic = "bench/x";

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    private readonly IMqttClient _client;

    private FanoutPublisher(IMqttClient client) => _client = client;

    public static async Task<FanoutPublisher> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await client.ConnectAsync(
                new MqttClientOptionsBuilder()
                    .WithTcpServer("127.0.0.1", port)
                    .WithClientId($"fanout-publisher-{Guid.NewGuid():N}")
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    .WithCleanSession(true)
                    .Build(),
                cancellationToken);
            return new FanoutPublisher(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Publishes a probe every 100 ms until every receiver of <paramref name="tally"/> has one.</summary>
    public async Task ProbeAsync(DeliveryTally tally, int payloadSize, TimeSpan timeout)
    {
        var probe = Message(DeliveryTally.ProbeMark, payloadSize, MqttQualityOfServiceLevel.AtLeastOnce);
        var clock = Stopwatch.StartNew();
        while (!tally.AllProbed)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"not every receiver got a probe within {timeout.TotalSeconds:F0} s");
            }

            await _client.PublishAsync(probe);
            await Task.Delay(ProbeInterval);
        }
    }

    /// <summary>Publishes <paramref name="count"/> measured messages.</summary>
    public async Task PublishAsync(int count, int payloadSize, MqttQualityOfServiceLevel qos, int window)
    {
        var message = Message(DeliveryTally.MeasuredMark, payloadSize, qos);
        if (qos == MqttQualityOfServiceLevel.AtMostOnce)
        {
            for (var i = 0; i < count; i++)
            {
                await _client.PublishAsync(message);
            }

            return;
        }

        using var slots = new SemaphoreSlim(window);
        var pending = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await slots.WaitAsync();
            pending.Add(PublishOneAsync(message, slots));
        }

        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    private async Task PublishOneAsync(MqttApplicationMessage message, SemaphoreSlim slots)
    {
        try
        {
            var result = await _client.PublishAsync(message);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"publish refused: {result.ReasonCode}");
            }
        }
        finally
        {
            slots.Release();
        }
    }

    private static MqttApplicationMessage Message(byte mark, int payloadSize, MqttQualityOfServiceLevel qos)
    {
        var payload = new byte[payloadSize];
        payload[0] = mark;
        return new MqttApplicationMessageBuilder()
            .WithTopic(Topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(qos)
            .Build();
    }
}
