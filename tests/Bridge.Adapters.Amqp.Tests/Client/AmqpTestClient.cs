using System.Text;
using System.Threading.Channels;
using Bridge.Testing.Brokers;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Bridge.Adapters.Amqp.Tests.Client;

/// <summary>A message an ordinary consumer received.</summary>
internal sealed record Received(string Exchange, string RoutingKey, string Body, bool Persistent)
{
    /// <summary>The message's correlation-id property, or null.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>
/// An ordinary AMQP client, as a head-end or a far-side consumer would be: RabbitMQ.Client with
/// no automatic recovery, publishing persistent messages with confirms and mandatory routing.
/// </summary>
internal sealed class AmqpTestClient : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private AmqpTestClient(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>Whether the connection is open.</summary>
    public bool IsOpen => _connection.IsOpen;

    public static async Task<AmqpTestClient> ConnectAsync(RabbitMqBroker broker, string name, CancellationToken cancellationToken = default)
    {
        var connection = await broker.ConnectionFactory(name).CreateConnectionAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        return new AmqpTestClient(connection, channel);
    }

    /// <summary>Declares a durable topic exchange, as the bridge does.</summary>
    public Task DeclareExchangeAsync(string exchange)
        => _channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);

    /// <summary>Binds <paramref name="queue"/> (declared durable) to <paramref name="exchange"/> with <paramref name="pattern"/>.</summary>
    public async Task BindAsync(string queue, string exchange, string pattern)
    {
        await _channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await _channel.QueueBindAsync(queue, exchange, pattern);
    }

    /// <summary>
    /// Publishes a persistent message and returns once the broker confirmed it; throws when no
    /// queue took it (mandatory) or the broker refused it.
    /// </summary>
    public async Task PublishAsync(string exchange, string routingKey, string body, CancellationToken cancellationToken = default)
        => await _channel.BasicPublishAsync(
            exchange, routingKey, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(body), cancellationToken);

    /// <summary>
    /// Publishes a persistent message with the reply-to and correlation-id properties a requester
    /// sets, and returns once the broker confirmed it; throws when no queue took it (mandatory).
    /// </summary>
    public async Task PublishRequestAsync(string exchange, string routingKey, string body, string? replyTo, string? correlationId, CancellationToken cancellationToken = default)
        => await _channel.BasicPublishAsync(
            exchange, routingKey, mandatory: true, new BasicProperties { Persistent = true, ReplyTo = replyTo, CorrelationId = correlationId }, Encoding.UTF8.GetBytes(body), cancellationToken);

    /// <summary>Declares an exclusive, server-named queue, as a requester does for its replies, and returns its name.</summary>
    public async Task<string> DeclareReplyQueueAsync()
        => (await _channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;

    /// <summary>How many ready messages <paramref name="queue"/> holds.</summary>
    public async Task<uint> MessageCountAsync(string queue) => await _channel.MessageCountAsync(queue);

    /// <summary>Consumes <paramref name="queue"/> (auto-ack) into the returned reader.</summary>
    public async Task<ChannelReader<Received>> ConsumeAsync(string queue)
    {
        var received = Channel.CreateUnbounded<Received>();
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            received.Writer.TryWrite(new Received(e.Exchange, e.RoutingKey, Encoding.UTF8.GetString(e.Body.Span), e.BasicProperties.Persistent)
            {
                CorrelationId = e.BasicProperties.CorrelationId,
            });
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return received.Reader;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.IsOpen)
            {
                await _connection.CloseAsync();
            }
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or IOException)
        {
            // The broker went away first.
        }

        _channel.Dispose();
        _connection.Dispose();
    }
}
