using System.Text;
using Bridge.Adapters.Amqp.Requests;
using Bridge.Adapters.Amqp.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Bridge.Adapters.Amqp.Client;

/// <summary>
/// A client of an existing AMQP 0-9-1 broker (RabbitMQ). To-group side: a durable queue named from
/// the client id is bound to the settings' topic exchange with the pattern of every to-group rule
/// (<see cref="RoutingKeyTemplate.BindingPattern"/>); each delivery is routed by its routing key
/// (<see cref="RoutingKeyTemplate"/> rules match it) and acknowledged only after the router handed it to
/// the multicast layer; a failed hand-off is returned to the queue (basic.nack, requeue). From-group
/// side (<see cref="PublishAsync"/>): persistent messages to the same exchange on a channel with
/// publisher confirms, each confirm awaited. Request rules (<c>bridge.requests</c>) bind their
/// patterns to the same queue; a delivery that matches one starts a request
/// (<see cref="AmqpRequestServer"/>) instead of being routed, and is acknowledged at once.
/// </summary>
/// <remarks>
/// <para>
/// Start: connects with backoff until the broker first answers. After that, the client library's
/// automatic recovery reconnects at <see cref="AmqpClientSettings.ReconnectDelay"/> intervals and
/// declares the exchange, queue, bindings and consumer again (topology recovery); the tests restart
/// a real broker to hold it to that. Deliveries in flight when the connection dropped are not
/// acknowledged (their tags died with the channel) and the broker delivers them again.
/// </para>
/// <para>
/// Messages this client published carry its id in the <c>x-gridcast-bridge</c> header; when one
/// of them comes back through its own bindings it is acknowledged and not routed, the AMQP
/// counterpart of MQTT's No Local, which RabbitMQ does not implement.
/// </para>
/// <para>
/// A delivery whose routing key GridCast does not route (<see cref="RoutingKeys.IsRoutable"/>) is rejected without requeue (it never could be
/// routed; a dead-letter exchange on the queue keeps it) and counted in <see cref="Malformed"/>;
/// one that no rule maps, or that came from another exchange through a binding left from an
/// earlier configuration, is acknowledged and counted in <see cref="Unroutable"/>.
/// </para>
/// </remarks>
public sealed partial class AmqpBrokerClient : IAdapterSide, IEndpointPublisher<string>
{
    /// <summary>The header that names the bridge a message came from.</summary>
    public const string BridgeHeader = "x-gridcast-bridge";

    private readonly AmqpClientSettings _settings;
    private readonly Router _router;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly byte[] _ownId;
    private readonly CancellationTokenSource _stopping = new();
    private IConnection? _connection;
    private IChannel? _consumeChannel;
    private IChannel? _publishChannel;
    private AmqpRequestServer? _requests;
    private long _acknowledged;
    private long _malformed;
    private long _unroutable;
    private long _routeFailures;
    private long _echoes;
    private long _published;
    private long _recoveries;
    private long _received;

    // A head-end publishing with keys no rule maps would otherwise write a warning per message.
    private readonly LogRateLimiter _refusals;

    private AmqpBrokerClient(AmqpClientSettings settings, Router router, ILogger logger, TimeProvider time)
    {
        _settings = settings;
        _router = router;
        _logger = logger;
        _time = time;
        _ownId = Encoding.UTF8.GetBytes(settings.ClientId);
        _refusals = LogRateLimiter.PerMinute(time);
    }

    /// <summary>Whether the connection is open now.</summary>
    public bool IsConnected => _connection?.IsOpen == true;

    /// <summary>
    /// Deliveries handed to the multicast layer and then acknowledged; one whose channel closed
    /// before the ack is not counted (the broker delivers it again, and the group hears it twice).
    /// </summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Deliveries rejected because GridCast does not route their routing key.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Deliveries acknowledged without routing: no rule maps them, or another exchange sent them.</summary>
    public long Unroutable => Interlocked.Read(ref _unroutable);

    /// <summary>Deliveries returned to the queue because the hand-off to the multicast layer failed.</summary>
    public long RouteFailures => Interlocked.Read(ref _routeFailures);

    /// <summary>This client's own publications that came back through its bindings, acknowledged and dropped.</summary>
    public long Echoes => Interlocked.Read(ref _echoes);

    /// <summary>Messages published and confirmed by the broker.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Times the connection was recovered after a loss.</summary>
    public long Recoveries => Interlocked.Read(ref _recoveries);

    /// <inheritdoc/>
    public AdapterSideStatus Status() => new()
    {
        Connected = IsConnected,
        Peer = Redacted(_settings.Broker),
        Received = Interlocked.Read(ref _received),
        Published = Published,
        Acknowledged = Acknowledged,
        Reconnects = Recoveries,
        Dropped = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["echo"] = Echoes,
            ["malformed"] = Malformed,
            ["unroutable"] = Unroutable,
            ["route_failed"] = RouteFailures,
            ["request_refused"] = _requests?.Refused ?? 0,
            ["request_failed"] = _requests?.Failed ?? 0,
        },
    };

    /// <summary>
    /// Connects (retrying with backoff until the broker answers or <paramref name="cancellationToken"/>
    /// ends it), declares the exchange, the queue and its bindings, and starts consuming.
    /// </summary>
    public static Task<AmqpBrokerClient> StartAsync(
        AmqpClientSettings settings, Router router, ILogger logger, TimeProvider? time = null, CancellationToken cancellationToken = default)
        => StartAsync(settings, router, [], null, logger, time, cancellationToken);

    /// <summary>
    /// Connects as <see cref="StartAsync(AmqpClientSettings, Router, ILogger, TimeProvider?, CancellationToken)"/>
    /// does, and serves <paramref name="requestRules"/> with <paramref name="requester"/>: their
    /// patterns are bound to the queue too, and a matching delivery starts a request.
    /// </summary>
    public static async Task<AmqpBrokerClient> StartAsync(
        AmqpClientSettings settings, Router router, IReadOnlyList<RequestRule> requestRules, IGroupRequester? requester, ILogger logger,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(requestRules);
        ArgumentNullException.ThrowIfNull(logger);
        var client = new AmqpBrokerClient(settings, router, logger, time ?? TimeProvider.System);
        if (requestRules.Count > 0)
        {
            client._requests = new AmqpRequestServer(requestRules, requester, client.PublishReplyAsync, logger, client._time);
        }

        // A request pattern that is also a rule's is bound once.
        var patterns = BindingPatterns(router.Table).Select(b => b.Pattern).Concat(client._requests?.Patterns ?? []).Distinct(StringComparer.Ordinal).ToList();
        var delay = settings.ReconnectDelay;
        while (true)
        {
            try
            {
                await client.ConnectAsync(patterns, cancellationToken);
                Log.Connected(logger, Redacted(settings.Broker), settings.Exchange, patterns.Count);
                return client;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                await client.CloseAsync();
                Log.ConnectFailed(logger, Redacted(settings.Broker), delay.TotalMilliseconds, ReasonOf(ex));
            }
            catch
            {
                await client.DisposeAsync();
                throw;
            }

            try
            {
                await Task.Delay(delay, client._time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await client.DisposeAsync();
                throw;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxReconnectDelay.Ticks));
        }
    }

    /// <summary>
    /// Publishes a message that came from a group to the exchange with <paramref name="routingKey"/>,
    /// persistent, and returns once the broker confirmed it.
    /// </summary>
    /// <exception cref="PublishException">The broker refused the message (basic.nack).</exception>
    /// <exception cref="AlreadyClosedException">The connection is down; it is being recovered.</exception>
    public async ValueTask PublishAsync(string routingKey, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var channel = _publishChannel ?? throw new ObjectDisposedException(nameof(AmqpBrokerClient));
        var properties = new BasicProperties
        {
            Persistent = true,
            AppId = "gridcast",
            Headers = new Dictionary<string, object?>(StringComparer.Ordinal) { [BridgeHeader] = _ownId },
        };

        // With confirmation tracking on, this returns after basic.ack and throws on basic.nack.
        await channel.BasicPublishAsync(_settings.Exchange, routingKey, mandatory: false, properties, payload, cancellationToken);
        Interlocked.Increment(ref _published);
    }

    /// <inheritdoc/>
    public ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
        => _router.RouteFromGroupAsync(message, this, cancellationToken);

    /// <summary>Whether <paramref name="rules"/> bind the same patterns with the same guarantees: the queue is bound when the client connects.</summary>
    public bool CanFollow(RoutingTable rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return BindingPatterns(_router.Table).SequenceEqual(BindingPatterns(rules));
    }

    /// <summary>The binding patterns of the AMQP to-group rules of <paramref name="table"/>, each with the strongest guarantee a rule asks of it.</summary>
    public static IReadOnlyList<(string Pattern, DeliveryGuarantee Guarantee)> BindingPatterns(RoutingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.ForKind(AmqpAdapterKind.KindName).Subscriptions(static e => ((RoutingKeyTemplate)e).BindingPattern);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_requests is not null)
        {
            // Its requests in progress end first: their results would find the channel closed.
            await _requests.DisposeAsync();
        }

        await CloseAsync();
        _stopping.Dispose();
    }

    private static string Redacted(Uri broker)
        => new UriBuilder(broker) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();

    private static bool IsAbort(Exception ex)
        => ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or IOException;

    private async Task ConnectAsync(List<string> patterns, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = _settings.Broker,
            ClientProvidedName = _settings.ClientId,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = _settings.ReconnectDelay,
            RequestedHeartbeat = _settings.Heartbeat,
        };
        if (_settings.VirtualHost is not null)
        {
            factory.VirtualHost = _settings.VirtualHost;
        }

        var connection = await factory.CreateConnectionAsync(cancellationToken);
        _connection = connection;
        connection.ConnectionShutdownAsync += OnConnectionShutdownAsync;
        connection.RecoverySucceededAsync += OnRecoverySucceededAsync;
        connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;

        _publishChannel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        if (_settings.DeclareExchange)
        {
            await _publishChannel.ExchangeDeclareAsync(_settings.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        }
        else
        {
            await _publishChannel.ExchangeDeclarePassiveAsync(_settings.Exchange, cancellationToken);
        }

        if (patterns.Count == 0)
        {
            return;
        }

        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        _consumeChannel = channel;
        await channel.BasicQosAsync(0, _settings.Prefetch, global: false, cancellationToken);
        await channel.QueueDeclareAsync(_settings.QueueName, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken);
        foreach (var pattern in patterns)
        {
            await channel.QueueBindAsync(_settings.QueueName, _settings.Exchange, pattern, cancellationToken: cancellationToken);
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += OnDeliveryAsync;
        await channel.BasicConsumeAsync(_settings.QueueName, autoAck: false, consumer, cancellationToken);
    }

    private async Task CloseAsync()
    {
        foreach (var channel in new[] { _consumeChannel, _publishChannel })
        {
            if (channel is null)
            {
                continue;
            }

            try
            {
                await channel.CloseAsync();
            }
            catch (Exception ex) when (IsAbort(ex))
            {
                // The connection is already gone.
            }

            channel.Dispose();
        }

        _consumeChannel = null;
        _publishChannel = null;
        if (_connection is { } connection)
        {
            _connection = null;
            connection.ConnectionShutdownAsync -= OnConnectionShutdownAsync;
            try
            {
                await connection.CloseAsync();
            }
            catch (Exception ex) when (IsAbort(ex))
            {
                // The broker went away first.
            }

            connection.Dispose();
        }
    }

    private async Task OnDeliveryAsync(object sender, BasicDeliverEventArgs delivery)
    {
        Interlocked.Increment(ref _received);
        var channel = ((AsyncEventingBasicConsumer)sender).Channel;
        var token = _stopping.Token;
        if (IsOwn(delivery.BasicProperties))
        {
            Interlocked.Increment(ref _echoes);
            await SettleAsync(channel, delivery, Settlement.Ack);
            return;
        }

        if (_requests is not null
            && string.Equals(delivery.Exchange, _settings.Exchange, StringComparison.Ordinal)
            && _requests.TryTake(delivery.RoutingKey, delivery.Body.Span, delivery.BasicProperties.ReplyTo, delivery.BasicProperties.CorrelationId))
        {
            // A request message is taken once its request started (or was refused): acknowledged now.
            await SettleAsync(channel, delivery, Settlement.Ack);
            return;
        }

        if (!RoutingKeys.IsRoutable(delivery.RoutingKey, out var reason))
        {
            Interlocked.Increment(ref _malformed);
            if (_refusals.ShouldLog(LogRefusalsSuppressed))
            {
                Log.Malformed(_logger, delivery.Exchange, delivery.RoutingKey, reason);
            }

            await SettleAsync(channel, delivery, Settlement.Reject);
            return;
        }

        if (!string.Equals(delivery.Exchange, _settings.Exchange, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _unroutable);
            if (_refusals.ShouldLog(LogRefusalsSuppressed))
            {
                Log.ForeignExchange(_logger, delivery.Exchange, delivery.RoutingKey, _settings.Exchange);
            }

            await SettleAsync(channel, delivery, Settlement.Ack);
            return;
        }

        int groups;
        try
        {
            // Copied: the client library reuses the delivery's buffer after this handler returns.
            groups = await _router.RouteAsync(new InboundMessage<string>(delivery.RoutingKey, delivery.Body.ToArray(), ContentType.AmqpMessage), token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: the delivery stays unacknowledged and the broker requeues it on close.
            return;
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _routeFailures);
            Log.RouteFailed(_logger, delivery.RoutingKey, _settings.RetryDelay.TotalMilliseconds, ex);
            try
            {
                await Task.Delay(_settings.RetryDelay, _time, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await SettleAsync(channel, delivery, Settlement.Requeue);
            return;
        }

        if (groups == 0)
        {
            Interlocked.Increment(ref _unroutable);
            if (_refusals.ShouldLog(LogRefusalsSuppressed))
            {
                Log.Unroutable(_logger, delivery.RoutingKey);
            }
        }

        if (await SettleAsync(channel, delivery, Settlement.Ack) && groups > 0)
        {
            Interlocked.Increment(ref _acknowledged);
        }
    }

    /// <summary>
    /// Publishes a request's result: to the request's reply-to queue through the default exchange,
    /// or with the rule's reply routing key on the side's exchange; persistent, JSON, confirmed.
    /// </summary>
    private async Task PublishReplyAsync(AmqpReply reply, CancellationToken cancellationToken)
    {
        var channel = _publishChannel ?? throw new ObjectDisposedException(nameof(AmqpBrokerClient));
        var properties = new BasicProperties
        {
            Persistent = true,
            AppId = "gridcast",
            ContentType = "application/json",
            CorrelationId = reply.CorrelationId,
            Headers = new Dictionary<string, object?>(StringComparer.Ordinal) { [BridgeHeader] = _ownId },
        };
        await channel.BasicPublishAsync(reply.ToQueue ? string.Empty : _settings.Exchange, reply.RoutingKey, mandatory: false, properties, reply.Body, cancellationToken);
        Interlocked.Increment(ref _published);
    }

    private bool IsOwn(IReadOnlyBasicProperties properties)
        => properties.Headers is { } headers
            && headers.TryGetValue(BridgeHeader, out var value)
            && value is byte[] id
            && id.AsSpan().SequenceEqual(_ownId);

    private async Task<bool> SettleAsync(IChannel channel, BasicDeliverEventArgs delivery, Settlement settlement)
    {
        try
        {
            switch (settlement)
            {
                case Settlement.Ack:
                    await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                    break;
                case Settlement.Requeue:
                    await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
                    break;
                default:
                    await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
                    break;
            }

            return true;
        }
        catch (Exception ex) when (IsAbort(ex))
        {
            // The channel died with the connection: the broker delivers the message again.
            Log.SettleLost(_logger, delivery.RoutingKey, settlement.ToString(), ex.Message);
            return false;
        }
    }

    private Task OnConnectionShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            Log.ConnectionLost(_logger, Redacted(_settings.Broker), args.ReplyCode, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        Interlocked.Increment(ref _recoveries);
        Log.Recovered(_logger, Redacted(_settings.Broker));
        return Task.CompletedTask;
    }

    private Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs args)
    {
        Log.RecoveryFailed(_logger, Redacted(_settings.Broker), _settings.ReconnectDelay.TotalMilliseconds, ReasonOf(args.Exception));
        return Task.CompletedTask;
    }

    private enum Settlement
    {
        Ack,
        Requeue,
        Reject,
    }

    // RabbitMQ.Client says "None of the specified endpoints were reachable" and keeps the socket's
    // error ("Connection refused", "Name or service not known") inside; a person needs both.
    private static string ReasonOf(Exception exception)
    {
        var cause = exception.GetBaseException();
        return cause == exception || exception.Message.Contains(cause.Message, StringComparison.Ordinal)
            ? exception.Message
            : $"{exception.Message.TrimEnd('.')}: {cause.Message}";
    }

    private void LogRefusalsSuppressed(long count) =>
        Log.Suppressed(_logger, count, "refused deliveries", _refusals.Burst, (long)_refusals.Interval.TotalSeconds);

    private static partial class Log
    {
        [LoggerMessage(131, LogLevel.Warning, "{Count} more {What} not logged: at most {Burst} per {Seconds} s are (the metrics count every one)")]
        public static partial void Suppressed(ILogger logger, long count, string what, int burst, long seconds);

        [LoggerMessage(121, LogLevel.Information, "Connected to AMQP broker {Broker}, exchange {Exchange}, {Bindings} binding(s)")]
        public static partial void Connected(ILogger logger, string broker, string exchange, int bindings);

        [LoggerMessage(122, LogLevel.Warning, "Connecting to AMQP broker {Broker} failed, retrying in {DelayMs} ms: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string broker, double delayMs, string reason);

        [LoggerMessage(123, LogLevel.Warning, "Connection to AMQP broker {Broker} lost ({ReplyCode} {ReplyText}); recovering")]
        public static partial void ConnectionLost(ILogger logger, string broker, ushort replyCode, string replyText);

        [LoggerMessage(124, LogLevel.Information, "Connection to AMQP broker {Broker} recovered, topology declared again")]
        public static partial void Recovered(ILogger logger, string broker);

        [LoggerMessage(125, LogLevel.Warning, "Recovering the connection to AMQP broker {Broker} failed, retrying in {DelayMs} ms: {Reason}")]
        public static partial void RecoveryFailed(ILogger logger, string broker, double delayMs, string reason);

        [LoggerMessage(126, LogLevel.Error, "Routing {RoutingKey} failed; the message goes back to the queue in {DelayMs} ms")]
        public static partial void RouteFailed(ILogger logger, string routingKey, double delayMs, Exception exception);

        [LoggerMessage(127, LogLevel.Warning, "Rejected a message from exchange {Exchange} with routing key {RoutingKey}: {Reason}")]
        public static partial void Malformed(ILogger logger, string exchange, string routingKey, string reason);

        [LoggerMessage(128, LogLevel.Warning, "No rule maps routing key {RoutingKey}; acknowledged and dropped")]
        public static partial void Unroutable(ILogger logger, string routingKey);

        [LoggerMessage(129, LogLevel.Warning, "A message from exchange {Exchange} ({RoutingKey}) reached the queue of exchange {Expected} through an old binding; acknowledged and dropped")]
        public static partial void ForeignExchange(ILogger logger, string exchange, string routingKey, string expected);

        [LoggerMessage(130, LogLevel.Information, "Could not {Settlement} {RoutingKey}, the channel closed; the broker delivers it again: {Reason}")]
        public static partial void SettleLost(ILogger logger, string routingKey, string settlement, string reason);
    }
}
