using System.Text;
using System.Threading.Channels;
using Bridge.Adapters.Amqp.Client;
using Bridge.Adapters.Amqp.Rules;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Bridge.Testing;
using Xunit.Abstractions;

namespace Bridge.Adapters.Amqp.Tests.Client;

/// <summary>
/// The AMQP client against real RabbitMQ nodes, with ordinary RabbitMQ.Client publishers and
/// consumers on the broker side and real multicast sockets on loopback on the group side. Bridge A
/// takes the head-end's exchange on broker 1 to the group; bridge B publishes the group to an
/// exchange on broker 2. Each test has its own exchanges, queues and group.
/// </summary>
[Collection(RabbitMqBrokersDefinition.Name)]
public sealed class AmqpBrokerClientTests(RabbitMqBrokers brokers, ITestOutputHelper output) : IAsyncLifetime
{
    private const string RoutingKey = "meters.north.tariff";
    private const string Pattern = "meters.*.tariff";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    // A restart takes a few seconds, recovery retries every 250 ms after it.
    private static readonly TimeSpan RecoveryPatience = TimeSpan.FromSeconds(60);

    // While bridge B has not recovered its channel, what the group sends is not published.
    private static readonly TimeSpan ResendAfter = TimeSpan.FromMilliseconds(300);

    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private readonly RecordingLogger _log = new();
    private MulticastSocket _bridgeA = null!;
    private MulticastSocket _bridgeB = null!;
    private MulticastSocket _device = null!;

    private string HeadEndExchange => $"head-end-{_id}";

    private string FarSideExchange => $"far-side-{_id}";

    private string BridgeAId => $"bridge-a-{_id}";

    public Task InitializeAsync()
    {
        _bridgeA = MulticastSocket.Create(_loopback);
        _bridgeB = MulticastSocket.Create(_loopback);
        _device = MulticastSocket.Create(_loopback);
        _device.Join(_group);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _device.DisposeAsync();
        await _bridgeB.DisposeAsync();
        await _bridgeA.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_MessagePublishedToBroker1_ReachesConsumerOnBroker2ThroughGroup()
    {
        await using var farSide = await StartFarSideAsync();
        var queue = $"far-side-meters-{_id}";
        await using var consumer = await AmqpTestClient.ConnectAsync(brokers.Second, "far-side-consumer");
        await consumer.BindAsync(queue, FarSideExchange, "meters.#");
        var inbox = await consumer.ConsumeAsync(queue);
        await using var bridge = await StartBridgeAAsync(_bridgeA);
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");

        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, "0.2841");

        Assert.Equal(new Received(FarSideExchange, RoutingKey, "0.2841", Persistent: true), await ReadAsync(inbox, Patience));
        var heard = await _device.FirstAsync(Patience);
        Assert.Equal(ContentType.AmqpMessage, heard.ContentType);
        Assert.Equal("0.2841", Text(heard));
    }

    /// <summary>
    /// The head-end publishes a stream of persistent messages with confirms; broker 1 stops while
    /// the bridge holds a delivery in its hand-off to the group (the 51st) and more unacknowledged
    /// ones behind it, and the head-end goes on publishing once the broker is back. Every confirmed
    /// message sat in the bridge's durable queue, so the group hears all of them. The 50 the bridge
    /// acknowledged before the stop come exactly once; the held one reaches the group during the
    /// outage, its ack dies with the channel, and the broker delivers it again: it comes twice.
    /// </summary>
    [Fact]
    public async Task StartAsync_Broker1RestartedMidStream_GroupHearsEveryConfirmedMessage()
    {
        const int Count = 300;
        const int BeforeStop = 150;
        const int Acknowledged = 50;
        var sender = new GatedSender(_bridgeA, holdFrom: Acknowledged + 1);
        await using var bridge = await StartBridgeAAsync(sender);
        using var deadline = new CancellationTokenSource(RecoveryPatience);
        var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");
        var confirmed = new List<string>();
        var republished = 0;
        try
        {
            for (var i = 1; i <= BeforeStop; i++)
            {
                await headEnd.PublishAsync(HeadEndExchange, RoutingKey, $"m{i}", deadline.Token);
                confirmed.Add($"m{i}");
            }

            await sender.Holding.WaitAsync(deadline.Token);
            await brokers.First.StopAsync();
            sender.Release();
            await brokers.First.StartAgainAsync(deadline.Token);
            for (var i = BeforeStop + 1; i <= Count; i++)
            {
                var body = $"m{i}";
                while (true)
                {
                    try
                    {
                        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, body, deadline.Token);
                        confirmed.Add(body);
                        break;
                    }
                    catch (Exception ex) when (!headEnd.IsOpen && ex is not OperationCanceledException)
                    {
                        // The head-end's connection died with the broker: connect again, publish again.
                        await headEnd.DisposeAsync();
                        headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end", deadline.Token);
                        republished++;
                    }
                }
            }
        }
        finally
        {
            sender.Release();
            await headEnd.DisposeAsync();
        }

        var heard = await HearAllAsync(confirmed, RecoveryPatience);

        output.WriteLine(
            $"confirmed {confirmed.Count}, republished {republished}, heard {heard.Count} distinct / {heard.Values.Sum()} in all, "
            + $"acknowledged {bridge.Acknowledged}, recoveries {bridge.Recoveries}");
        var published = Enumerable.Range(1, Count).Select(i => $"m{i}").ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Count, confirmed.Count);
        Assert.DoesNotContain(confirmed, m => !heard.ContainsKey(m));
        Assert.DoesNotContain(heard.Keys, m => !published.Contains(m));
        Assert.All(Enumerable.Range(1, Acknowledged), i => Assert.Equal(1, heard[$"m{i}"]));
        Assert.Equal(2, heard[$"m{Acknowledged + 1}"]);
        Assert.True(bridge.Recoveries >= 1, "the bridge's connection was not recovered");
    }

    [Fact]
    public async Task PublishAsync_Broker2Restarted_MessagesFromGroupAfterRecoveryArrive()
    {
        await using var farSide = await StartFarSideAsync();
        var queue = $"far-side-meters-{_id}";
        await using (var setup = await AmqpTestClient.ConnectAsync(brokers.Second, "setup"))
        {
            await setup.BindAsync(queue, FarSideExchange, "meters.#");
        }

        await brokers.Second.RestartAsync();
        await using var consumer = await AmqpTestClient.ConnectAsync(brokers.Second, "far-side-consumer");
        var inbox = await consumer.ConsumeAsync(queue);

        var first = await SendUntilHeardAsync(inbox, "after restart");
        const int Stream = 20;
        for (var i = 1; i <= Stream; i++)
        {
            await _bridgeA.SendAsync(_group, Encoding.UTF8.GetBytes($"stream {i}"), ContentType.AmqpMessage);
        }

        var stream = new List<string>();
        using var timeout = new CancellationTokenSource(Patience);
        while (stream.Count < Stream)
        {
            var next = await inbox.ReadAsync(timeout.Token);
            if (next.Body.StartsWith("stream ", StringComparison.Ordinal))
            {
                stream.Add(next.Body);
            }
        }

        output.WriteLine($"first heard: {first.Body}; group messages bridge B could not publish while recovering: {farSide.Failures}");
        Assert.StartsWith("after restart ", first.Body, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, Stream).Select(i => $"stream {i}"), stream);
        Assert.True(farSide.Bridge.Recoveries >= 1);
        Assert.True(farSide.Bridge.Published >= Stream + 1, $"bridge B published {farSide.Bridge.Published}");
    }

    /// <summary>
    /// A routing key no topic can be (rejected, not requeued), a message through a binding an
    /// earlier configuration left on the queue (acknowledged, dropped): each is counted and logged,
    /// and the messages around them reach the group in order.
    /// </summary>
    [Fact]
    public async Task StartAsync_MalformedAndUnroutableMessages_AreCountedLoggedAndDoNotStopTheOthers()
    {
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");
        await headEnd.DeclareExchangeAsync(HeadEndExchange);
        await headEnd.BindAsync($"gridcast.{BridgeAId}", HeadEndExchange, "alarms.#");
        await using var bridge = await StartBridgeAAsync(_bridgeA);

        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, "good 1");
        await headEnd.PublishAsync(HeadEndExchange, "meters.+.tariff", "bad key");
        await headEnd.PublishAsync(HeadEndExchange, "alarms.overheat", "old binding");
        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, "good 2");
        var messages = await _device.TakeAsync(2, Patience);

        // Had "bad key" gone back to the queue, it would come again before this one.
        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, "good 3");
        messages.Add(await _device.FirstAsync(Patience));

        Assert.Equal(["good 1", "good 2", "good 3"], messages.Select(Text));
        Assert.Equal(1, bridge.Malformed);
        Assert.Equal(1, bridge.Unroutable);
        var status = bridge.Status();
        Assert.Equal(5, status.Received);
        Assert.Equal((1L, 1L, 0L), (status.Dropped["malformed"], status.Dropped["unroutable"], status.Dropped["route_failed"]));
        Assert.Contains("meters.+.tariff", Assert.Single(_log.Messages(127)), StringComparison.Ordinal);
        Assert.Contains("alarms.overheat", Assert.Single(_log.Messages(128)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HandOffFailsOnce_MessageGoesBackToQueueAndReachesGroup()
    {
        var sender = new FailingOnceSender(_bridgeA);
        await using var bridge = await StartBridgeAAsync(sender);
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");

        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, "failed once");
        await sender.Failed.WaitAsync(Patience);

        Assert.Equal("failed once", Text(await _device.FirstAsync(Patience)));
        Assert.Equal(1, bridge.RouteFailures);
        Assert.Single(_log.Messages(126));
    }

    [Fact]
    public async Task PublishAsync_MessageFromGroupOnOwnExchange_IsNotRoutedBackToGroup()
    {
        var rules = new RoutingTable([Rule(Pattern, RuleDirection.ToGroup), Rule(RoutingKey, RuleDirection.FromGroup)]);
        await using var bridge = await AmqpBrokerClient.StartAsync(
            Settings(brokers.First, HeadEndExchange, BridgeAId), new Router(rules, _bridgeA), _log);
        await using var headEnd = await AmqpTestClient.ConnectAsync(brokers.First, "head-end");

        // Confirmed means queued, so the bridge's queue holds this before the head-end's message.
        await bridge.PublishAsync(RoutingKey, "from the group"u8.ToArray(), default);
        await headEnd.PublishAsync(HeadEndExchange, RoutingKey, "from the head-end");

        Assert.Equal("from the head-end", Text(await _device.FirstAsync(Patience)));
        Assert.Equal(1, bridge.Echoes);
        Assert.Equal(1, bridge.Published);
    }

    private static AmqpClientSettings Settings(Testing.Brokers.RabbitMqBroker broker, string exchange, string clientId)
        => new() { Broker = broker.Uri, Exchange = exchange, ClientId = clientId };

    private static string Text(GroupMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    /// <summary>A rule between the routing-key template <paramref name="routingKey"/> and this test's group.</summary>
    private MappingRule Rule(string routingKey, RuleDirection direction) => new()
    {
        Name = routingKey,
        Endpoint = RoutingKeyTemplate.Parse(routingKey),
        Groups = [GroupTemplate.Of(_group)],
        Direction = direction,
    };

    private static async Task<Received> ReadAsync(ChannelReader<Received> inbox, TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        return await inbox.ReadAsync(timeout.Token);
    }

    private async Task<AmqpBrokerClient> StartBridgeAAsync(IGroupSender sender)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var rules = new RoutingTable([Rule(Pattern, RuleDirection.ToGroup)]);
        return await AmqpBrokerClient.StartAsync(
            Settings(brokers.First, HeadEndExchange, BridgeAId), new Router(rules, sender), _log, cancellationToken: timeout.Token);
    }

    /// <summary>Bridge B: joins the group and publishes what it hears to broker 2, as the host's bridge service does.</summary>
    private async Task<FarSide> StartFarSideAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var router = new Router(new RoutingTable([Rule(RoutingKey, RuleDirection.FromGroup)]), _bridgeB);
        var bridge = await AmqpBrokerClient.StartAsync(
            Settings(brokers.Second, FarSideExchange, $"bridge-b-{_id}"), router, _log, cancellationToken: timeout.Token);
        _bridgeB.Join(_group);
        return new FarSide(bridge, router, _bridgeB);
    }

    /// <summary>Reads the group until every one of <paramref name="expected"/> was heard; returns how often each message was heard.</summary>
    private async Task<Dictionary<string, int>> HearAllAsync(IReadOnlyCollection<string> expected, TimeSpan patience)
    {
        var heard = new Dictionary<string, int>(StringComparer.Ordinal);
        var missing = expected.ToHashSet(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await foreach (var message in _device.ReceiveAsync(timeout.Token))
            {
                var text = Text(message);
                heard[text] = heard.GetValueOrDefault(text) + 1;
                missing.Remove(text);
                if (missing.Count == 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the group did not hear {missing.Count} confirmed message(s) within {patience.TotalSeconds} s: "
                + string.Join(' ', missing.Take(20)) + $"\n{await brokers.First.TranscriptAsync()}");
        }

        return heard;
    }

    /// <summary>
    /// Sends numbered messages to the group until the consumer on broker 2 receives one, and returns
    /// the first it received: waits for bridge B's recovery without guessing how long it takes.
    /// </summary>
    private async Task<Received> SendUntilHeardAsync(ChannelReader<Received> inbox, string prefix)
    {
        using var deadline = new CancellationTokenSource(RecoveryPatience);
        for (var n = 1; ; n++)
        {
            await _bridgeA.SendAsync(_group, Encoding.UTF8.GetBytes($"{prefix} {n}"), ContentType.AmqpMessage, deadline.Token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            wait.CancelAfter(ResendAfter);
            try
            {
                return await inbox.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                // Not recovered yet: that message went nowhere.
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"broker 2's consumer received nothing within {RecoveryPatience.TotalSeconds} s and {n} sends\n{await brokers.Second.TranscriptAsync()}");
            }
        }
    }

    /// <summary>Bridge B and the loop that publishes what its socket hears, as the host's bridge service runs them.</summary>
    private sealed class FarSide : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _pump;

        public FarSide(AmqpBrokerClient bridge, Router router, MulticastSocket socket)
        {
            Bridge = bridge;
            _pump = PumpAsync(router, socket, _stopping.Token);
        }

        public AmqpBrokerClient Bridge { get; }

        /// <summary>Group messages that could not be published (the broker was away).</summary>
        public int Failures { get; private set; }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            await _pump;
            await Bridge.DisposeAsync();
            _stopping.Dispose();
        }

        private async Task PumpAsync(Router router, MulticastSocket socket, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var message in socket.ReceiveAsync(cancellationToken))
                {
                    try
                    {
                        await router.RouteFromGroupAsync(message, Bridge, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Failures++;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }
}
