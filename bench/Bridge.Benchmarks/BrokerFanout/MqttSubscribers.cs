using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>
/// R ordinary MQTT subscribers (MQTTnet clients, MQTT 5, clean sessions), each subscribed to
/// <c>bench/#</c> with the QoS of the run and reporting to a <see cref="DeliveryTally"/>; with
/// QoS 1 MQTTnet acknowledges each message after the handler returned.
/// </summary>
internal sealed class MqttSubscribers : IAsyncDisposable
{
    private const int ConnectBatch = 50;

    private readonly IMqttClient[] _clients;

    private MqttSubscribers(DeliveryTally tally)
    {
        Tally = tally;
        _clients = new IMqttClient[tally.Receivers];
    }

    public DeliveryTally Tally { get; }

    /// <summary>Connects and subscribes all R clients, <see cref="ConnectBatch"/> at a time.</summary>
    public static async Task<MqttSubscribers> ConnectAsync(int port, MqttQualityOfServiceLevel qos, DeliveryTally tally, CancellationToken cancellationToken)
    {
        var subscribers = new MqttSubscribers(tally);
        try
        {
            for (var first = 0; first < tally.Receivers; first += ConnectBatch)
            {
                var batch = Enumerable.Range(first, Math.Min(ConnectBatch, tally.Receivers - first))
                    .Select(i => subscribers.ConnectOneAsync(i, port, qos, cancellationToken));
                await Task.WhenAll(batch);
            }

            return subscribers;
        }
        catch
        {
            await subscribers.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_clients.Where(static c => c is not null).Select(DisconnectAsync));
    }

    private static async Task DisconnectAsync(IMqttClient client)
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        client.Dispose();
    }

    private async Task ConnectOneAsync(int index, int port, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        _clients[index] = client;
        client.ApplicationMessageReceivedAsync += args =>
        {
            var payload = args.ApplicationMessage.Payload;
            Tally.Record(index, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
            return Task.CompletedTask;
        };
        await client.ConnectAsync(
            new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId($"fanout-subscriber-{index}-{Guid.NewGuid():N}")
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanSession(true)
                .Build(),
            cancellationToken);
        await client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic("bench/#").WithQualityOfServiceLevel(qos))
                .Build(),
            cancellationToken);
    }
}
