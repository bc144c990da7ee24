using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Bridge.Testing;
using Bridge.Testing.Brokers;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Tests.Client;

/// <summary>
/// The client mode against a real Mosquitto, with ordinary MQTTnet clients on the broker side and
/// real multicast sockets on loopback on the group side. Each test has its own broker and group.
/// </summary>
public sealed class MqttBrokerClientTests : IAsyncLifetime
{
    private const string Topic = "meters/north/tariff";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Long enough for a few reconnect attempts with the default backoff (250 ms, doubling).
    private static readonly TimeSpan ReconnectPatience = TimeSpan.FromSeconds(20);

    // While the bridge has not subscribed again, the broker drops what the head-end publishes.
    private static readonly TimeSpan RepublishAfter = TimeSpan.FromMilliseconds(200);

    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private MosquittoBroker _mosquitto = null!;
    private MulticastSocket _bridgeSocket = null!;
    private MulticastSocket _device = null!;

    public async Task InitializeAsync()
    {
        _mosquitto = await MosquittoBroker.StartAsync();
        _bridgeSocket = MulticastSocket.Create(_loopback);
        _device = MulticastSocket.Create(_loopback);
        _device.Join(_group);
    }

    public async Task DisposeAsync()
    {
        await _device.DisposeAsync();
        await _bridgeSocket.DisposeAsync();
        await _mosquitto.DisposeAsync();
    }

    public static TheoryData<MqttProtocol> Protocols => [MqttProtocol.V311, MqttProtocol.V5];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_MessagePublishedToBrokerOnMappedTopic_ReachesGroupMember(MqttProtocol protocol)
    {
        await using var bridge = await StartBridgeAsync(_mosquitto.Uri, _bridgeSocket, protocol);
        using var headEnd = await MqttTestClient.ConnectAsync(_mosquitto.Port, "head-end");

        var result = await headEnd.PublishAsync(MqttTestClient.Message(Topic, "0.2841"));

        Assert.True(result.IsSuccess, result.ReasonString);
        var message = await _device.FirstAsync(Patience);
        Assert.Equal("0.2841", Text(message));
        Assert.Equal(ContentType.MqttPublish, message.ContentType);
        Assert.Equal(_group, message.Group);
        Assert.False(message.IsLastValue);
    }

    /// <summary>
    /// With MQTT 5 the broker never sends the bridge its own publication (No Local); with 3.1.1 it
    /// does, and the bridge recognises and counts that echo instead of routing it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task PublishAsync_MessageFromGroup_ReachesSubscriberAndIsNotRoutedBackToGroup(MqttProtocol protocol)
    {
        await using var bridge = await StartBridgeAsync(_mosquitto.Uri, _bridgeSocket, protocol);
        using var subscriber = await MqttTestClient.ConnectAsync(_mosquitto.Port, "meter-gateway");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(Topic, MqttQualityOfServiceLevel.AtLeastOnce);

        // The topic matches the bridge's own to-group filter. Mosquitto queues a copy for every
        // matching subscription before the subscriber sees its copy, so without No Local the
        // bridge would route this one to the group before anything published after it.
        await bridge.PublishAsync(Topic, "from the group"u8.ToArray(), default);
        Assert.Equal("from the group", await received.Task.WaitAsync(Patience));

        using var headEnd = await MqttTestClient.ConnectAsync(_mosquitto.Port, "head-end");
        await headEnd.PublishAsync(MqttTestClient.Message(Topic, "from the head-end"));
        var first = await _device.FirstAsync(Patience);
        Assert.Equal("from the head-end", Text(first));

        // The broker sends the bridge its messages in order: the echo came before the head-end's.
        Assert.Equal(protocol == MqttProtocol.V311 ? 1 : 0, bridge.Echoes);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_BrokerRestarted_ReconnectsAndSubscribesAgainByItself(MqttProtocol protocol)
    {
        await using var bridge = await StartBridgeAsync(_mosquitto.Uri, _bridgeSocket, protocol);

        // Without persistence the restarted broker knows neither the session nor the subscription.
        await _mosquitto.RestartAsync();
        using var headEnd = await MqttTestClient.ConnectAsync(_mosquitto.Port, "head-end");

        var first = await PublishUntilGroupHearsAsync(headEnd, bridge, "after restart");
        Assert.StartsWith("after restart ", Text(first), StringComparison.Ordinal);
    }

    /// <summary>
    /// The client leaves a message unacknowledged when routing fails; with its persistent session
    /// (MQTT 5 session expiry, MQTT 3.1.1 Clean Session 0) the broker keeps it and delivers it
    /// again, first, when the connection is back. Holds for manual acknowledgement in both versions.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_RoutingFailedThenConnectionLost_MessageIsDeliveredAgain(MqttProtocol protocol)
    {
        await using var relay = CuttableRelay.Start(_mosquitto.Port);
        var sender = new FailingOnceSender(_bridgeSocket);
        await using var bridge = await StartBridgeAsync(relay.Uri, sender, protocol);
        using var headEnd = await MqttTestClient.ConnectAsync(_mosquitto.Port, "head-end");

        await headEnd.PublishAsync(MqttTestClient.Message(Topic, "failed once"));
        await sender.Failed.WaitAsync(Patience);
        relay.Cut();

        // On a resumed session the broker resends the unacknowledged message before any newer one.
        var first = await PublishUntilGroupHearsAsync(headEnd, bridge, "after the cut");
        Assert.Equal("failed once", Text(first));
    }

    /// <summary>
    /// A start cancelled before the first connection throws and stops the connect loop it began:
    /// nothing else could dispose that client, so no reconnect may stay scheduled.
    /// </summary>
    [Fact]
    public async Task StartAsync_CancelledBeforeConnecting_LeavesNoReconnectScheduled()
    {
        var time = new ManualTimeProvider();
        var nobodyListens = new Uri($"mqtt://127.0.0.1:{FreePorts.Tcp()}");
        var settings = new MqttClientSettings { Broker = nobodyListens, ClientId = "cancelled-start" };
        using var cancel = new CancellationTokenSource();

        var start = MqttBrokerClient.StartAsync(settings, NewRouter(_bridgeSocket), NullLogger.Instance, time, cancel.Token);
        await time.TimerCreated.WaitAsync(Patience);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        Assert.Equal(0, time.LiveTimers);
    }

    /// <summary>
    /// A reconnect that DisposeAsync interrupts fails with whatever MQTTnet throws for the abort;
    /// the connect loop takes that as the stop it is, and DisposeAsync does not throw.
    /// </summary>
    [Fact]
    public async Task DisposeAsync_WhileReconnectWaitsForBroker_DoesNotThrow()
    {
        await using var relay = CuttableRelay.Start(_mosquitto.Port);
        var bridge = await StartBridgeAsync(relay.Uri, _bridgeSocket);
        relay.Holding = true;
        relay.Cut();
        await relay.ConnectionHeld.WaitAsync(ReconnectPatience);

        var error = await Record.ExceptionAsync(async () => await bridge.DisposeAsync());

        Assert.Null(error);
    }

    /// <summary>
    /// A QoS 0 rule is subscribed at QoS 0: the broker downgrades a QoS 1 publish (§3.8.4) and the
    /// bridge routes it without a PUBACK; a QoS 1 rule's message is acknowledged after hand-off.
    /// The bridge handles messages one at a time, so once the group hears the third, the first
    /// two are done with.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_QoS0AndQoS1Rules_OnlyQoS1MessagesAreAcknowledged(MqttProtocol protocol)
    {
        var table = new RoutingTable(
        [
            TopicToGroupRule.Parse($"meters/+/reading={_group}").ToMappingRule() with { Guarantee = DeliveryGuarantee.AtMostOnce },
            TopicToGroupRule.Parse($"meters/+/tariff={_group}").ToMappingRule(),
        ]);
        using var timeout = new CancellationTokenSource(Patience);
        await using var bridge = await MqttBrokerClient.StartAsync(
            new MqttClientSettings { Broker = _mosquitto.Uri, ClientId = "bridge-under-test", Protocol = protocol },
            new Router(table, _bridgeSocket),
            NullLogger.Instance,
            cancellationToken: timeout.Token);
        using var headEnd = await MqttTestClient.ConnectAsync(_mosquitto.Port, "head-end");

        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/reading", "1"));
        await headEnd.PublishAsync(MqttTestClient.Message(Topic, "2"));
        await headEnd.PublishAsync(MqttTestClient.Message("meters/north/reading", "3"));
        var heard = await _device.TakeAsync(3, Patience);

        Assert.Equal(["1", "2", "3"], heard.Select(Text));
        Assert.Equal(1, bridge.Acknowledged);
        var status = bridge.Status();
        Assert.Equal((true, $"mqtt://{_mosquitto.Uri.Authority}", 3L, 1L, 0L), (status.Connected, status.Peer, status.Received, status.Acknowledged, status.Reconnects));
    }

    /// <summary>
    /// A bridge that connects after the head-end set the tariff gets the broker's retained copy
    /// on subscribing and hands it to the group as the group's last value; a live message is not one.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_RetainedBeforeBridgeConnects_ReachesGroupAsLastValue(MqttProtocol protocol)
    {
        using var headEnd = await MqttTestClient.ConnectAsync(_mosquitto.Port, "head-end");
        var stored = await headEnd.PublishAsync(MqttTestClient.Message(Topic, "0.3050", retain: true));
        Assert.True(stored.IsSuccess, stored.ReasonString);

        await using var bridge = await StartBridgeAsync(_mosquitto.Uri, _bridgeSocket, protocol);
        var retained = await _device.FirstAsync(Patience);
        await headEnd.PublishAsync(MqttTestClient.Message(Topic, "0.3100"));
        var live = await _device.FirstAsync(Patience);

        Assert.Equal("0.3050", Text(retained));
        Assert.True(retained.IsLastValue);
        Assert.Equal("0.3100", Text(live));
        Assert.False(live.IsLastValue);
    }

    /// <summary>A group's last value published with Retain stays on the broker for subscribers that come later.</summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task PublishAsync_Retain_LaterSubscriberGetsItWithRetainFlag(MqttProtocol protocol)
    {
        await using var bridge = await StartBridgeAsync(_mosquitto.Uri, _bridgeSocket, protocol);

        // QoS 1: the task ends at the PUBACK, after the broker stored the retained message.
        await bridge.PublishAsync("tariffs/current", "0.2999"u8.ToArray(), new PublishOptions(Retain: true));
        using var late = await MqttTestClient.ConnectAsync(_mosquitto.Port, "late-subscriber");
        var received = new TaskCompletionSource<(string Payload, bool Retain)>(TaskCreationOptions.RunContinuationsAsynchronously);
        late.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult((Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await late.SubscribeAsync("tariffs/current", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(("0.2999", true), await received.Task.WaitAsync(Patience));
    }

    /// <summary>The rule's guarantee picks the QoS; a QoS 1 subscriber gets the lower of the two (MQTT §3.8.4).</summary>
    [Theory]
    [InlineData(DeliveryGuarantee.AtMostOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(DeliveryGuarantee.AtLeastOnce, MqttQualityOfServiceLevel.AtLeastOnce)]
    public async Task PublishAsync_Guarantee_PublishesWithMatchingQoS(DeliveryGuarantee guarantee, MqttQualityOfServiceLevel expected)
    {
        await using var bridge = await StartBridgeAsync(_mosquitto.Uri, _bridgeSocket);
        using var subscriber = await MqttTestClient.ConnectAsync(_mosquitto.Port, "meter-gateway");
        var received = new TaskCompletionSource<MqttQualityOfServiceLevel>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage.QualityOfServiceLevel);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("tariffs/current", MqttQualityOfServiceLevel.AtLeastOnce);

        await bridge.PublishAsync("tariffs/current", "0.2999"u8.ToArray(), new PublishOptions(Guarantee: guarantee));

        Assert.Equal(expected, await received.Task.WaitAsync(Patience));
    }

    private Router NewRouter(IGroupSender sender)
        => new(MqttRules.Table([TopicToGroupRule.Parse($"meters/+/tariff={_group}")], []), sender);

    private async Task<MqttBrokerClient> StartBridgeAsync(Uri broker, IGroupSender sender, MqttProtocol protocol = MqttProtocol.V5)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var settings = new MqttClientSettings { Broker = broker, ClientId = "bridge-under-test", Protocol = protocol };
        return await MqttBrokerClient.StartAsync(settings, NewRouter(sender), NullLogger.Instance, cancellationToken: timeout.Token);
    }

    /// <summary>
    /// Publishes numbered QoS 1 messages until the group member hears one, and returns the first
    /// message it heard: waits for a reconnect and a new subscription without guessing how long
    /// they take.
    /// </summary>
    private async Task<GroupMessage> PublishUntilGroupHearsAsync(IMqttClient headEnd, MqttBrokerClient bridge, string prefix)
    {
        using var deadline = new CancellationTokenSource(ReconnectPatience);
        var heard = _device.FirstAsync(ReconnectPatience);
        for (var n = 1; ; n++)
        {
            try
            {
                await headEnd.PublishAsync(MqttTestClient.Message(Topic, $"{prefix} {n}"), deadline.Token);
                return await heard.WaitAsync(RepublishAfter, deadline.Token);
            }
            catch (TimeoutException)
            {
                // Not subscribed again yet: that message went nowhere.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested || heard.IsCanceled)
            {
                Assert.Fail(
                    $"the group heard nothing within {ReconnectPatience.TotalSeconds} s and {n} publishes; "
                    + $"bridge connected: {bridge.IsConnected}\n{await _mosquitto.TranscriptAsync()}");
            }
        }
    }

    private static string Text(GroupMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    /// <summary>A clock whose timers never fire; it counts the timers not yet disposed.</summary>
    private sealed class ManualTimeProvider : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<ManualTimer> _timers = [];
        private readonly TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the first timer is created.</summary>
        public Task TimerCreated => _timerCreated.Task;

        /// <summary>Timers created and not disposed.</summary>
        public int LiveTimers
        {
            get
            {
                lock (_gate)
                {
                    return _timers.Count(t => !t.IsDisposed);
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer();
            lock (_gate)
            {
                _timers.Add(timer);
            }

            _timerCreated.TrySetResult();
            return timer;
        }

        private sealed class ManualTimer : ITimer
        {
            private int _disposed;

            public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

            public bool Change(TimeSpan dueTime, TimeSpan period) => !IsDisposed;

            public void Dispose() => Interlocked.Exchange(ref _disposed, 1);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <summary>
    /// A TCP relay on loopback in front of the broker. <see cref="Cut"/> resets the connections
    /// it carries, as a network failure would, while the broker and its sessions live on; while
    /// <see cref="Holding"/>, it accepts connections but passes nothing on, as an unanswering
    /// broker would.
    /// </summary>
    private sealed class CuttableRelay : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly IPEndPoint _target;
        private readonly CancellationTokenSource _stopping = new();
        private readonly Lock _gate = new();
        private readonly List<Socket> _open = [];
        private readonly List<Task> _pumps = [];
        private readonly TaskCompletionSource _connectionHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _acceptLoop;
        private volatile bool _holding;

        private CuttableRelay(Socket listener, IPEndPoint target)
        {
            _listener = listener;
            _target = target;
            _acceptLoop = AcceptLoopAsync();
        }

        public Uri Uri => new($"mqtt://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}");

        /// <summary>Whether new connections are accepted and left unanswered.</summary>
        public bool Holding
        {
            get => _holding;
            set => _holding = value;
        }

        /// <summary>Completes when a connection was accepted while <see cref="Holding"/>.</summary>
        public Task ConnectionHeld => _connectionHeld.Task;

        public static CuttableRelay Start(int targetPort)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen();
            return new CuttableRelay(listener, new IPEndPoint(IPAddress.Loopback, targetPort));
        }

        /// <summary>Resets every connection carried now; later connections are carried again.</summary>
        public void Cut()
        {
            lock (_gate)
            {
                foreach (var socket in _open)
                {
                    Reset(socket);
                }

                _open.Clear();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            _listener.Dispose();
            Cut();
            Task[] pumps;
            lock (_gate)
            {
                pumps = [.. _pumps];
            }

            await _acceptLoop;
            await Task.WhenAll(pumps);
            _stopping.Dispose();
        }

        private static void Reset(Socket socket)
        {
            // Linger 0 makes close send RST: both ends learn at once, as after a broken link.
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed by a pump.
            }

            socket.Dispose();
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var received = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (received == 0)
                    {
                        break;
                    }

                    for (var sent = 0; sent < received;)
                    {
                        sent += await to.SendAsync(buffer.AsMemory(sent, received - sent), SocketFlags.None);
                    }
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Cut, or one end went away.
            }
        }

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(_stopping.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                if (_holding)
                {
                    lock (_gate)
                    {
                        _open.Add(client);
                    }

                    _connectionHeld.TrySetResult();
                    continue;
                }

                var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await upstream.ConnectAsync(_target, _stopping.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                {
                    client.Dispose();
                    upstream.Dispose();
                    continue;
                }

                lock (_gate)
                {
                    _open.Add(client);
                    _open.Add(upstream);
                    _pumps.Add(PumpAsync(client, upstream));
                    _pumps.Add(PumpAsync(upstream, client));
                }
            }
        }
    }
}

/// <summary>Checks of the broker URL the client mode is given.</summary>
public sealed class MqttClientSettingsTests
{
    [Theory]
    [InlineData("http://x")]
    [InlineData("mqtt://")]
    [InlineData("not a url")]
    public void ParseBroker_NotAnMqttUrl_ThrowsNamingTheValue(string text)
    {
        var error = Assert.Throws<FormatException>(() => MqttClientSettings.ParseBroker(text));

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBroker_MqttUrlWithPort_ReturnsHostAndPort()
    {
        var broker = MqttClientSettings.ParseBroker("mqtt://127.0.0.1:18830");

        Assert.Equal("127.0.0.1", broker.Host);
        Assert.Equal(18830, broker.Port);
    }

    [Theory]
    [InlineData("mqtt://broker", 1883, false)]
    [InlineData("mqtts://broker", 8883, true)]
    [InlineData("mqtts://broker:18883", 18883, true)]
    public void Port_BrokerUrl_IsTheUrlsOrTheSchemesDefault(string text, int port, bool tls)
    {
        var settings = new MqttClientSettings { Broker = MqttClientSettings.ParseBroker(text) };

        Assert.Equal(port, settings.Port);
        Assert.Equal(tls, settings.UsesTls);
    }

    [Fact]
    public void ToString_WithPassword_DoesNotShowIt()
    {
        var settings = new MqttClientSettings { Broker = new Uri("mqtt://broker"), UserName = "bridge", Password = "s3cret" };

        var text = settings.ToString();

        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.Contains("bridge", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ClientCertificateWithoutKeyAndPasswordWithoutUser_NamesBoth()
    {
        var settings = new MqttClientSettings
        {
            Broker = new Uri("mqtts://broker"),
            Password = "secret",
            Tls = new MqttTlsSettings { ClientCertificateFile = "bridge.crt" },
        };

        var error = Assert.Throws<ArgumentException>(settings.Validate);

        Assert.Contains("password needs a user name", error.Message, StringComparison.Ordinal);
        Assert.Contains("client certificate needs its key file", error.Message, StringComparison.Ordinal);
    }
}
