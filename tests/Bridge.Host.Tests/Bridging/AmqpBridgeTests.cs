using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Bridge.Host.Tests.Configuration;
using Bridge.Testing;
using Bridge.Testing.Brokers;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Bridge.Host.Tests.Bridging;

/// <summary><c>gridcast run --config</c> with an AMQP side on a real RabbitMQ node and routing-key templates.</summary>
public sealed class AmqpBridgeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConfigurationFiles _files = new();
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13];

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_AmqpRules_CarryRoutingKeysToGroupsAndGroupsToRoutingKeys()
    {
        await using var broker = await RabbitMqBroker.StartAsync();
        var exchange = $"gc-{_prefix}";
        var path = _files.Write("edge-amqp.yaml", $"""
            node:
              id: edge-amqp
            groups:
              tariff:
                uri: ham:sg:{_prefix}.tariff.{"{region}"}
              readings:
                uri: ham:sg:{_prefix}.readings.{"{region}"}
            bridge:
              amqp:
                broker: {broker.Uri}
                exchange: {exchange}
                clientId: edge-amqp
              rules:
                - name: tariffs
                  amqp: meters.{"{region}"}.tariff
                  group: tariff
                  direction: to-group
                - name: readings
                  amqp: readings.{"{region}"}
                  group: readings
                  direction: from-group
                  values: {"{ region: [north] }"}
            """);
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
        await using var connection = await broker.ConnectionFactory("head-end").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var queue = $"billing-{_prefix}";
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue, exchange, "readings.#");
        var received = Channel.CreateUnbounded<string>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            received.Writer.TryWrite($"{e.RoutingKey} {Encoding.UTF8.GetString(e.Body.Span)}");
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        // Exchange to group: the routing key's region names the group.
        await using var sub = GridcastCli.Start("sub", $"ham:sg:{_prefix}.tariff.north", "--count", "1", "--timeout", "50", "--json");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);
        await channel.BasicPublishAsync(exchange, "meters.north.tariff", mandatory: false, new BasicProperties { Persistent = true }, "0.31"u8.ToArray());
        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript() + node.Transcript());
        Assert.Equal("0.31", JsonDocument.Parse(Assert.Single(sub.StandardOutput)).RootElement.GetProperty("payload").GetString());

        // Group to exchange: the group's region names the routing key.
        var (code, pub) = await GridcastCli.RunAsync(Patience, "pub", $"ham:sg:{_prefix}.readings.north", "meter 17: 1234.5 kWh");
        await using var _ = pub;
        Assert.Equal(0, code);
        Assert.Equal("readings.north meter 17: 1234.5 kWh", await received.Reader.ReadAsync().AsTask().WaitAsync(Patience));
    }
}
