using System.Buffers;
using System.Security.Authentication;
using Bridge.Adapters.Mqtt.Requests;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Client;

/// <summary>
/// Client mode: connects to an existing broker (MQTT 5 or 3.1.1, optionally over TLS and with a
/// user name) with a persistent session, subscribes the filters of the to-group rules, routes
/// each message it receives and acknowledges a QoS 1 message only after the hand-off to the
/// multicast layer; publishes group messages for the from-group rules. Reconnects with backoff
/// and subscribes again after each reconnect.
/// </summary>
/// <remarks>
/// Loops: a message the bridge published from a group must not come back into a group. With
/// MQTT 5 the subscriptions carry No Local (MQTT 5 §3.8.3.1), so the broker never sends the
/// bridge its own publications. MQTT 3.1.1 has no such option: the client remembers what it
/// published for <see cref="MqttClientSettings.EchoWindow"/> and drops one matching message per
/// publication, counted in <see cref="Echoes"/>; see <see cref="EchoSuppression"/> for the limits.
/// <para>
/// Retained messages become the group's last value (<see cref="InboundMessage{TAddress}.Retained"/>). With
/// MQTT 5 the subscriptions ask for Retain As Published, so a retained update published while the
/// bridge is subscribed keeps its RETAIN flag. MQTT 3.1.1 §3.3.1.3 has the broker clear the flag
/// on every live delivery: only the retained messages sent on subscribing (at start, or after a
/// reconnect that lost the session) are marked; a live retained update reaches the group as a
/// plain message and does not replace the group's last value.
/// </para>
/// </remarks>
public sealed partial class MqttBrokerClient : IAdapterSide, IEndpointPublisher<string>
{
    private readonly IMqttClient _client;
    private readonly MqttClientSettings _settings;
    private readonly BrokerTrust _trust;
    private readonly EchoSuppression? _echoSuppression;
    private readonly Router _router;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly CancellationTokenSource _stopping = new();
    private Task _connectLoop = Task.CompletedTask;
    private MqttRequestServer? _requests;
    private long _acknowledged;
    private long _received;
    private long _published;
    private long _routeFailures;
    private long _connects;
    private long _echoes;

    private MqttBrokerClient(MqttClientSettings settings, Router router, ILogger logger, TimeProvider time)
    {
        _settings = settings;
        _router = router;
        _logger = logger;
        _time = time;
        _origin = time.GetTimestamp();
        _trust = BrokerTrust.Load(settings.Tls);
        _echoSuppression = settings.Protocol == MqttProtocol.V311 ? new EchoSuppression(settings.EchoWindow, settings.EchoCapacity) : null;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Whether the client is connected now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>QoS 1 messages acknowledged to the broker, each after it was handed to the multicast layer.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>MQTT 3.1.1: the broker's copies of the client's own publications, dropped instead of routed.</summary>
    public long Echoes => Interlocked.Read(ref _echoes);

    /// <summary>
    /// Starts connecting in the background; the returned task ends at the first connection.
    /// </summary>
    /// <exception cref="ArgumentException">The settings cannot work, or a TLS file cannot be read.</exception>
    /// <exception cref="MqttBrokerRefusedException">
    /// The broker refused the first connection for good (credentials, authorisation, certificate,
    /// protocol version); connection failures that may pass (no broker listening yet) are retried.
    /// </exception>
    public static Task<MqttBrokerClient> StartAsync(
        MqttClientSettings settings, Router router, ILogger logger, TimeProvider? time = null, CancellationToken cancellationToken = default)
        => StartAsync(settings, router, [], null, logger, time, cancellationToken);

    /// <summary>
    /// Starts connecting in the background, serving <paramref name="requestRules"/> with
    /// <paramref name="requester"/> (<see cref="MqttRequestServer"/>); the returned task ends at the first connection.
    /// </summary>
    /// <exception cref="ArgumentException">The settings cannot work, or a TLS file cannot be read.</exception>
    /// <exception cref="MqttBrokerRefusedException">The broker refused the first connection for good.</exception>
    public static async Task<MqttBrokerClient> StartAsync(
        MqttClientSettings settings, Router router, IReadOnlyList<RequestRule> requestRules, IGroupRequester? requester, ILogger logger,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(requestRules);
        settings.Validate();
        var client = new MqttBrokerClient(settings, router, logger, time ?? TimeProvider.System);
        if (requestRules.Count > 0)
        {
            client._requests = new MqttRequestServer(requestRules, requester, client.PublishReplyAsync, logger, client._time);
        }

        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client._connectLoop = client.KeepConnectedAsync(connected);
        try
        {
            await connected.Task.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MqttBrokerRefusedException)
        {
            // Nobody else holds the client: stop its reconnect loop before giving up.
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>
    /// Publishes a message that came from a group: QoS 1 for <see cref="DeliveryGuarantee.AtLeastOnce"/>
    /// (the task ends at the broker's PUBACK), QoS 0 otherwise; retained when <see cref="PublishOptions.Retain"/>.
    /// </summary>
    public async ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var message = MqttMessages.FromGroup(topic, payload, options);

        // Before the publish: the broker may send the echo before the PUBACK.
        _echoSuppression?.Published(topic, payload.Span, Now());
        await _client.PublishAsync(message, cancellationToken);
        Interlocked.Increment(ref _published);
    }

    /// <inheritdoc/>
    public ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
        => _router.RouteFromGroupAsync(message, this, cancellationToken);

    /// <inheritdoc/>
    public AdapterSideStatus Status() => new()
    {
        Connected = IsConnected,
        Peer = $"{_settings.Broker.Scheme}://{_settings.Broker.Authority}",
        Received = Interlocked.Read(ref _received),
        Published = Interlocked.Read(ref _published),
        Acknowledged = Acknowledged,
        Reconnects = Math.Max(0, Interlocked.Read(ref _connects) - 1),
        Dropped = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["echo"] = Echoes,
            ["route_failed"] = Interlocked.Read(ref _routeFailures),
            ["request_refused"] = _requests?.Refused ?? 0,
            ["request_failed"] = _requests?.Failed ?? 0,
        },
    };

    /// <summary>Whether <paramref name="rules"/> subscribe to the same filters with the same guarantees: the client subscribes when it connects.</summary>
    public bool CanFollow(RoutingTable rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return _router.Table.SubscriptionFilters().SequenceEqual(rules.SubscriptionFilters());
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
            await _requests.DisposeAsync();
        }

        await _connectLoop;
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _trust.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The subscription for <paramref name="filters"/>: QoS 0 or 1 per guarantee, No Local with MQTT 5.</summary>
    internal static MqttClientSubscribeOptions Subscription(IReadOnlyList<(string Filter, DeliveryGuarantee Guarantee)> filters, MqttProtocol protocol)
    {
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var (filter, guarantee) in filters)
        {
            subscribe.WithTopicFilter(f =>
            {
                f.WithTopic(filter).WithQualityOfServiceLevel(QoS(guarantee));
                if (protocol == MqttProtocol.V5)
                {
                    // No Local: no loops through this client (§3.8.3.1). Retain As Published keeps
                    // the RETAIN flag on live retained publishes too, so they update the group's
                    // last value; retained messages are sent only for a subscription the session
                    // did not hold, not again after every reconnect.
                    f.WithNoLocal(true)
                        .WithRetainAsPublished(true)
                        .WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly);
                }
            });
        }

        return subscribe.Build();
    }

    /// <summary>The QoS a delivery guarantee asks of MQTT.</summary>
    internal static MqttQualityOfServiceLevel QoS(DeliveryGuarantee guarantee)
        => guarantee == DeliveryGuarantee.AtMostOnce ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;

    /// <summary>Whether a refused CONNECT names a cause a retry will not cure.</summary>
    private static bool IsPermanent(MqttClientConnectResultCode code)
        => code is MqttClientConnectResultCode.BadUserNameOrPassword
            or MqttClientConnectResultCode.NotAuthorized
            or MqttClientConnectResultCode.Banned
            or MqttClientConnectResultCode.BadAuthenticationMethod
            or MqttClientConnectResultCode.ClientIdentifierNotValid
            or MqttClientConnectResultCode.UnsupportedProtocolVersion;

    private static AuthenticationException? TlsFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException tls)
            {
                return tls;
            }
        }

        return null;
    }

    private TimeSpan Now() => _time.GetElapsedTime(_origin);

    private async Task KeepConnectedAsync(TaskCompletionSource firstConnection)
    {
        var delay = _settings.ReconnectDelay;
        var token = _stopping.Token;
        var broker = _settings.Broker.ToString();
        while (!token.IsCancellationRequested)
        {
            if (!_client.IsConnected)
            {
                try
                {
                    await ConnectAndSubscribeAsync(token);
                    Interlocked.Increment(ref _connects);
                    Log.Connected(_logger, broker, _settings.Protocol.ToString());
                    firstConnection.TrySetResult();
                    delay = _settings.ReconnectDelay;
                }
                catch when (token.IsCancellationRequested)
                {
                    // Disposed while connecting: whatever MQTTnet threw for the abort is expected.
                    break;
                }
                catch (MqttBrokerRefusedException ex)
                {
                    Log.Refused(_logger, broker, delay.TotalMilliseconds, ex.Message);
                    if (firstConnection.TrySetException(ex))
                    {
                        // Nobody waits for a client that never connected: StartAsync throws instead.
                        return;
                    }
                }
                catch (Exception ex)
                {
                    Log.ConnectFailed(_logger, broker, delay.TotalMilliseconds, ReasonOf(ex));
                }
            }

            try
            {
                await Task.Delay(delay, _time, token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (!_client.IsConnected)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.MaxReconnectDelay.Ticks));
            }
        }

        firstConnection.TrySetCanceled(token);
    }

    // MQTTnet wraps the socket's error ("Connection refused", "Name or service not known") in a
    // message that names only the host; a person needs both.
    private static string ReasonOf(Exception exception)
    {
        var cause = exception.GetBaseException();
        return cause == exception || exception.Message.Contains(cause.Message, StringComparison.Ordinal)
            ? exception.Message
            : $"{exception.Message.TrimEnd('.')}: {cause.Message}";
    }

    private MqttClientOptions ConnectOptions()
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_settings.Broker.Host, _settings.Port)
            .WithClientId(_settings.ClientId)
            .WithProtocolVersion(_settings.Protocol == MqttProtocol.V5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithCleanSession(!_settings.PersistentSession);
        if (_settings.Protocol == MqttProtocol.V5)
        {
            options.WithSessionExpiryInterval(_settings.PersistentSession ? (uint)_settings.SessionExpiry.TotalSeconds : 0);
        }

        if (_settings.UserName is { } user)
        {
            options.WithCredentials(user, _settings.Password);
        }

        if (_settings.UsesTls)
        {
            options.WithTlsOptions(tls =>
            {
                tls.UseTls()
                    .WithTargetHost(_settings.Tls?.ServerName ?? _settings.Broker.Host)
                    .WithCertificateValidationHandler(e => _trust.Accepts(e.Certificate, e.Chain, e.SslPolicyErrors));
                if (_trust.ClientCertificate is { } certificate)
                {
                    tls.WithClientCertificates([certificate]);
                }
            });
        }

        return options.Build();
    }

    private async Task ConnectAndSubscribeAsync(CancellationToken cancellationToken)
    {
        MqttClientConnectResult result;
        try
        {
            result = await _client.ConnectAsync(ConnectOptions(), cancellationToken);
        }
        catch (Exception ex) when (TlsFailure(ex) is { } tls && !cancellationToken.IsCancellationRequested)
        {
            throw new MqttBrokerRefusedException($"TLS with {_settings.Broker} failed: {tls.Message}", ex);
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            var reason = $"broker {_settings.Broker} refused the connection: {result.ResultCode} {result.ReasonString}".TrimEnd();
            throw IsPermanent(result.ResultCode) ? new MqttBrokerRefusedException(reason) : new InvalidOperationException(reason);
        }

        // Request topics are subscribed with QoS 1 like an at-least-once rule's.
        IReadOnlyList<(string Filter, DeliveryGuarantee Guarantee)> filters =
            [.. _router.Table.SubscriptionFilters(), .. (_requests?.Filters ?? []).Select(f => (f, DeliveryGuarantee.AtLeastOnce))];
        if (filters.Count == 0)
        {
            return;
        }

        var subscribed = await _client.SubscribeAsync(Subscription(filters, _settings.Protocol), cancellationToken);
        foreach (var item in subscribed.Items)
        {
            // A refused filter (an ACL, say) leaves its rules without messages, not the others.
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                Log.SubscribeRefused(_logger, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var acknowledged = message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
        args.AutoAcknowledge = false;
        Interlocked.Increment(ref _received);
        if (_requests is not null && _requests.TryTake(message))
        {
            // A request message is taken once its request started (or was refused): acknowledged now.
            if (acknowledged)
            {
                await AcknowledgeAsync(args, message.Topic);
            }

            return;
        }

        var inbound = MqttMessages.ToInbound(message);
        if (_echoSuppression is not null && _echoSuppression.TryTakeEcho(inbound.Address, inbound.Payload.Span, Now()))
        {
            Interlocked.Increment(ref _echoes);
            Log.EchoDropped(_logger, message.Topic);
        }
        else
        {
            try
            {
                await _router.RouteAsync(inbound, _stopping.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not acknowledged: the broker keeps it in the session and sends it again on reconnect.
                Interlocked.Increment(ref _routeFailures);
                Log.RouteFailed(_logger, message.Topic, ex);
                return;
            }
        }

        if (acknowledged)
        {
            await AcknowledgeAsync(args, message.Topic);
        }
    }

    private async Task PublishReplyAsync(MqttApplicationMessage reply, CancellationToken cancellationToken)
    {
        // A to-group rule may read the reply topic: with 3.1.1 the echo must be known as the bridge's own.
        _echoSuppression?.Published(reply.Topic, reply.Payload.ToArray(), Now());
        await _client.PublishAsync(reply, cancellationToken);
        Interlocked.Increment(ref _published);
    }

    private async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs args, string topic)
    {
        try
        {
            await args.AcknowledgeAsync(_stopping.Token);
            Interlocked.Increment(ref _acknowledged);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The connection went between hand-off and PUBACK: the broker sends it again, the
            // group gets a duplicate, which at-least-once allows.
            Log.AcknowledgeFailed(_logger, topic, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(111, LogLevel.Information, "Connected to MQTT broker {Broker} ({Protocol})")]
        public static partial void Connected(ILogger logger, string broker, string protocol);

        [LoggerMessage(112, LogLevel.Warning, "Connecting to MQTT broker {Broker} failed, retrying in {DelayMs} ms: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string broker, double delayMs, string reason);

        [LoggerMessage(113, LogLevel.Error, "Routing {Topic} failed; the message is not acknowledged")]
        public static partial void RouteFailed(ILogger logger, string topic, Exception exception);

        [LoggerMessage(114, LogLevel.Error, "MQTT broker {Broker} refused the bridge, retrying in {DelayMs} ms: {Reason}")]
        public static partial void Refused(ILogger logger, string broker, double delayMs, string reason);

        [LoggerMessage(115, LogLevel.Warning, "MQTT broker refused the subscription to {Filter}: {Reason}; its rules get no messages")]
        public static partial void SubscribeRefused(ILogger logger, string filter, string reason);

        [LoggerMessage(116, LogLevel.Debug, "Dropped the echo of the bridge's own publication on {Topic}")]
        public static partial void EchoDropped(ILogger logger, string topic);

        [LoggerMessage(117, LogLevel.Warning, "Acknowledging {Topic} failed, the broker will send it again: {Reason}")]
        public static partial void AcknowledgeFailed(ILogger logger, string topic, string reason);
    }
}
