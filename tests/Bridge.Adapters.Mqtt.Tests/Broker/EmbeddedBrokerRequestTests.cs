using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Tests.Broker;

/// <summary>The embedded broker's request rules, with real MQTT clients and a requester that records what it was asked.</summary>
public sealed class EmbeddedBrokerRequestTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly GroupName Meters = GroupName.Parse("ham:sg:meters.north");
    private static readonly RequestRule Rule = new(
        "reading", "mqtt", "meters/+/read", Meters, new AggregationSpec { Functions = AggregateFunctions.Sum }, TimeSpan.FromMilliseconds(750), "meters/result");

    private readonly RecordingRequester _requester = new();
    private MulticastSocket _bridgeSocket = null!;
    private EmbeddedMqttBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _bridgeSocket = MulticastSocket.Create(MulticastInterface.Loopback());
        var router = new Router(MqttRules.Table([], []), _bridgeSocket);
        _broker = await EmbeddedMqttBroker.StartAsync(
            new IPEndPoint(IPAddress.Loopback, FreePorts.Tcp()), router, NullLogger.Instance, requestRules: [Rule], requester: _requester);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _bridgeSocket.DisposeAsync();
    }

    [Fact]
    public async Task Publish_OnRequestTopic_AsksTheRulesGroupAndPublishesTheAnswerOnTheReplyTopic()
    {
        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");
        var replies = await ReceiveAsync(headEnd, "meters/result");

        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/read", "go"));

        var reply = await replies.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal("""{"sum":42}""", Encoding.UTF8.GetString(reply.Payload.ToArray()));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, reply.QualityOfServiceLevel);
        var asked = Assert.Single(_requester.Asked);
        Assert.Equal((Meters, TimeSpan.FromMilliseconds(750), AggregateFunctions.Sum), (asked.Group, asked.Deadline, asked.Spec.Aggregation!.Functions));
    }

    [Fact]
    public async Task Publish_MalformedOverride_IsRefusedAndCountedAndTheNextRequestStillWorks()
    {
        using var headEnd = await MqttTestClient.ConnectAsync(_broker.Endpoint.Port, "head-end");
        var replies = await ReceiveAsync(headEnd, "meters/result");

        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/read", """{"aggregate":["median"]}"""));
        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/read", """{"deadline":"100ms"}"""));

        await replies.ReadAsync().AsTask().WaitAsync(Patience);
        var asked = Assert.Single(_requester.Asked);
        Assert.Equal(TimeSpan.FromMilliseconds(100), asked.Deadline);
        Assert.Equal(1, _broker.Status().Dropped["request_refused"]);
    }

    private static async Task<ChannelReader<MqttApplicationMessage>> ReceiveAsync(IMqttClient client, string filter)
    {
        var messages = Channel.CreateUnbounded<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            messages.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return messages.Reader;
    }

    private sealed class RecordingRequester : IGroupRequester
    {
        public ConcurrentQueue<GroupRequest> Asked { get; } = new();

        public ValueTask<GroupAnswer> AskAsync(GroupRequest request, CancellationToken cancellationToken = default)
        {
            Asked.Enqueue(request);
            return ValueTask.FromResult(new GroupAnswer("""{"sum":42}"""u8.ToArray(), 3, 0, 0));
        }
    }
}
