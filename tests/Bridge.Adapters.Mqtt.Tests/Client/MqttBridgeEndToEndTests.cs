using System.Buffers;
using System.Globalization;
using System.Text;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;
using Bridge.Testing.Brokers;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Tests.Client;

/// <summary>
/// The issue's path end to end on one host: an ordinary MQTT client, broker 1 (Mosquitto), bridge
/// A in client mode, a multicast group on loopback, bridge B in client mode, broker 2, an ordinary
/// subscriber; and a broker restart in the middle of a QoS 1 stream.
/// </summary>
public sealed class MqttBridgeEndToEndTests : IAsyncLifetime
{
    private const string HeadEndTopic = "meters/north/tariff";
    private const string DeviceTopic = "tariffs/north";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StreamPatience = TimeSpan.FromSeconds(40);

    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private MulticastSocket _socketA = null!;
    private MulticastSocket _socketB = null!;
    private MulticastSocket _device = null!;

    public static TheoryData<MqttProtocol> Protocols => [MqttProtocol.V311, MqttProtocol.V5];

    public Task InitializeAsync()
    {
        _socketA = MulticastSocket.Create(_loopback);
        _socketB = MulticastSocket.Create(_loopback);
        _socketB.Join(_group);
        _device = MulticastSocket.Create(_loopback);
        _device.Join(_group);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _device.DisposeAsync();
        await _socketB.DisposeAsync();
        await _socketA.DisposeAsync();
    }

    /// <summary>
    /// Bridge B also maps its own publishing topic into the group, as two bridges configured
    /// symmetrically would: the group must hear each head-end message once, never its copy back
    /// from broker 2. With MQTT 5 a retained tariff stays retained on broker 2 for subscribers that
    /// come later.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task HeadEndToSubscriber_ThroughTwoBridgesAndAGroup_ArrivesOnceAndRetained(MqttProtocol protocol)
    {
        await using var broker1 = await MosquittoBroker.StartAsync();
        await using var broker2 = await MosquittoBroker.StartAsync();
        var routerA = new Router(MqttRules.Table([TopicToGroupRule.Parse($"meters/+/tariff={_group}")], []), _socketA);
        var routerB = new Router(
            MqttRules.Table([TopicToGroupRule.Parse($"tariffs/#={_group}")], [GroupToTopicRule.Parse($"{_group}={DeviceTopic}")]),
            _socketB);
        await using var bridgeA = await StartBridgeAsync(broker1.Uri, "bridge-a", protocol, routerA);
        await using var bridgeB = await StartBridgeAsync(broker2.Uri, "bridge-b", protocol, routerB);
        using var stopping = new CancellationTokenSource();
        var pump = PumpAsync(_socketB, routerB, bridgeB, stopping.Token);
        using var subscriber = await MqttTestClient.ConnectAsync(broker2.Port, "meter-gateway");
        var received = new List<string>();
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
            {
                received.Add(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
                if (received.Count == 2)
                {
                    both.TrySetResult();
                }
            }

            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(DeviceTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var headEnd = await MqttTestClient.ConnectAsync(broker1.Port, "head-end");

        await headEnd.PublishAsync(MqttTestClient.Message(HeadEndTopic, "0.2841", retain: true));
        await headEnd.PublishAsync(MqttTestClient.Message(HeadEndTopic, "0.2900"));
        await both.Task.WaitAsync(Patience);

        // Broker 2 queued bridge B's copies (if any) before the subscriber's, so it sends bridge B
        // this marker after them: once the group hears the marker, a loop would have shown.
        using var marker = await MqttTestClient.ConnectAsync(broker2.Port, "marker");
        await marker.PublishAsync(MqttTestClient.Message("tariffs/marker", "marker"));
        var heard = await _device.TakeAsync(3, Patience);

        Assert.Equal(["0.2841", "0.2900"], received);
        Assert.Equal(["0.2841", "0.2900", "marker"], heard.Select(Text));
        Assert.Equal(protocol == MqttProtocol.V311 ? 2 : 0, bridgeB.Echoes);
        if (protocol == MqttProtocol.V5)
        {
            // Retain As Published keeps the flag on a live retained publish.
            Assert.True(heard[0].IsLastValue);
            Assert.Equal(("0.2841", true), await LateSubscriberGetsAsync(broker2.Port, DeviceTopic));
        }
        else
        {
            // MQTT 3.1.1 §3.3.1.3: the broker clears RETAIN on a live delivery; the bridge cannot
            // tell a retained update from a plain message (documented on MqttBrokerClient).
            Assert.False(heard[0].IsLastValue);
        }

        await stopping.CancelAsync();
        await pump;
    }

    /// <summary>
    /// The issue's test: a broker restart in the middle of a stream of QoS 1 messages loses none
    /// of them. Broker 1 keeps sessions on disk; the bridge holds message 51 in the hand-off to the
    /// group while the broker goes down, so messages 52 onwards are queued or in flight, and
    /// nothing after 50 has been acknowledged. Every message the broker took from the head-end
    /// must reach the group (duplicates are allowed: at least once).
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task BrokerRestart_MidStreamOfQoS1_GroupGetsEveryMessage(MqttProtocol protocol)
    {
        const int BeforeRestart = 100;
        const int AfterRestart = 50;
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistent = true });
        var gate = new GatedSender(_socketA, holdFrom: 51);
        var router = new Router(MqttRules.Table([TopicToGroupRule.Parse($"meters/+/tariff={_group}")], []), gate);
        await using var bridge = await StartBridgeAsync(broker.Uri, "bridge-a", protocol, router);
        var heard = CollectAsync(BeforeRestart + AfterRestart);

        using (var headEnd = await MqttTestClient.ConnectAsync(broker.Port, "head-end"))
        {
            await PublishRangeAsync(headEnd, 1, BeforeRestart);
        }

        await gate.Holding.WaitAsync(Patience);
        var acknowledgedBeforeRestart = bridge.Acknowledged;
        await broker.RestartAsync();
        gate.Release();
        using (var headEnd = await MqttTestClient.ConnectAsync(broker.Port, "head-end"))
        {
            await PublishRangeAsync(headEnd, BeforeRestart + 1, AfterRestart);
        }

        var missing = await heard;
        Assert.True(missing.Count == 0, $"the group never heard {missing.Count} message(s): {string.Join(", ", missing.Order().Take(20))}");
        Assert.Equal(50, acknowledgedBeforeRestart);
    }

    private static async Task PublishRangeAsync(IMqttClient headEnd, int first, int count)
    {
        for (var n = first; n < first + count; n++)
        {
            var result = await headEnd.PublishAsync(MqttTestClient.Message(HeadEndTopic, n.ToString(CultureInfo.InvariantCulture)));
            Assert.True(result.IsSuccess, $"the broker refused message {n}: {result.ReasonString}");
        }
    }

    private static async Task<MqttBrokerClient> StartBridgeAsync(Uri broker, string clientId, MqttProtocol protocol, Router router)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var settings = new MqttClientSettings { Broker = broker, ClientId = clientId, Protocol = protocol };
        return await MqttBrokerClient.StartAsync(settings, router, NullLogger.Instance, cancellationToken: timeout.Token);
    }

    /// <summary>
    /// What the bridge host does for from-group rules: each group message out through the adapter,
    /// except the socket's own, which multicast loopback hands back to a socket that sends to a
    /// group it has joined.
    /// </summary>
    private static async Task PumpAsync(MulticastSocket socket, Router router, IEndpointPublisher<string> publisher, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in socket.ReceiveAsync(cancellationToken))
            {
                if (message.SourceId != socket.SourceId)
                {
                    await router.RouteFromGroupAsync(message, publisher, cancellationToken);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Test over; MQTTnet reports a publish cancelled mid-way as a timeout.
        }
    }

    private static async Task<(string Payload, bool Retain)> LateSubscriberGetsAsync(int port, string topic)
    {
        using var late = await MqttTestClient.ConnectAsync(port, "late-subscriber");
        var received = new TaskCompletionSource<(string, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        late.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult((Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await late.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        return await received.Task.WaitAsync(Patience);
    }

    private static string Text(GroupMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    /// <summary>Listens on the device socket until messages 1..<paramref name="count"/> were all heard; returns those never heard.</summary>
    private async Task<HashSet<int>> CollectAsync(int count)
    {
        var missing = Enumerable.Range(1, count).ToHashSet();
        using var deadline = new CancellationTokenSource(StreamPatience);
        try
        {
            await foreach (var message in _device.ReceiveAsync(deadline.Token))
            {
                missing.Remove(int.Parse(Text(message), CultureInfo.InvariantCulture));
                if (missing.Count == 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Reported by the caller with what is missing.
        }

        return missing;
    }
}
