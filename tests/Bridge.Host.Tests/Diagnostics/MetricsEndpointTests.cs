using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Host.Tests.Configuration;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Host.Tests.Diagnostics;

/// <summary>
/// <c>gridcast run</c> with a <c>metrics</c> listener, scraped over HTTP as Prometheus would: the
/// counters move with the traffic the test sends, and <c>/healthz</c> says why when the node is not well.
/// </summary>
public sealed class MetricsEndpointTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConfigurationFiles _files = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task Run_PublishAndMalformedDatagram_ScrapeShowsTheCountersThatMoved()
    {
        var (mqttPort, metricsPort) = (FreePorts.Tcp(), FreePorts.Tcp());
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var path = _files.Write("edge-1.yaml", $"""
            node:
              id: edge-1
            groups:
              tariff:
                uri: {group.Canonical}
            bridge:
              mqtt:
                listen: 127.0.0.1:{mqttPort}
              rules:
                - name: tariffs
                  mqtt: meters/tariff
                  group: tariff
                  direction: both
            metrics:
              listen: 127.0.0.1:{metricsPort}
            """);
        await using var node = await StartAsync(path);
        var metrics = new Uri($"http://127.0.0.1:{metricsPort}/");

        var (healthStatus, health) = await GetAsync(new Uri(metrics, "healthz"));
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal(
            ["Healthy", $"configuration: Healthy: {path} loaded: node edge-1", $"adapters: Healthy: mqtt: listening on 127.0.0.1:{mqttPort}"],
            health.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using (var headEnd = await MqttTestClient.ConnectAsync(mqttPort, "head-end"))
        {
            var ack = await headEnd.PublishAsync(MqttTestClient.Message("meters/tariff", "0.31 EUR/kWh"));
            Assert.True(ack.IsSuccess, ack.ReasonString);
        }

        SendGarbage(group, "not a gridcast frame");

        // The bridge hears its own message back (multicast loopback on lo) and the garbage: two datagrams.
        var scrape = await ScrapeUntilAsync(metrics, node, s => s.Value("gridcast_endpoint_datagrams_received_total") == 2);
        Assert.Equal(1, scrape.Value("gridcast_adapter_messages_received_total", ("adapter_kind", "mqtt")));
        Assert.Equal(1, scrape.Value("gridcast_adapter_messages_routed_total", ("adapter_kind", "mqtt")));
        Assert.Equal(0, scrape.Value("gridcast_adapter_messages_dropped_total", ("adapter_kind", "mqtt"), ("reason", "unmatched")));
        Assert.Equal(1, scrape.Value("gridcast_adapter_connected", ("adapter_kind", "mqtt")));
        Assert.Equal(1, scrape.Value("gridcast_socket_messages_sent_total"));
        Assert.Equal(1, scrape.Value("gridcast_socket_groups_joined"));
        Assert.Equal(1, scrape.Value("gridcast_endpoint_frames_sent_total"));
        Assert.Equal(1, scrape.Value("gridcast_endpoint_frames_received_total"));
        Assert.Equal(1, scrape.Value("gridcast_socket_messages_received_total"));
        Assert.Equal(1, scrape.Value("gridcast_endpoint_datagrams_dropped_total", ("reason", "bad_magic")));
        Assert.Equal(1, scrape.Sum("gridcast_endpoint_datagrams_dropped_total"));

        // Its own message back is not published to the broker it came from.
        Assert.Equal(0, scrape.Value("gridcast_adapter_messages_published_total", ("adapter_kind", "mqtt")));
        await node.WaitForLineAsync(l => l.Contains("Dropped a datagram of 20 bytes", StringComparison.Ordinal), Patience);
    }

    [Fact]
    public async Task Run_RequestWithTruncatedPayload_CountedUnderThePayloadReason()
    {
        var (mqttPort, metricsPort) = (FreePorts.Tcp(), FreePorts.Tcp());
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var path = _files.Write("edge-2.yaml", $"""
            node:
              id: edge-2
            groups:
              readings:
                uri: {group.Canonical}
            bridge:
              mqtt:
                listen: 127.0.0.1:{mqttPort}
              rules:
                - name: readings
                  mqtt: meters/readings
                  group: readings
                  direction: from-group
            metrics:
              listen: 127.0.0.1:{metricsPort}
            """);
        await using var node = await StartAsync(path);
        var metrics = new Uri($"http://127.0.0.1:{metricsPort}/");

        // A well-formed frame of type Request whose payload is one byte: the frame decodes, the
        // request in it does not.
        var frame = new GridCastFrame
        {
            Type = FrameType.Request,
            Group = Encoding.UTF8.GetBytes(group.WireName),
            SourceId = 0x1234,
            Sequence = 1,
            Payload = new byte[] { 1 },
        };
        var datagram = new byte[FrameCodec.DefaultMaxFrameSize];
        var length = FrameCodec.Encode(frame, datagram);
        SendDatagram(group, datagram.AsSpan(0, length).ToArray());

        var scrape = await ScrapeUntilAsync(metrics, node, s => s.Value("gridcast_endpoint_datagrams_received_total") == 1);
        Assert.Equal(1, scrape.Value("gridcast_endpoint_frames_received_total"));
        Assert.Equal(1, scrape.Value("gridcast_endpoint_datagrams_dropped_total", ("reason", "payload_truncated")));
        Assert.Equal(1, scrape.Sum("gridcast_endpoint_datagrams_dropped_total"));
        Assert.Equal(0, scrape.Value("gridcast_endpoint_requests_received_total"));
    }

    [Fact]
    public async Task Run_BrokerDown_HealthIsUnhealthyAndNamesTheBroker()
    {
        var (brokerPort, metricsPort) = (FreePorts.Tcp(), FreePorts.Tcp());
        var path = _files.Write("edge-2.yaml", $"""
            node:
              id: edge-2
            groups:
              tariff:
                uri: {FreePorts.UniqueIPv4Group()}
            bridge:
              mqtt:
                broker: mqtt://127.0.0.1:{brokerPort}
              rules:
                - name: tariffs
                  mqtt: meters/tariff
                  group: tariff
                  direction: to-group
            metrics:
              listen: 127.0.0.1:{metricsPort}
            """);

        // Nothing listens on the broker's port: the side keeps trying, and the node runs meanwhile.
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Node started", StringComparison.Ordinal), Patience);
        await node.WaitForLineAsync(l => l.Contains($"127.0.0.1:{brokerPort}", StringComparison.Ordinal), Patience);

        var (status, health) = await GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/healthz"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(
            [
                "Unhealthy",
                $"configuration: Healthy: {path} loaded: node edge-2",
                $"adapters: Unhealthy: mqtt: not running yet (MQTT client of mqtt://127.0.0.1:{brokerPort}: starting, or waiting for its broker)",
            ],
            health.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Run_GatewayPeerUnreachable_HealthIsUnhealthyAndTheLinkIsDown()
    {
        var (overlayPort, peerPort, metricsPort) = (FreePorts.Tcp(), FreePorts.Tcp(), FreePorts.Tcp());
        _files.AddNode("gw-a");
        var path = _files.Write("gw-a.yaml", $"""
            node:
              id: gw-a
            groups:
              tariff:
                uri: {FreePorts.UniqueIPv4Group()}
            gateway:
              role: transit
              listen: 127.0.0.1:{overlayPort}
              tls:
                certificate: certs/gw-a.crt
                key: certs/gw-a.key
                authority: certs/ca.crt
              peers:
                - id: gw-b
                  address: 127.0.0.1:{peerPort}
              election:
                helloInterval: 50ms
                holdTime: 200ms
            metrics:
              listen: 127.0.0.1:{metricsPort}
            """);

        // Nothing listens at gw-b's address: the gateway dials it again and again, and runs meanwhile.
        await using var node = GridcastCli.Start("run", "--config", path);
        await node.WaitForLineAsync(l => l.Contains("Gateway ready gw-a", StringComparison.Ordinal), Patience);
        var metrics = new Uri($"http://127.0.0.1:{metricsPort}/");

        var (status, health) = await GetAsync(new Uri(metrics, "healthz"));
        var scrape = await ScrapeUntilAsync(metrics, node, s => s.Value("gridcast_gateway_hellos_sent_total") >= 1);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(
            ["Unhealthy", $"configuration: Healthy: {path} loaded: node gw-a", "overlay: Unhealthy: 0 of 1 configured link(s) up; down: gw-b"],
            health.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, scrape.Value("gridcast_links_up", ("peer", "gw-b"), ("kind", "configured")));
        Assert.Equal(0, scrape.Value("gridcast_links_up", ("kind", "leaf")));
        Assert.Equal(0, scrape.Value("gridcast_links_frames_dropped_total", ("reason", "queue_full")));
        Assert.Equal(0, scrape.Value("gridcast_gateway_relays_received_total"));
        Assert.Null(scrape.Value("gridcast_adapter_connected"));
    }

    [Fact]
    public async Task Run_OtlpOverHttp_PostsTheNodesMetricsToTheCollector()
    {
        var collectorPort = FreePorts.Tcp();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{collectorPort}/");
        collector.Start();
        var path = _files.Write("edge-4.yaml", $"""
            node:
              id: edge-4
            groups:
              tariff:
                uri: {FreePorts.UniqueIPv4Group()}
            bridge:
              mqtt:
                listen: 127.0.0.1:{FreePorts.Tcp()}
              rules:
                - name: tariffs
                  mqtt: meters/tariff
                  group: tariff
                  direction: to-group
            metrics:
              otlp: http://127.0.0.1:{collectorPort}
              otlpProtocol: http
              exportInterval: 200ms
            """);
        await using var node = await StartAsync(path);

        var context = await collector.GetContextAsync().WaitAsync(Patience);
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        context.Response.StatusCode = 200;
        context.Response.Close();

        Assert.Equal(("POST", "/v1/metrics", "application/x-protobuf"), (context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType));

        // Protobuf writes strings as they are: the meters, the node's id and the instruments are in the body.
        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("GridCast.Adapters", text, StringComparison.Ordinal);
        Assert.Contains("gridcast.adapter.messages.received", text, StringComparison.Ordinal);
        Assert.Contains("edge-4", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MetricsAddressInUse_FailsWithOneLineNamingIt()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var path = _files.Write("edge-3.yaml", $"""
            node:
              id: edge-3
            groups:
              tariff:
                uri: {FreePorts.UniqueIPv4Group()}
            bridge:
              mqtt:
                listen: 127.0.0.1:{FreePorts.Tcp()}
              rules:
                - name: tariffs
                  mqtt: meters/tariff
                  group: tariff
                  direction: to-group
            metrics:
              listen: 127.0.0.1:{port}
            """);

        var (code, process) = await GridcastCli.RunAsync(Patience, "run", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal($"gridcast: metrics.listen: cannot listen on 127.0.0.1:{port}: Address already in use", process.StandardError[^1]);
        Assert.DoesNotContain(process.StandardError, l => l.Contains("Node started", StringComparison.Ordinal));
        await process.DisposeAsync();
    }

    private static async Task<ExternalProcess> StartAsync(string path)
    {
        var node = GridcastCli.Start("run", "--config", path);
        try
        {
            await node.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
            await node.WaitForLineAsync(l => l.Contains("Node started", StringComparison.Ordinal), Patience);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    // One datagram that is no GridCast frame, to the group's address and port on the loopback interface.
    private static void SendGarbage(GroupName group, string text) => SendDatagram(group, Encoding.ASCII.GetBytes(text));

    private static void SendDatagram(GroupName group, byte[] datagram)
    {
        var target = group.Addresses.IPv4 ?? throw new ArgumentException($"{group} has no IPv4 address", nameof(group));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
        socket.SendTo(datagram, target);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri uri)
    {
        using var response = await _http.GetAsync(uri);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // Observable counters are read when scraped, and the datagrams take their time through the
    // kernel and the node: scrape again until the condition holds (the failure shows the last scrape).
    private async Task<Scrape> ScrapeUntilAsync(Uri metrics, ExternalProcess node, Func<Scrape, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        Scrape scrape;
        do
        {
            var (status, body) = await GetAsync(new Uri(metrics, "metrics"));
            Assert.Equal(HttpStatusCode.OK, status);
            scrape = new Scrape(body);
            if (done(scrape))
            {
                return scrape;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the scrape never showed what the test waited for:\n{scrape.Text}\n{node.Transcript()}");
        return scrape;
    }

    /// <summary>One Prometheus text scrape, read the way the assertions need: a series by name and some of its labels.</summary>
    private sealed class Scrape(string text)
    {
        public string Text { get; } = text;

        /// <summary>The value of the one series named <paramref name="name"/> with <paramref name="labels"/> among its labels; null when none.</summary>
        public double? Value(string name, params (string Key, string Value)[] labels)
        {
            var values = Series(name, labels).ToList();
            Assert.True(values.Count <= 1, $"{values.Count} series named {name} match; name more labels");
            return values.Count == 0 ? null : values[0];
        }

        /// <summary>The sum of every series named <paramref name="name"/>.</summary>
        public double Sum(string name) => Series(name, []).Sum();

        private IEnumerable<double> Series(string name, (string Key, string Value)[] labels)
        {
            foreach (var line in Text.Split('\n'))
            {
                if (line.StartsWith('#') || !(line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal)))
                {
                    continue;
                }

                var end = line.LastIndexOf(' ');
                var series = line[..end];
                if (labels.All(l => series.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
                {
                    yield return double.Parse(line[(end + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }
    }
}
