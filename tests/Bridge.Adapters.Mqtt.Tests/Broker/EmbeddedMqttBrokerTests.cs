using System.Buffers;
using System.Net;
using System.Text;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Tests.Broker;

/// <summary>The embedded broker with real MQTT clients on one side and real multicast sockets on the other.</summary>
public sealed class EmbeddedMqttBrokerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private MulticastSocket _bridgeSocket = null!;
    private MulticastSocket _device = null!;
    private Router _router = null!;
    private EmbeddedMqttBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _bridgeSocket = MulticastSocket.Create(_loopback);
        _device = MulticastSocket.Create(_loopback);
        _device.Join(_group);
        _router = new Router(new RoutingTable([TopicToGroupRule.Parse($"meters/+/tariff={_group}")], []), _bridgeSocket);
        _broker = await EmbeddedMqttBroker.StartAsync(new IPEndPoint(IPAddress.Loopback, FreePorts.Tcp()), _router, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _device.DisposeAsync();
        await _bridgeSocket.DisposeAsync();
    }

    [Fact]
    public async Task Publish_QoS1OnMappedTopic_IsAcknowledgedAndReachesGroupMember()
    {
        using var headEnd = await ConnectAsync("head-end");

        var result = await headEnd.PublishAsync(Message("meters/north/tariff", "0.2841", MqttQualityOfServiceLevel.AtLeastOnce));

        Assert.True(result.IsSuccess, result.ReasonString);
        var message = await FirstAsync(_device);
        Assert.Equal("0.2841", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(ContentType.MqttPublish, message.ContentType);
        Assert.Equal(_group, message.Group);
    }

    [Fact]
    public async Task Publish_UnmappedTopic_StillReachesBrokerSubscribersButNoGroup()
    {
        using var headEnd = await ConnectAsync("head-end");
        using var subscriber = await ConnectAsync("plain-subscriber");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("chargers/#", MqttQualityOfServiceLevel.AtLeastOnce);

        await headEnd.PublishAsync(Message("chargers/north/limit", "11kW", MqttQualityOfServiceLevel.AtLeastOnce));

        Assert.Equal("chargers/north/limit", await received.Task.WaitAsync(Patience));
        Assert.Equal(1, _router.Unmatched);
        Assert.Equal(0, _bridgeSocket.Counters.FramesSent);
    }

    [Fact]
    public async Task PublishAsync_MessageFromGroup_ReachesSubscribersAndIsNotSentBackToGroup()
    {
        using var subscriber = await ConnectAsync("meter-gateway");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("meters/north/tariff", MqttQualityOfServiceLevel.AtLeastOnce);

        // The topic matches the to-group rule: were it routed, the device would hear it first.
        await _broker.PublishAsync("meters/north/tariff", "from the group"u8.ToArray());
        Assert.Equal("from the group", await received.Task.WaitAsync(Patience));

        using var headEnd = await ConnectAsync("head-end");
        await headEnd.PublishAsync(Message("meters/north/tariff", "from the head-end", MqttQualityOfServiceLevel.AtLeastOnce));
        var first = await FirstAsync(_device);
        Assert.Equal("from the head-end", Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal(1, _bridgeSocket.Counters.FramesSent);
    }

    private async Task<IMqttClient> ConnectAsync(string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(_broker.Endpoint.Address.ToString(), _broker.Endpoint.Port)
            .WithClientId(clientId)
            .Build());
        return client;
    }

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos)
        => new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)))
            .WithQualityOfServiceLevel(qos)
            .Build();

    private static async Task<GroupMessage> FirstAsync(MulticastSocket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await foreach (var message in socket.ReceiveAsync(timeout.Token))
        {
            return message;
        }

        throw new InvalidOperationException("the socket closed");
    }
}
