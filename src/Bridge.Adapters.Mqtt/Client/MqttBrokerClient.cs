using Bridge.Core.Routing;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Client;

/// <summary>Where and how <see cref="MqttBrokerClient"/> connects.</summary>
public sealed record MqttClientSettings
{
    /// <summary>The broker, as <c>mqtt://host:port</c> (port 1883 when absent).</summary>
    public required Uri Broker { get; init; }

    /// <summary>
    /// The MQTT client id. The default names host and process, so bridges in containers (where
    /// every process may be PID 1) do not take each other's session.
    /// </summary>
    public string ClientId { get; init; } = $"gridcast-{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// How long the broker keeps this client's session (its subscriptions and the QoS 1 messages
    /// not yet acknowledged) after the connection drops. A message the bridge could not hand to a
    /// group stays unacknowledged and comes again when the client reconnects within this time.
    /// </summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Wait before the first reconnect; doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between reconnects.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Parses and checks a broker URL, naming what is wrong with it.</summary>
    public static Uri ParseBroker(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "mqtt" || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"broker URL '{text}' is not of the form mqtt://host[:port]");
        }

        return uri;
    }
}

/// <summary>
/// Client mode: connects to an existing broker (MQTT 5) with a persistent session, subscribes the
/// filters of the to-group rules with No Local set, routes each message it receives and
/// acknowledges it only after the hand-off; publishes group messages for the from-group rules.
/// Reconnects with backoff and subscribes again after each reconnect.
/// </summary>
public sealed partial class MqttBrokerClient : IAdapter
{
    private readonly IMqttClient _client;
    private readonly MqttClientSettings _settings;
    private readonly Router _router;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private Task _connectLoop = Task.CompletedTask;

    private MqttBrokerClient(MqttClientSettings settings, Router router, ILogger logger, TimeProvider time)
    {
        _settings = settings;
        _router = router;
        _logger = logger;
        _time = time;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Whether the client is connected now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Starts connecting in the background; the returned task ends at the first connection.</summary>
    public static async Task<MqttBrokerClient> StartAsync(
        MqttClientSettings settings, Router router, ILogger logger, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var client = new MqttBrokerClient(settings, router, logger, time ?? TimeProvider.System);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client._connectLoop = client.KeepConnectedAsync(connected);
        try
        {
            await connected.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Nobody else holds the client: stop its reconnect loop before giving up.
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>Publishes a message that came from a group (QoS 1).</summary>
    public async ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var message = MqttMessages.FromGroup(topic, payload);
        await _client.PublishAsync(message, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _connectLoop;
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _stopping.Dispose();
    }

    private async Task KeepConnectedAsync(TaskCompletionSource firstConnection)
    {
        var delay = _settings.ReconnectDelay;
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            if (!_client.IsConnected)
            {
                try
                {
                    await ConnectAndSubscribeAsync(token);
                    Log.Connected(_logger, _settings.Broker.ToString());
                    firstConnection.TrySetResult();
                    delay = _settings.ReconnectDelay;
                }
                catch when (token.IsCancellationRequested)
                {
                    // Disposed while connecting: whatever MQTTnet threw for the abort is expected.
                    break;
                }
                catch (Exception ex)
                {
                    Log.ConnectFailed(_logger, _settings.Broker.ToString(), delay.TotalMilliseconds, ex.Message);
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

    private async Task ConnectAndSubscribeAsync(CancellationToken cancellationToken)
    {
        var port = _settings.Broker.IsDefaultPort ? 1883 : _settings.Broker.Port;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_settings.Broker.Host, port)
            .WithClientId(_settings.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanSession(false)
            .WithSessionExpiryInterval((uint)_settings.SessionExpiry.TotalSeconds)
            .Build();
        await _client.ConnectAsync(options, cancellationToken);
        var filters = _router.Table.ToGroup.Select(r => r.Filter.Text).Distinct(StringComparer.Ordinal).ToList();
        if (filters.Count == 0)
        {
            return;
        }

        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in filters)
        {
            subscribe.WithTopicFilter(f => f.WithTopic(filter).WithNoLocal(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        await _client.SubscribeAsync(subscribe.Build(), cancellationToken);
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        args.AutoAcknowledge = false;
        var message = args.ApplicationMessage;
        try
        {
            await _router.RouteAsync(MqttMessages.ToInbound(message), _stopping.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acknowledged: the broker keeps it in the session and sends it again on reconnect.
            Log.RouteFailed(_logger, message.Topic, ex);
            return;
        }

        await args.AcknowledgeAsync(_stopping.Token);
    }

    private static partial class Log
    {
        [LoggerMessage(111, LogLevel.Information, "Connected to MQTT broker {Broker}")]
        public static partial void Connected(ILogger logger, string broker);

        [LoggerMessage(112, LogLevel.Warning, "Connecting to MQTT broker {Broker} failed, retrying in {DelayMs} ms: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string broker, double delayMs, string reason);

        [LoggerMessage(113, LogLevel.Error, "Routing {Topic} failed; the message is not acknowledged")]
        public static partial void RouteFailed(ILogger logger, string topic, Exception exception);
    }
}
