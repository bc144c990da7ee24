using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Host.Demo;

/// <summary>What the demo is asked to do.</summary>
internal sealed record DemoSettings
{
    public const string DefaultGroup = "ham:ip:239.192.0.7:5000";

    public int Devices { get; init; } = 100;

    public GroupName Group { get; init; } = GroupName.Parse(DefaultGroup);

    public string Topic { get; init; } = "headend/tariff/rtp";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public required MulticastInterface Interface { get; init; }
}

/// <summary>The demo's outcome; also its JSON output.</summary>
internal sealed record DemoResult(
    int Devices,
    int Delivered,
    long SenderCopies,
    double ElapsedMs,
    string Group,
    string Topic,
    string Interface,
    bool TimedOut);

/// <summary>
/// The first end-to-end slice: an embedded MQTT broker, a bridge with one rule (topic to group),
/// and N simulated devices, each with its own multicast socket joined to the tariff group. An
/// ordinary MQTT client publishes one tariff update; the demo waits until every device has it.
/// </summary>
internal sealed class DemoRunner(DemoSettings settings, ILoggerFactory loggers, TimeProvider time)
{
    /// <summary>Called as devices join and as deliveries arrive.</summary>
    public interface IObserver
    {
        void DeviceJoined(int joined);

        void Published();

        void Delivered(int delivered);
    }

    public async Task<DemoResult> RunAsync(IObserver observer, CancellationToken cancellationToken)
    {
        await using var bridgeSocket = MulticastSocket.Create(settings.Interface, logger: loggers.CreateLogger<MulticastSocket>(), time: time);
        var table = MqttRules.Table([new TopicToGroupRule(TopicFilter.Parse(settings.Topic), settings.Group)], []);
        var router = new Router(table, bridgeSocket);
        await using var broker = await EmbeddedMqttBroker.StartAsync(
            new IPEndPoint(IPAddress.Loopback, FreeTcpPort()), router, loggers.CreateLogger<EmbeddedMqttBroker>());

        var devices = new List<MulticastSocket>(settings.Devices);
        try
        {
            for (var i = 0; i < settings.Devices; i++)
            {
                var device = MulticastSocket.Create(settings.Interface, logger: loggers.CreateLogger<MulticastSocket>(), time: time);
                devices.Add(device);
                device.Join(settings.Group);
                observer.DeviceJoined(i + 1);
            }

            var payload = Encoding.UTF8.GetBytes(TariffUpdate());
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delivered = 0;
            var lastDelivery = 0L;
            var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var listeners = devices.Select(d => ListenAsync(d, payload, () =>
            {
                Interlocked.Exchange(ref lastDelivery, time.GetTimestamp());
                var count = Interlocked.Increment(ref delivered);
                observer.Delivered(count);
                if (count == settings.Devices)
                {
                    allDelivered.TrySetResult();
                }
            }, deadline.Token)).ToList();

            var publishedAt = time.GetTimestamp();
            await PublishAsync(broker.Endpoint, payload, cancellationToken);
            observer.Published();

            var timedOut = false;
            try
            {
                await allDelivered.Task.WaitAsync(settings.Timeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                timedOut = true;
            }

            await deadline.CancelAsync();
            await Task.WhenAll(listeners);
            var count = Volatile.Read(ref delivered);
            var elapsed = count > 0 ? time.GetElapsedTime(publishedAt, Interlocked.Read(ref lastDelivery)) : settings.Timeout;
            return new DemoResult(
                settings.Devices,
                count,
                bridgeSocket.Counters.FramesSent,
                Math.Round(elapsed.TotalMilliseconds, 3),
                settings.Group.Canonical,
                settings.Topic,
                settings.Interface.Name,
                timedOut);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static async Task ListenAsync(MulticastSocket device, byte[] expected, Action onDelivered, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in device.ReceiveAsync(cancellationToken))
            {
                if (message.Payload.Span.SequenceEqual(expected))
                {
                    onDelivered();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The demo is over: delivered or timed out.
        }
    }

    private async Task PublishAsync(IPEndPoint broker, byte[] payload, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Address.ToString(), broker.Port)
            .WithClientId("demo-headend")
            .Build();
        await client.ConnectAsync(options, cancellationToken);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(settings.Topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.PublishAsync(message, cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused the tariff update: {result.ReasonCode}");
        }

        await client.DisconnectAsync(cancellationToken: cancellationToken);
    }

    private string TariffUpdate()
    {
        var validFrom = time.GetUtcNow().AddHours(1);
        return $$"""{"tariff":"rtp","currency":"EUR","pricePerKWh":0.2841,"validFrom":"{{validFrom:yyyy-MM-ddTHH:00:00Z}}"}""";
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
