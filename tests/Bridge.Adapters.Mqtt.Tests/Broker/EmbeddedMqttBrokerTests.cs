using System.Buffers;
using System.Net;
using System.Text;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Rules;
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
        _router = new Router(MqttRules.Table([TopicToGroupRule.Parse($"meters/+/tariff={_group}")], []), _bridgeSocket);
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
        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");

        var result = await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.2841"));

        Assert.True(result.IsSuccess, result.ReasonString);
        var message = await _device.FirstAsync();
        Assert.Equal("0.2841", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(ContentType.MqttPublish, message.ContentType);
        Assert.Equal(_group, message.Group);
    }

    [Fact]
    public async Task Publish_UnmappedTopic_StillReachesBrokerSubscribersButNoGroup()
    {
        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");
        using var subscriber = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "plain-subscriber");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("chargers/#", MqttQualityOfServiceLevel.AtLeastOnce);

        await headEnd.PublishAsync(MqttTestClient.Message("chargers/north/limit", "11kW"));

        Assert.Equal("chargers/north/limit", await received.Task.WaitAsync(Patience));
        Assert.Equal(1, _router.Unmatched);
        Assert.Equal(0, _bridgeSocket.Counters.FramesSent);
    }

    [Fact]
    public async Task PublishAsync_MessageFromGroup_ReachesSubscribersAndIsNotSentBackToGroup()
    {
        using var subscriber = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "meter-gateway");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("meters/north/tariff", MqttQualityOfServiceLevel.AtLeastOnce);

        // The topic matches the to-group rule: were it routed, the device would hear it first.
        await _broker.PublishAsync("meters/north/tariff", "from the group"u8.ToArray(), default);
        Assert.Equal("from the group", await received.Task.WaitAsync(Patience));

        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");
        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "from the head-end"));
        var first = await _device.FirstAsync();
        Assert.Equal("from the head-end", Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal(1, _bridgeSocket.Counters.FramesSent);
    }

    [Fact]
    public async Task Status_AfterAPublishEachWay_CountsOneReceivedAndOnePublishedWhileListening()
    {
        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");
        var result = await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.2841"));
        Assert.True(result.IsSuccess, result.ReasonString);
        await _broker.PublishAsync("meters/south/tariff", "from the group"u8.ToArray(), default);

        var status = _broker.Status();

        Assert.True(status.Connected);
        Assert.Equal($"listening on {_broker.Endpoint}", status.Peer);
        Assert.Equal(1, status.Received);
        Assert.Equal(1, status.Published);
        Assert.Equal(0, status.Dropped["route_failed"]);
    }

    [Fact]
    public async Task Publish_Retained_ReachesGroupAsLastValue()
    {
        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");

        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.3050", retain: true));
        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/tariff", "0.3100"));
        var heard = await _device.TakeAsync(2, Patience);

        Assert.True(heard[0].IsLastValue);
        Assert.False(heard[1].IsLastValue);
    }

    [Fact]
    public async Task PublishAsync_Retain_LaterSubscriberGetsItWithRetainFlag()
    {
        await _broker.PublishAsync("tariffs/current", "0.2999"u8.ToArray(), new PublishOptions(Retain: true));

        using var late = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "late-subscriber");
        var received = new TaskCompletionSource<(string, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        late.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult((Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await late.SubscribeAsync("tariffs/current", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(("0.2999", true), await received.Task.WaitAsync(Patience));
    }

    /// <summary>A client taking the bridge's own id would have its messages taken for the group's and never routed.</summary>
    [Fact]
    public async Task Connect_WithTheBridgesClientId_IsRefused()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => MqttTestClient.ConnectAsync(_broker.Endpoint.Port, EmbeddedMqttBroker.BridgeClientId));

        Assert.Contains("ClientIdentifierNotValid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WithCredentials_OnlyTheRightPasswordIsAccepted()
    {
        await using var broker = await EmbeddedMqttBroker.StartAsync(
            new IPEndPoint(IPAddress.Loopback, FreePorts.Tcp()), _router, NullLogger.Instance, new MqttCredentials("head-end", "s3cret"));

        var wrong = await Assert.ThrowsAsync<InvalidOperationException>(
            () => MqttTestClient.ConnectAsync(broker.Endpoint.Port, "head-end", "head-end", "wrong"));
        var anonymous = await Assert.ThrowsAsync<InvalidOperationException>(
            () => MqttTestClient.ConnectAsync(broker.Endpoint.Port, "head-end"));
        using var right = await MqttTestClient.ConnectAsync(broker.Endpoint.Port, "head-end", "head-end", "s3cret");

        Assert.Contains("BadUserNameOrPassword", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("BadUserNameOrPassword", anonymous.Message, StringComparison.Ordinal);
        Assert.True(right.IsConnected);
    }
}
