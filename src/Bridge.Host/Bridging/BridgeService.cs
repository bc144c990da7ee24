using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary>
/// Runs one bridge: the MQTT side (embedded broker or client of a broker) routes topics to
/// groups; the groups of from-group rules are joined and their messages published on topics.
/// </summary>
internal sealed partial class BridgeService(BridgeSettings settings, ILoggerFactory loggers, TimeProvider time) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<BridgeService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var socket = MulticastSocket.Create(settings.Interface, logger: loggers.CreateLogger<MulticastSocket>(), time: time);
        var router = new Router(settings.Rules, socket);
        await using var adapter = await StartAdapterAsync(router, stoppingToken);
        foreach (var group in settings.Rules.SourceGroups)
        {
            socket.Join(group);
        }

        Log.Running(_logger, settings.Rules.ToGroup.Count, settings.Rules.FromGroup.Count, settings.Interface.Name);
        try
        {
            await foreach (var message in socket.ReceiveAsync(stoppingToken))
            {
                try
                {
                    await router.RouteFromGroupAsync(message, adapter, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.PublishFailed(_logger, message.Group.Canonical, message.Sequence, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    private async Task<IAdapter> StartAdapterAsync(Router router, CancellationToken cancellationToken)
    {
        if (settings.Broker is null)
        {
            return await EmbeddedMqttBroker.StartAsync(settings.Listen, router, loggers.CreateLogger<EmbeddedMqttBroker>());
        }

        return await MqttBrokerClient.StartAsync(
            settings.ClientId is null
                ? new MqttClientSettings { Broker = settings.Broker }
                : new MqttClientSettings { Broker = settings.Broker, ClientId = settings.ClientId },
            router, loggers.CreateLogger<MqttBrokerClient>(), time, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(201, LogLevel.Information, "Bridge running: {ToGroup} to-group and {FromGroup} from-group rule(s) on {Interface}")]
        public static partial void Running(ILogger logger, int toGroup, int fromGroup, string @interface);

        [LoggerMessage(202, LogLevel.Error, "Publishing message {Sequence} of {Group} failed")]
        public static partial void PublishFailed(ILogger logger, string group, ulong sequence, Exception exception);
    }
}
