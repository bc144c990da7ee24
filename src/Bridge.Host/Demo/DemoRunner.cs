using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Loopback;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Host.Demo;

/// <summary>What the demo is asked to do.</summary>
internal sealed record DemoSettings
{
    public const string DefaultGroup = "ham:ip:239.192.0.7:5000";

    public int Devices { get; init; } = 100;

    public int Domains { get; init; } = 4;

    public GroupName Group { get; init; } = GroupName.Parse(DefaultGroup);

    public string Topic { get; init; } = "headend/tariff/rtp";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The meter-reading round's deadline at the head-end; each gateway hop keeps a margin of it.</summary>
    public TimeSpan RoundDeadline { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What device <paramref name="index"/> (from 0) reads: a meter register in kWh, exact in binary so the sum can be checked to the last digit.</summary>
    public static double Reading(int index) => 100 + (0.5 * index);
}

/// <summary>The demo's outcome; also its JSON output.</summary>
internal sealed record DemoResult(
    int Devices,
    int Domains,
    int Delivered,
    long SenderCopies,
    double ElapsedMs,
    string Group,
    string Topic,
    bool TimedOut,
    double DeadlineMs,
    DemoAggregate Aggregate);

/// <summary>
/// The meter-reading round as the head-end saw it. <see cref="Missing"/> counts the demo's
/// devices that are not in the result (the demo knows them all; a real head-end knows only the
/// members its gateways learnt). <see cref="HeadEndMessages"/> are the Reply frames of the
/// head-end's own domain and the PartialAggregate frames of its gateway that its socket received
/// for the round: what reached the head-end. <see cref="GatewayPartials"/> are the partials merged
/// on the way, the result's <c>PartialsMerged</c> (every gateway that sent one counts itself).
/// </summary>
internal sealed record DemoAggregate(
    ulong Count,
    double Sum,
    double? Mean,
    double? Min,
    double? Max,
    ulong Missing,
    double ExpectedSum,
    long HeadEndMessages,
    long RepliesFromOwnDomain,
    uint GatewayPartials,
    uint MissingSubtrees,
    ulong Late,
    double ElapsedMs);

/// <summary>
/// Figure 1 of the design in one process: an embedded MQTT broker and a bridge with one rule
/// (topic to group) in the head-end's domain, and N devices spread over D in-process domains
/// (<see cref="LoopbackBus"/>), each domain behind its own gateway, the gateways linked over TLS
/// on loopback. An ordinary MQTT client publishes one tariff update, which reaches every device
/// through the gateways; then the head-end asks every device for its meter reading and gets one
/// aggregated answer, combined on the way back by the gateways.
/// </summary>
internal sealed class DemoRunner(DemoSettings settings, ILoggerFactory loggers, TimeProvider time)
{
    /// <summary>Called as the demo goes on.</summary>
    public interface IObserver
    {
        /// <summary>The overlay carries the group to <paramref name="reached"/> of the domains.</summary>
        void DomainReached(int reached);

        void DeviceJoined(int joined);

        void Published();

        void Delivered(int delivered);

        void RoundStarted();

        void Answered(int answered);
    }

    public async Task<DemoResult> RunAsync(IObserver observer, CancellationToken cancellationToken)
    {
        await using var overlay = await DemoOverlay.StartAsync(settings.Domains, settings.Group, loggers, time, cancellationToken);
        await using var bridgeSocket = MulticastSocket.Create([overlay.Domains[0].Attach("head-end")], logger: loggers.CreateLogger<MulticastSocket>(), time: time);
        var table = MqttRules.Table([new TopicToGroupRule(TopicFilter.Parse(settings.Topic), settings.Group)], []);
        var router = new Router(table, bridgeSocket);
        await using var broker = await EmbeddedMqttBroker.StartAsync(
            new IPEndPoint(IPAddress.Loopback, FreeTcpPort()), router, loggers.CreateLogger<EmbeddedMqttBroker>());

        var devices = new List<MulticastSocket>(settings.Devices);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var responders = new List<Task>(settings.Devices);
        try
        {
            await overlay.WaitUntilCarriedAsync(observer.DomainReached, settings.Timeout, cancellationToken);
            var answered = 0;
            for (var i = 0; i < settings.Devices; i++)
            {
                // Round robin: device i lives in domain i mod D, so the head-end's domain has its share too.
                var device = MulticastSocket.Create([overlay.Domains[i % settings.Domains].Attach($"device-{i}")], logger: loggers.CreateLogger<MulticastSocket>(), time: time);
                devices.Add(device);
                device.Join(settings.Group);
                responders.Add(RespondAsync(device, DemoSettings.Reading(i), () => observer.Answered(Interlocked.Increment(ref answered)), stop.Token));
                observer.DeviceJoined(i + 1);
            }

            var (delivered, elapsed, timedOut) = await DeliverTariffAsync(broker.Endpoint, devices, observer, cancellationToken);
            var senderCopies = bridgeSocket.Counters.FramesSent;

            observer.RoundStarted();
            var aggregate = await ReadMetersAsync(bridgeSocket, cancellationToken);
            return new DemoResult(
                settings.Devices,
                settings.Domains,
                delivered,
                senderCopies,
                Math.Round(elapsed.TotalMilliseconds, 3),
                settings.Group.Canonical,
                settings.Topic,
                timedOut,
                settings.RoundDeadline.TotalMilliseconds,
                aggregate);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(responders);
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private async Task<(int Delivered, TimeSpan Elapsed, bool TimedOut)> DeliverTariffAsync(IPEndPoint broker, List<MulticastSocket> devices, IObserver observer, CancellationToken cancellationToken)
    {
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
        await PublishAsync(broker, payload, cancellationToken);
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
        return (count, elapsed, timedOut);
    }

    /// <summary>One meter-reading round from the head-end's socket: the aggregate and what reached the head-end for it.</summary>
    private async Task<DemoAggregate> ReadMetersAsync(MulticastSocket headEnd, CancellationToken cancellationToken)
    {
        var spec = new AggregationSpec
        {
            Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Mean | AggregateFunctions.Min | AggregateFunctions.Max,
        };
        // What reached the head-end's socket for the round: every Reply and PartialAggregate
        // frame it took in while the request was open, copies included (its aggregator counts
        // each member and each gateway once; these are the messages, not the contributors).
        var counters = headEnd.Counters;
        var (replies, partials) = (counters.RepliesReceived, counters.PartialsReceived);
        var startedAt = time.GetTimestamp();
        var result = await headEnd.RequestAsync(settings.Group, spec, settings.RoundDeadline, cancellationToken);
        var elapsed = time.GetElapsedTime(startedAt);
        var ownDomain = counters.RepliesReceived - replies;
        var fromGateways = counters.PartialsReceived - partials;
        var expected = Enumerable.Range(0, settings.Devices).Sum(DemoSettings.Reading);
        var answered = result.Contributors > 0;
        return new DemoAggregate(
            result.Count,
            result.Sum,
            result.Mean,
            answered ? result.Min : null,
            answered ? result.Max : null,
            (ulong)settings.Devices - Math.Min(result.Count, (ulong)settings.Devices),
            expected,
            ownDomain + fromGateways,
            ownDomain,
            result.PartialsMerged,
            result.MissingSubtreeCount,
            result.Late,
            Math.Round(elapsed.TotalMilliseconds, 3));
    }

    /// <summary>A device's answering loop: every request to its groups gets its reading.</summary>
    private static async Task RespondAsync(MulticastSocket device, double reading, Action onAnswered, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in device.RequestsAsync(cancellationToken))
            {
                await device.ReplyAsync(request, reading, cancellationToken: cancellationToken);
                onAnswered();
            }
        }
        catch (OperationCanceledException)
        {
            // The demo is over.
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
