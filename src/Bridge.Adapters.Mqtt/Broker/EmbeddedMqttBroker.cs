using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bridge.Adapters.Mqtt.Requests;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Bridge.Adapters.Mqtt.Broker;

/// <summary>
/// Embedded-broker mode: an MQTT broker (MQTTnet) inside the bridge that head-ends connect to
/// directly. Every message published to it is also routed to the groups its topic maps to; a
/// QoS 1 publisher gets its PUBACK only after that hand-off. A retained publish goes to the groups
/// as their last value. Messages from groups go to subscribers only, never back into a group.
/// </summary>
public sealed partial class EmbeddedMqttBroker : IAdapterSide, IEndpointPublisher<string>
{
    /// <summary>The client id the broker gives messages that came from a group.</summary>
    public const string BridgeClientId = "gridcast-bridge";

    private readonly MqttServer _server;
    private readonly Router _router;
    private readonly ILogger _logger;
    private readonly MqttCredentials? _credentials;
    private long _received;
    private long _published;
    private long _routeFailures;
    private MqttRequestServer? _requests;

    private EmbeddedMqttBroker(MqttServer server, IPEndPoint endpoint, Router router, ILogger logger, MqttCredentials? credentials)
    {
        _server = server;
        Endpoint = endpoint;
        _router = router;
        _logger = logger;
        _credentials = credentials;
        _server.ValidatingConnectionAsync += OnConnectingAsync;
        _server.InterceptingPublishAsync += OnPublishAsync;
    }

    /// <summary>Where the broker listens.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>
    /// Starts a broker on <paramref name="endpoint"/> that routes through <paramref name="router"/>;
    /// with <paramref name="credentials"/>, only clients that present them may connect. A message on
    /// a request topic of <paramref name="requestRules"/> asks its group through <paramref name="requester"/>
    /// (<see cref="MqttRequestServer"/>).
    /// </summary>
    public static async Task<EmbeddedMqttBroker> StartAsync(
        IPEndPoint endpoint, Router router, ILogger logger, MqttCredentials? credentials = null,
        IReadOnlyList<RequestRule>? requestRules = null, IGroupRequester? requester = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(endpoint.Address)
            .WithDefaultEndpointPort(endpoint.Port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new EmbeddedMqttBroker(server, endpoint, router, logger, credentials);
        if (requestRules is { Count: > 0 })
        {
            broker._requests = new MqttRequestServer(requestRules, requester, broker.PublishReplyAsync, logger, time ?? TimeProvider.System);
        }

        await server.StartAsync();
        Log.Started(logger, endpoint.ToString());
        return broker;
    }

    /// <summary>
    /// Publishes a message that came from a group to this broker's subscribers, with the rule's
    /// QoS; with <see cref="PublishOptions.Retain"/> it becomes the topic's retained message.
    /// </summary>
    public async ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        var message = MqttMessages.FromGroup(topic, payload, options);
        await _server.InjectApplicationMessage(
            new InjectedMqttApplicationMessage(message) { SenderClientId = BridgeClientId },
            cancellationToken);
        Interlocked.Increment(ref _published);
    }

    /// <inheritdoc/>
    public AdapterSideStatus Status() => new()
    {
        // Listening is all an embedded broker needs to reach its clients.
        Connected = true,
        Peer = $"listening on {Endpoint}",
        Received = Interlocked.Read(ref _received),
        Published = Interlocked.Read(ref _published),
        Dropped = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["route_failed"] = Interlocked.Read(ref _routeFailures),
            ["request_refused"] = _requests?.Refused ?? 0,
            ["request_failed"] = _requests?.Failed ?? 0,
        },
    };

    /// <inheritdoc/>
    public ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
        => _router.RouteFromGroupAsync(message, this, cancellationToken);

    /// <summary>Always: the broker subscribes to nothing, every topic published to it is routed by the table in force.</summary>
    public bool CanFollow(RoutingTable rules) => true;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _server.InterceptingPublishAsync -= OnPublishAsync;
        _server.ValidatingConnectionAsync -= OnConnectingAsync;
        if (_requests is not null)
        {
            await _requests.DisposeAsync();
        }

        await _server.StopAsync();
        _server.Dispose();
    }

    private async Task PublishReplyAsync(MqttApplicationMessage reply, CancellationToken cancellationToken)
    {
        await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(reply) { SenderClientId = BridgeClientId }, cancellationToken);
        Interlocked.Increment(ref _published);
    }

    private static bool SameSecret(string? presented, string expected)
        => presented is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    private Task OnConnectingAsync(ValidatingConnectionEventArgs args)
    {
        // The bridge's own id marks messages from groups; a client using it would never be routed.
        if (string.Equals(args.ClientId, BridgeClientId, StringComparison.Ordinal))
        {
            args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            Log.ConnectionRefused(_logger, args.ClientId, "client id reserved for the bridge");
        }
        else if (_credentials is { } expected
            && !(string.Equals(args.UserName, expected.UserName, StringComparison.Ordinal) & SameSecret(args.Password, expected.Password)))
        {
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            Log.ConnectionRefused(_logger, args.ClientId, "bad user name or password");
        }

        return Task.CompletedTask;
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs args)
    {
        // Messages that came from a group go to subscribers only, never back into a group.
        if (args.ClientId == BridgeClientId)
        {
            return;
        }

        var message = args.ApplicationMessage;
        Interlocked.Increment(ref _received);

        // A request message starts its request; it still reaches the topic's subscribers.
        if (_requests is not null && _requests.TryTake(message))
        {
            return;
        }

        try
        {
            var groups = await _router.RouteAsync(
                MqttMessages.ToInbound(message),
                args.CancellationToken);
            Log.Routed(_logger, message.Topic, args.ClientId, groups);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The publisher must not get a PUBACK for a message the group did not take.
            Interlocked.Increment(ref _routeFailures);
            Log.RouteFailed(_logger, message.Topic, args.ClientId, ex);
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Information, "Embedded MQTT broker listening on {Endpoint}")]
        public static partial void Started(ILogger logger, string endpoint);

        [LoggerMessage(102, LogLevel.Debug, "Routed {Topic} from {ClientId} to {Groups} group(s)")]
        public static partial void Routed(ILogger logger, string topic, string clientId, int groups);

        [LoggerMessage(103, LogLevel.Error, "Routing {Topic} from {ClientId} failed; the publish is refused")]
        public static partial void RouteFailed(ILogger logger, string topic, string clientId, Exception exception);

        [LoggerMessage(104, LogLevel.Warning, "Embedded MQTT broker refused client {ClientId}: {Reason}")]
        public static partial void ConnectionRefused(ILogger logger, string clientId, string reason);
    }
}

/// <summary>The user name and password clients must present to the embedded broker.</summary>
/// <param name="UserName">The user name.</param>
/// <param name="Password">The password.</param>
public sealed record MqttCredentials(string UserName, string Password);
