using System.Text.Json;
using System.Threading.Channels;
using Bridge.Adapters.Amqp.Client;
using Bridge.Adapters.Amqp.Rules;
using Bridge.Adapters.Amqp.Tests.Client;
using Bridge.Core.Mapping;
using Bridge.Core.Requests;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;

namespace Bridge.Adapters.Amqp.Tests.Requests;

/// <summary>
/// AMQP request rules against a real RabbitMQ node: an ordinary RabbitMQ.Client publisher sends a
/// request message, three devices on loopback multicast (real sockets) answer the bridge's
/// request, and an ordinary consumer receives the aggregated result as JSON, on the rule's reply
/// routing key or on the request's reply-to queue.
/// </summary>
[Collection(RabbitMqBrokersDefinition.Name)]
public sealed class AmqpRequestTests(RabbitMqBrokers brokers) : IAsyncLifetime
{
    private const string RequestKey = "meters.read";
    private const string ReplyKey = "meters.result";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Long enough that the three devices answer on a loaded machine; the result comes at the deadline.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    private static readonly double[] Values = [1.5, 2.25, 4];

    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private readonly RecordingLogger _log = new();
    private MulticastSocket _bridgeSocket = null!;
    private RecordingSocketRequester? _requester;

    private string Exchange => $"requests-{_id}";

    public Task InitializeAsync()
    {
        _bridgeSocket = MulticastSocket.Create(_loopback);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _bridgeSocket.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_RequestOnRuleRoutingKey_ResultWithCountAndSumReachesTheReplyRoutingKey()
    {
        await using var devices = new LoopbackResponders(_loopback, _group, Values);
        await using var bridge = await StartBridgeAsync();
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");
        var inbox = await ConsumeReplyKeyAsync(headEnd);

        await headEnd.PublishAsync(Exchange, RequestKey, "go");

        var received = await ReadAsync(inbox);
        Assert.Equal((Exchange, ReplyKey), (received.Exchange, received.RoutingKey));
        using var result = JsonDocument.Parse(received.Body);
        Assert.Equal(3UL, result.RootElement.GetProperty("count").GetUInt64());
        Assert.Equal(7.75, result.RootElement.GetProperty("sum").GetDouble());
        Assert.Equal(_group.Canonical, result.RootElement.GetProperty("group").GetString());
        Assert.Equal(0, bridge.Acknowledged);
    }

    [Fact]
    public async Task StartAsync_RequestWithReplyToAndCorrelationId_ResultGoesToThatQueueWithTheIdAndTheOverride()
    {
        await using var devices = new LoopbackResponders(_loopback, _group, Values);
        await using var bridge = await StartBridgeAsync();
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");
        var ruleQueue = $"rule-replies-{_id}";
        await headEnd.BindAsync(ruleQueue, Exchange, ReplyKey);
        var replyQueue = await headEnd.DeclareReplyQueueAsync();
        var inbox = await headEnd.ConsumeAsync(replyQueue);

        await headEnd.PublishRequestAsync(Exchange, RequestKey, """{"aggregate":["count","sum","max"],"deadline":"1500ms"}""", replyQueue, "round-17");

        var received = await ReadAsync(inbox);
        Assert.Equal((string.Empty, replyQueue, "round-17"), (received.Exchange, received.RoutingKey, received.CorrelationId));
        using var result = JsonDocument.Parse(received.Body);
        Assert.Equal((3UL, 7.75), (result.RootElement.GetProperty("count").GetUInt64(), result.RootElement.GetProperty("sum").GetDouble()));
        var asked = Assert.Single(_requester!.Asked);
        Assert.Equal(AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Max, asked.Spec.Aggregation!.Functions);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), asked.Deadline);

        // One result per request, published to reply-to only: none with the rule's key.
        Assert.Equal(0u, await headEnd.MessageCountAsync(ruleQueue));
    }

    [Fact]
    public async Task StartAsync_MalformedOverride_IsRefusedAndCountedAndTheNextRequestIsAnswered()
    {
        await using var devices = new LoopbackResponders(_loopback, _group, Values);
        await using var bridge = await StartBridgeAsync();
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");
        var inbox = await ConsumeReplyKeyAsync(headEnd);

        await headEnd.PublishAsync(Exchange, RequestKey, """{"aggregate":["median"]}""");
        await headEnd.PublishAsync(Exchange, RequestKey, "{}");

        // One queue, delivered in order: the refusal was counted before the second request started.
        using var result = JsonDocument.Parse((await ReadAsync(inbox)).Body);
        Assert.Equal(3UL, result.RootElement.GetProperty("count").GetUInt64());
        Assert.Equal(1, bridge.Status().Dropped["request_refused"]);
        Assert.Single(_requester!.Asked);
        Assert.Contains(_log.Lines, l => l.Message.Contains("median", StringComparison.Ordinal));
    }

    private async Task<ChannelReader<Received>> ConsumeReplyKeyAsync(AmqpTestClient client)
    {
        var queue = $"replies-{_id}";
        await client.BindAsync(queue, Exchange, ReplyKey);
        return await client.ConsumeAsync(queue);
    }

    private async Task<AmqpBrokerClient> StartBridgeAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var rule = new RequestRule(
            "reading", AmqpAdapterKind.KindName, RequestKey, _group,
            new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Mean }, Deadline, ReplyKey);

        // A to-group rule on other keys: requests and ordinary messages share the queue.
        var mapping = new MappingRule
        {
            Name = "tariffs",
            Endpoint = RoutingKeyTemplate.Parse("meters.*.tariff"),
            Groups = [GroupTemplate.Of(_group)],
            Direction = RuleDirection.ToGroup,
        };
        _requester = new RecordingSocketRequester(new SocketRequester(_bridgeSocket));
        var settings = new AmqpClientSettings { Broker = brokers.First.Uri, Exchange = Exchange, ClientId = $"bridge-{_id}" };
        return await AmqpBrokerClient.StartAsync(
            settings, new Router(new RoutingTable([mapping]), _bridgeSocket), [rule], _requester, _log, cancellationToken: timeout.Token);
    }

    private static async Task<Received> ReadAsync(ChannelReader<Received> inbox)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await inbox.ReadAsync(timeout.Token);
    }

    /// <summary>Keeps what the bridge asked, and asks the real requester.</summary>
    private sealed class RecordingSocketRequester(SocketRequester inner) : Core.Adapters.IGroupRequester
    {
        public System.Collections.Concurrent.ConcurrentQueue<Core.Adapters.GroupRequest> Asked { get; } = new();

        public ValueTask<Core.Adapters.GroupAnswer> AskAsync(Core.Adapters.GroupRequest request, CancellationToken cancellationToken = default)
        {
            Asked.Enqueue(request);
            return inner.AskAsync(request, cancellationToken);
        }
    }
}
