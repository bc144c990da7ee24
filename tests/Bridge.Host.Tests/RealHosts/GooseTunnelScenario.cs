using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Link;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// What the end-to-end GOOSE tunnel tests share, whatever joins the two nodes (one multicast
/// domain, or two domains and a gateway pair): the substation LANs (a veth pair inside each node's
/// namespace, the node's end and the IED's end), the two nodes' <c>bridge</c> sections, substation
/// A's publisher, tshark on both LANs, and the run with its assertions: B's frames carry A's
/// control block, dataset values and stNum/sqNum sequence, and stop within A's
/// timeAllowedtoLive once A's publisher is killed.
/// </summary>
internal static partial class GooseTunnelScenario
{
    public const string Purpose = "the GOOSE tunnel tests (tshark's goose dissector, AF_PACKET sockets in namespaces)";
    public const string GocbRef = "SUBA1LD0/LLN0$GO$gcbTrip";
    public const string DatSet = "SUBA1LD0/LLN0$Trip";
    public const string AppId = "0x1001";

    /// <summary>The node's end of substation A's LAN (the IED's end is <c>iedA</c>).</summary>
    public const string NodeEndA = "subA";

    /// <summary>The node's end of substation B's LAN (the IED's end, where tshark listens, is <c>iedB</c>).</summary>
    public const string NodeEndB = "subB";

    private const uint LastState = 31;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // A heartbeat of 100 ms and a constant timeAllowedtoLive of 300 ms, as libiec61850 publishes
    // (a tight one, 2 × T1 after a change, would lapse whenever this test's timer is late).
    internal static readonly GooseRetransmissionOptions PublisherTiming = new()
    {
        FirstInterval = TimeSpan.FromMilliseconds(4),
        Heartbeat = TimeSpan.FromMilliseconds(100),
        FixedTimeAllowedToLive = TimeSpan.FromMilliseconds(300),
    };

    private static readonly string[] Fields =
        ["frame.time_epoch", "goose.appid", "eth.dst", "vlan.priority", "goose.gocbRef", "goose.datSet", "goose.stNum", "goose.sqNum", "goose.timeAllowedtoLive", "goose.boolean", "goose.integer"];

    /// <summary>Node A's <c>bridge</c> section: capture A's control block on <see cref="NodeEndA"/> into <paramref name="group"/>.</summary>
    public static string CaptureBridge(string group) => $"""
          goose:
            interface: {NodeEndA}
          rules:
            - name: trip-capture
              goose: appid={AppId} gocbRef={GocbRef}
              group: {group}
              direction: to-group
        """;

    /// <summary>
    /// Node B's <c>bridge</c> section: re-emit <paramref name="group"/> on <see cref="NodeEndB"/>.
    /// B repeats on its own only after 150 ms without an upstream message (A's longest interval
    /// is 100 ms, its timeAllowedtoLive 300 ms): it relays A's messages as they come and fills in
    /// only when the upstream is late or gone.
    /// </summary>
    public static string EmitBridge(string group) => $"""
          goose:
            interface: {NodeEndB}
            firstInterval: 150ms
            heartbeat: 150ms
          rules:
            - name: trip-emit
              goose: appid={AppId} dst=01-0C-CD-01-00-01 priority=4
              group: {group}
              direction: from-group
        """;

    /// <summary>The R-GOOSE destination of <see cref="EmitRGooseBridge"/> (IEC 61850-90-5's port).</summary>
    public const string RGooseDestination = "239.192.0.1:102";

    /// <summary>Node B's <c>bridge</c> section with <c>out=rgoose</c>: A's APDUs leave <see cref="NodeEndB"/> as R-GOOSE to <see cref="RGooseDestination"/>.</summary>
    public static string EmitRGooseBridge(string group) => $"""
          goose:
            interface: {NodeEndB}
            firstInterval: 150ms
            heartbeat: 150ms
            rgoose:
              destination: {RGooseDestination}
              ttl: 1
          rules:
            - name: trip-emit
              goose: appid={AppId} dst=01-0C-CD-01-00-01 out=rgoose
              group: {group}
              direction: from-group
        """;

    /// <summary>A node file: <paramref name="bridge"/> (indented by two spaces) for a node in the domain of <paramref name="domainInterface"/>, with one group <c>name</c>.</summary>
    public static string NodeFile(string id, string name, string uri, string domainInterface, string bridge) => $"""
        node:
          id: {id}
        groups:
          {name}:
            uri: {uri}
        domain:
          interface: {domainInterface}
        bridge:
        {bridge}
        """;

    /// <summary>Adds substation A's LAN to <paramref name="hostA"/> and B's to <paramref name="hostB"/>.</summary>
    public static void AddSubstationLans(NamespaceHost hostA, NamespaceHost hostB)
    {
        AddSubstationLan(hostA.Name, NodeEndA, "iedA");
        AddSubstationLan(hostB.Name, NodeEndB, "iedB");
    }

    /// <summary>Adds substation A's LAN only (<see cref="NodeEndA"/> and <c>iedA</c>) to <paramref name="hostA"/>.</summary>
    public static void AddSubstationLanA(NamespaceHost hostA) => AddSubstationLan(hostA.Name, NodeEndA, "iedA");

    /// <summary>Waits until <paramref name="node"/> has opened its GOOSE side on <paramref name="nodeEnd"/>.</summary>
    public static Task WaitForSideAsync(ExternalProcess node, string nodeEnd)
        => node.WaitForLineAsync(l => l.Contains($"GOOSE side on {nodeEnd}", StringComparison.Ordinal), Patience);

    /// <summary>
    /// With both nodes running: tshark on A's and B's LANs, A's publisher through 31 states, then
    /// killed; asserts what B's LAN saw. <paramref name="nodeB"/> is B's node (its log says when
    /// the upstream lapsed). The overlay, if any, has converged once B's LAN sees state 1.
    /// </summary>
    public static async Task RunAsync(NamespaceHost hostA, NamespaceHost hostB, ExternalProcess nodeB, ITestOutputHelper output)
    {
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        await using var wireA = hostA.Start(tshark, Capture(NodeEndA));
        await using var wireB = hostB.Start(tshark, Capture("iedB"));
        await wireA.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);
        await wireB.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);

        // State 1 until B has it (B's node may join the group, or the overlay converge, after A's
        // first frames), then state changes 2 to 31, each once B has the one before: thirty trips
        // through the tunnel.
        var publisher = await PublisherLoop.StartAsync(hostA.Name, "iedA", PublisherTiming, Values(1));
        await wireB.WaitForLineAsync(l => Frame.TryParse(l) is { StNum: 1 }, Patience);
        for (var state = 2u; state <= LastState; state++)
        {
            publisher.Publish(Values(state));
            await wireB.WaitForLineAsync(l => Frame.TryParse(l) is { } f && f.StNum == state, Patience);
        }

        // Into the heartbeat phase, then kill A's publisher: B's node must see the upstream lapse
        // and stop re-emitting.
        await wireB.WaitForLineAsync(l => Frame.TryParse(l) is { StNum: LastState, SqNum: >= 6 }, Patience);
        await publisher.DisposeAsync();
        var end = $"GOOSE upstream {GocbRef} lost (no APDU within its timeAllowedtoLive after stNum {publisher.StNum} sqNum {publisher.SqNum})";
        await nodeB.WaitForLineAsync(l => l.Contains(end, StringComparison.Ordinal), Patience);

        // Witness: a new publisher in A (stNum from 1 again, integer -1). Its first frame in B's
        // capture comes after every frame B sent before it, so any late repeat of the last state would be there.
        await using (var restarted = await PublisherLoop.StartAsync(hostA.Name, "iedA", PublisherTiming, [new GooseBoolean(true), new GooseInteger(-1)]))
        {
            await wireB.WaitForLineAsync(l => Frame.TryParse(l) is { Integer: "-1" }, Patience);
            await wireA.WaitForLineAsync(l => Frame.TryParse(l) is { Integer: "-1" }, Patience);
        }

        var a = Frames(wireA).TakeWhile(f => f.Integer != "-1").ToList();
        var b = Frames(wireB).TakeWhile(f => f.Integer != "-1").ToList();
        output.WriteLine($"A's wire: {a.Count} frames, B's wire: {b.Count} frames");

        // B's frames are A's control block, dataset and values, framed as B's rule says.
        Assert.All(b, f =>
        {
            Assert.Equal((AppId, "01:0c:cd:01:00:01", "4", GocbRef, DatSet), (f.AppId, f.Destination, f.Priority, f.GocbRef, f.DatSet));
            Assert.Equal((f.StNum % 2 == 1 ? "1" : "0", f.StNum.ToString(CultureInfo.InvariantCulture)), (f.Boolean, f.Integer));
        });
        Assert.Equal(Enumerable.Range(1, (int)LastState).Select(i => (uint)i), b.Select(f => f.StNum).Distinct());

        // stNum/sqNum: B's sequence never goes back, and from B's first frame to A's last, every
        // message A published is in B's capture with A's numbers.
        var bNumbers = b.Select(f => (f.StNum, f.SqNum)).ToList();
        Assert.True(bNumbers.Zip(bNumbers.Skip(1)).All(p => p.Second.CompareTo(p.First) > 0), string.Join(" ", bNumbers));
        var aNumbers = a.Select(f => (f.StNum, f.SqNum)).SkipWhile(n => n.CompareTo(bNumbers[0]) < 0).ToList();
        Assert.Empty(aNumbers.Except(bNumbers));
        Assert.All(Enumerable.Range(2, (int)LastState - 1), st => Assert.Contains(((uint)st, 0u), bNumbers));

        // The end: A's last message reached B (relayed at once); whatever B sent of the last state
        // after it are local repeats with the next sqNums, all within that message's timeAllowedtoLive.
        var lastA = a[^1];
        var relayed = Assert.Single(b, f => (f.StNum, f.SqNum) == (lastA.StNum, lastA.SqNum));
        var after = b.SkipWhile(f => !ReferenceEquals(f, relayed)).Skip(1).ToList();
        Assert.Equal(Enumerable.Range(1, after.Count).Select(i => lastA.SqNum + (uint)i), after.Select(f => f.SqNum));
        var lastB = after.Count > 0 ? after[^1] : relayed;
        Assert.True(
            lastB.Time - relayed.Time <= lastA.TimeAllowedToLive / 1000m,
            $"B's last frame {lastB.Time} is more than A's timeAllowedtoLive ({lastA.TimeAllowedToLive} ms) after A's last message reached B at {relayed.Time}");

        output.WriteLine($"B's local repeats after A's last message: {after.Count}");

        // B's schedule (a repeat 150 ms after the last message) fell inside A's 300 ms: B went on
        // repeating locally before the lapse stopped it.
        Assert.NotEmpty(after);

        // Latency A's wire to B's wire (docs/benchmarks.md): the state changes 2 to 31, each sent
        // by A and relayed by B at once (not measured: state 1, whose first messages met a node
        // that had just started).
        var latencies = a.Where(f => f.StNum >= 2 && f.SqNum == 0)
            .Join(b, f => f.StNum, f => f.StNum, (x, y) => (x, y))
            .Where(p => p.y.SqNum == 0)
            .Select(p => (p.y.Time - p.x.Time) * 1_000_000m).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"state change latency A's wire -> B's wire over {latencies.Count}: min {latencies[0]:F0} us, p50 {latencies[latencies.Count / 2]:F0} us, p90 {latencies[(int)(latencies.Count * 0.9)]:F0} us, max {latencies[^1]:F0} us"));
    }

    /// <summary>
    /// With both nodes running and B's rule <c>out=rgoose</c> (<see cref="EmitRGooseBridge"/>): tshark's
    /// r-goose dissector on B's LAN, A's publisher through 10 states; asserts that every datagram
    /// is an SPDU numbered from 1 without a gap, carrying the rule's APPID and A's APDU (control
    /// block, dataset, values, stNum/sqNum sequence), and that every state change arrives.
    /// </summary>
    public static async Task RunRGooseAsync(NamespaceHost hostA, NamespaceHost hostB, ITestOutputHelper output)
    {
        const uint states = 10;
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        string[] fields = ["rgoose.spdu_id", "rgoose.spdu_num", "rgoose.appid", "rgoose.simulation", "goose.gocbRef", "goose.datSet", "goose.stNum", "goose.sqNum", "goose.boolean", "goose.integer"];
        await using var wireB = hostB.Start(tshark, ["-i", "iedB", "-l", "-n", "-f", "udp port 102", "-T", "fields", "-E", "separator=|", .. fields.SelectMany(f => new[] { "-e", f })]);
        await wireB.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);
        static string[]? Parse(string line) => line.Split('|') is { Length: 10 } f && uint.TryParse(f[6], CultureInfo.InvariantCulture, out _) ? f : null;
        static bool HasState(string line, uint state) => Parse(line) is { } f && f[6] == state.ToString(CultureInfo.InvariantCulture);

        await using (var publisher = await PublisherLoop.StartAsync(hostA.Name, "iedA", PublisherTiming, Values(1)))
        {
            await wireB.WaitForLineAsync(l => HasState(l, 1), Patience);
            for (var state = 2u; state <= states; state++)
            {
                publisher.Publish(Values(state));
                await wireB.WaitForLineAsync(l => HasState(l, state), Patience);
            }
        }

        var spdus = wireB.StandardOutput.Select(Parse).OfType<string[]>().ToList();
        output.WriteLine($"B's R-GOOSE: {spdus.Count} SPDUs");
        Assert.Equal(Enumerable.Range(1, spdus.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)), spdus.Select(f => f[1]));
        Assert.All(spdus, f =>
        {
            Assert.Equal(("0xa1", AppId, "0x00", GocbRef, DatSet), (f[0], f[2], f[3], f[4], f[5]));
            Assert.Equal((uint.Parse(f[6], CultureInfo.InvariantCulture) % 2 == 1 ? "1" : "0", f[6]), (f[8], f[9]));
        });
        var numbers = spdus.Select(f => (StNum: uint.Parse(f[6], CultureInfo.InvariantCulture), SqNum: uint.Parse(f[7], CultureInfo.InvariantCulture))).ToList();
        Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.Second.CompareTo(p.First) > 0), string.Join(" ", numbers));
        Assert.All(Enumerable.Range(2, (int)states - 1), st => Assert.Contains(((uint)st, 0u), numbers));
    }

    internal static GooseData[] Values(uint state) => [new GooseBoolean(state % 2 == 1), new GooseInteger(state)];

    private static void AddSubstationLan(string host, string nodeEnd, string iedEnd)
    {
        IpCommand.Run("-n", host, "link", "add", nodeEnd, "type", "veth", "peer", "name", iedEnd);
        IpCommand.Run("-n", host, "link", "set", nodeEnd, "up");
        IpCommand.Run("-n", host, "link", "set", iedEnd, "up");
    }

    private static string[] Capture(string @interface)
        => ["-i", @interface, "-l", "-n", "-f", "ether proto 0x88b8 or (vlan and ether proto 0x88b8)", "-T", "fields", "-E", "separator=|", .. Fields.SelectMany(f => new[] { "-e", f })];

    private static List<Frame> Frames(ExternalProcess capture)
        => [.. capture.StandardOutput.Select(Frame.TryParse).OfType<Frame>()];

    /// <summary>One GOOSE frame as tshark printed it.</summary>
    private sealed record Frame(decimal Time, string AppId, string Destination, string Priority, string GocbRef, string DatSet, uint StNum, uint SqNum, uint TimeAllowedToLive, string Boolean, string Integer)
    {
        public static Frame? TryParse(string line)
        {
            var f = line.Split('|');
            return f.Length == Fields.Length && decimal.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var time)
                && uint.TryParse(f[6], CultureInfo.InvariantCulture, out var stNum) && uint.TryParse(f[7], CultureInfo.InvariantCulture, out var sqNum)
                && uint.TryParse(f[8], CultureInfo.InvariantCulture, out var tal)
                ? new Frame(time, f[1], f[2], f[3], f[4], f[5], stNum, sqNum, tal, f[9], f[10])
                : null;
        }
    }
    /// <summary>
    /// Substation A's IED: the project's <see cref="GoosePublisher"/> on a <see cref="GooseLinkSocket"/>
    /// of the IED's end of the LAN, driven on its own schedule until disposed (the publisher killed).
    /// </summary>
    internal sealed class PublisherLoop : IAsyncDisposable
    {
        private readonly GooseLinkSocket _socket;
        private readonly GoosePublisher _publisher;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private Task _loop = Task.CompletedTask;

        private PublisherLoop(GooseLinkSocket socket, GoosePublisher publisher)
        {
            _socket = socket;
            _publisher = publisher;
        }

        public static Task<PublisherLoop> StartAsync(string host, string @interface, GooseRetransmissionOptions timing, IReadOnlyList<GooseData> values)
        {
            var socket = NetworkNamespace.Run(host, () => GooseLinkSocket.Open(@interface));
            var loop = new PublisherLoop(socket, new GoosePublisher(GocbRef, DatSet, null, 1, timing));
            loop.Publish(values);
            loop._loop = loop.RunAsync();
            return Task.FromResult(loop);
        }

        public uint StNum => _publisher.StNum;

        public uint SqNum => _publisher.SqNum;

        public void Publish(IReadOnlyList<GooseData> values)
        {
            lock (_gate)
            {
                _publisher.Publish(_clock.Elapsed, UtcTime.FromDateTimeOffset(DateTimeOffset.UtcNow, 0x0a), values);
                SendDue();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TimeSpan wait;
                lock (_gate)
                {
                    _publisher.HandleTimeout(_clock.Elapsed);
                    SendDue();
                    wait = (_publisher.PollTimeout() ?? _clock.Elapsed + TimeSpan.FromMilliseconds(1)) - _clock.Elapsed;
                }

                // The publisher's own schedule (T1 doubling to T0), not a synchronisation.
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        private void SendDue()
        {
            while (_publisher.TryPollTransmit(out var transmit))
            {
                var frame = new ArrayBufferWriter<byte>();
                GooseFrameCodec.Encode(new GooseFrameHeader { Destination = MacAddress.Goose(1), Source = _socket.Address, AppId = 0x1001 }, transmit.Apdu.Span, frame);
                _socket.Send(frame.WrittenSpan);
            }
        }
    }
}
