using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Bridge.Multicast.Security.Keys;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;
using static Bridge.Host.Tests.RealHosts.StreamFigures;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The authenticated control plane between real hosts (docs/security.md, "Control plane"): two
/// multicast domains joined only by a unicast router (<see cref="RoutedDomains"/>), one transit
/// gateway each from <c>gridcast run --config</c> with its domain's key (<c>domain.keyFile</c>)
/// and the overlay key (<c>gateway.overlayKeyFile</c>), learning members from the tagged reports
/// of <c>gridcast sub --domain-key-file</c>. A rogue host in domain 2 without the key sends
/// priority-255 hellos for the group, the same with a made-up tag, fake member reports, and
/// replays a real hello it recorded from the segment, while a stream flows from domain 1.
/// </summary>
/// <remarks>
/// Hosts: domain 1 is gw-d1 and the publisher; domain 2 is gw-d2, a subscriber and the rogue.
/// gw-d2 dials gw-d1 and serves its metrics on its own loopback, where the test reads the
/// refusals by reason. Without keys the rogue's hello wins the election (priority 255
/// against 100): the second test shows gw-d2 standing down for it, after which the stream would
/// stop reaching domain 2.
/// </remarks>
public sealed class ControlPlaneTests(ITestOutputHelper output)
{
    private const int StreamLength = 400;
    private const int StreamInterval = 10;
    private const string MetricsListen = "127.0.0.1:9464";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task RogueHost_Priority255HellosFakeReportsAndReplaysWithoutTheKey_RefusedCountedAndTheStreamFlows()
    {
        await using var net = await Deployment.StartAsync(output, withKeys: true);
        Assert.True(net.IsDesignated(net.G2), $"gw-d2 is not designated before the rogue starts\n{net.Transcripts()}");

        var rogue = net.StartRogue(seconds: (StreamLength * StreamInterval / 1000) + 3, replay: true);
        await rogue.WaitForLineAsync(l => l.StartsWith("captured", StringComparison.Ordinal), Patience);
        var streaming = net.StartStream(net.Publisher, StreamLength, StreamInterval);
        await net.WaitForStreamEndAsync(streaming, StreamLength, StreamInterval, [net.Sub2]);
        Assert.True(await rogue.WaitForExitAsync(Patience) == 0, rogue.Transcript());

        var missed = Missing(net.Stream(net.Arrivals2), StreamLength);
        var metrics = await Deployment.ScrapeAsync(net.G2);
        var rejected = (string reason) => Value(metrics, "gridcast_gateway_control_rejected_total", ("key", "domain"), ("reason", reason));
        var dropped = (string reason) => Value(metrics, "gridcast_gateway_frames_dropped_total", ("reason", reason));
        output.WriteLine($"rogue: {string.Join(' ', rogue.StandardOutput)}");
        output.WriteLine(
            $"gw-d2 refused: missing_tag {rejected("missing_tag")}, bad_tag {rejected("bad_tag")}, replayed {rejected("replayed")}, stale {rejected("stale")}; "
            + $"unauthenticated_hello {dropped("unauthenticated_hello")}, unauthenticated_member_report {dropped("unauthenticated_member_report")}; "
            + $"verified {Value(metrics, "gridcast_gateway_control_verified_total", ("key", "domain"))}; stream missed in domain 2: {missed.Count} ({Ranges(missed)})");

        Assert.True(net.IsDesignated(net.G2), $"gw-d2 lost the group to the rogue\n{net.Transcripts()}");
        Assert.DoesNotContain(net.Runs[net.G2].StandardError, l => l.Contains("stood down for", StringComparison.Ordinal));
        Assert.True(missed.Count <= StreamLength / 20, $"domain 2 missed {missed.Count} of {StreamLength} stream messages ({Ranges(missed)})\n{net.Transcripts()}");
        Assert.True(rejected("missing_tag") > 0, metrics);
        Assert.True(rejected("bad_tag") > 0, metrics);
        Assert.True(rejected("replayed") > 0, metrics);
        Assert.True(dropped("unauthenticated_hello") > 0, metrics);
        Assert.True(dropped("unauthenticated_member_report") > 0, metrics);
    }

    [Fact]
    public async Task RogueHost_Priority255HellosAndNoKeysAnywhere_TakesTheGroupFromTheGateway()
    {
        // The same network without keys: what the keys are for. The rogue wins the election, so
        // the real gateway stands down for it (and the rogue forwards nothing).
        await using var net = await Deployment.StartAsync(output, withKeys: false);
        Assert.True(net.IsDesignated(net.G2), $"gw-d2 is not designated before the rogue starts\n{net.Transcripts()}");
        var stoodDown = net.NextLineAsync(net.G2, l => l.Contains("stood down for", StringComparison.Ordinal) && l.Contains("gw-rogue", StringComparison.Ordinal));

        var rogue = net.StartRogue(seconds: 3, replay: false);
        await stoodDown;
        Assert.True(await rogue.WaitForExitAsync(Patience) == 0, rogue.Transcript());

        Assert.False(net.IsDesignated(net.G2));
        Assert.Contains(net.Runs[net.G2].StandardError, l => l.Contains("the domain's control plane is unauthenticated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RogueHost_ForgedRepliesToARealRequestWithoutTheKey_AggregateHasOnlyTheRealAnswer()
    {
        await using var net = await Deployment.StartAsync(output, withKeys: true);
        var responder = net.StartResponder(value: 10);
        await responder.WaitForLineAsync(l => l.StartsWith("responding to " + net.Group, StringComparison.Ordinal), Patience);

        // Until a request has the responder's answer: the overlay and gw-d2's member learning have settled.
        var warming = System.Diagnostics.Stopwatch.StartNew();
        while ((await ResultAsync(net.RequestAsync())).GetProperty("count").GetUInt64() != 1)
        {
            Assert.True(warming.Elapsed < Convergence, $"no request reached the responder in {Convergence.TotalSeconds} s\n{net.Transcripts()}");
        }

        var forger = net.StartReplyForger(seconds: 20);
        await forger.WaitForLineAsync(l => l == "listening", Patience);
        var result = await ResultAsync(net.RequestAsync());
        await forger.WaitForLineAsync(l => l.StartsWith("forged", StringComparison.Ordinal), Patience);

        var metrics = await Deployment.ScrapeAsync(net.G2);
        var refused = Value(metrics, "gridcast_gateway_frames_dropped_total", ("reason", "unauthenticated_reverse"));
        output.WriteLine($"forger: {string.Join(' ', forger.StandardOutput)}; result {result}; gw-d2 refused {refused} replies");
        Assert.Equal((1UL, 10.0), (result.GetProperty("count").GetUInt64(), result.GetProperty("sum").GetDouble()));
        Assert.True(refused > 0, metrics);
    }

    /// <summary>The JSON result of a finished <c>gridcast request</c>.</summary>
    private static async Task<JsonElement> ResultAsync(Task<(int ExitCode, ExternalProcess Process)> run)
    {
        var (code, process) = await run;
        await using (process)
        {
            Assert.True(code == 0, process.Transcript());
            return JsonDocument.Parse(Assert.Single(process.StandardOutput)).RootElement.Clone();
        }
    }

    /// <summary>The value of the Prometheus series <paramref name="name"/> with these labels; 0 when absent.</summary>
    private static double Value(string metrics, string name, params (string Key, string Value)[] labels)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal)
            && labels.All(label => l.Contains($"{label.Key}=\"{label.Value}\"", StringComparison.Ordinal)));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private sealed class Deployment : GatewayTestbed
    {
        private Deployment(TempDirectory files, RoutedDomains domains, bool withKeys)
            : base(files, domains, "control")
        {
            WithKeys = withKeys;
            var (d1, d2) = (domains.Domains[0], domains.Domains[1]);
            G1 = new GatewayHost("gw-d1", d1.Hosts[0]);
            Publisher = d1.Hosts[1];
            G2 = new GatewayHost("gw-d2", d2.Hosts[0]);
            Sub2Host = d2.Hosts[1];
            RogueHost = d2.Hosts[2];
            ResponderHost = d2.Hosts[3];
        }

        public GatewayHost G1 { get; }

        public GatewayHost G2 { get; }

        public NamespaceHost Publisher { get; }

        public NamespaceHost Sub2Host { get; }

        public NamespaceHost RogueHost { get; }

        public NamespaceHost ResponderHost { get; }

        public bool WithKeys { get; }

        public ExternalProcess Sub2 { get; private set; } = null!;

        public ArrivalLog Arrivals2 { get; private set; } = null!;

        private string KeyFile => Path.Combine(Files.Path, "keys.json");

        public static Task<Deployment> StartAsync(ITestOutputHelper output, bool withKeys)
            => StartAsync("control", [2, 4], (files, domains) => new Deployment(files, domains, withKeys), net => net.ConvergeAsync(output));

        /// <summary>Starts <c>gridcast respond</c> in domain 2 with the domain's key, answering <paramref name="value"/>.</summary>
        public ExternalProcess StartResponder(double value) => Track(ResponderHost.StartGridcast(
            "respond", Group, "--value", value.ToString("R", CultureInfo.InvariantCulture), "--interface", ResponderHost.Interface, "--domain-key-file", KeyFile, "--domain-key-ring", "d2"));

        /// <summary>Runs <c>gridcast request GROUP --aggregate count,sum --json</c> in domain 1, with domain 1's key, to its end.</summary>
        public Task<(int ExitCode, ExternalProcess Process)> RequestAsync()
            => Publisher.RunGridcastAsync(Patience, "request", Group, "--aggregate", "count,sum", "--deadline", "2s", "--json", "--interface", Publisher.Interface, "--domain-key-file", KeyFile, "--domain-key-ring", "d1");

        /// <summary>Starts the reply forger on the rogue's host for <paramref name="seconds"/>; it prints <c>listening</c>, then <c>forged …</c> for each request it answered.</summary>
        public ExternalProcess StartReplyForger(int seconds)
            => Track(RogueHost.Start(Python, "-c", ReplyForger, Address(Group), RogueHost.IPv4.ToString(), Group, seconds.ToString(CultureInfo.InvariantCulture)));

        /// <summary>Whether the last designation line of <paramref name="gateway"/> for the group says it forwards it.</summary>
        public bool IsDesignated(GatewayHost gateway)
            => Runs[gateway].StandardError.LastOrDefault(l => l.Contains(Group, StringComparison.Ordinal)
                    && (l.Contains("is now the designated gateway of", StringComparison.Ordinal) || l.Contains("stood down for", StringComparison.Ordinal)))
                ?.Contains("is now the designated gateway of", StringComparison.Ordinal) ?? false;

        /// <summary>
        /// Starts the rogue for <paramref name="seconds"/>; with <paramref name="replay"/> it first
        /// records a real (tagged) hello to replay and prints <c>captured</c>.
        /// </summary>
        public ExternalProcess StartRogue(int seconds, bool replay)
            => Track(RogueHost.Start(Python, "-c", Rogue, Address(ControlGroup), Address(MembersGroup), RogueHost.IPv4.ToString(), Group, seconds.ToString(CultureInfo.InvariantCulture), replay ? "replay" : "no-replay"));

        /// <summary>gw-d2's <c>/metrics</c>, read inside its namespace.</summary>
        public static async Task<string> ScrapeAsync(GatewayHost gateway)
        {
            await using var curl = gateway.Host.Start(Python, "-c", $"import urllib.request; print(urllib.request.urlopen('http://{MetricsListen}/metrics').read().decode())");
            Assert.True(await curl.WaitForExitAsync(Patience) == 0, curl.Transcript());
            return string.Join('\n', curl.StandardOutput);
        }

        private const string ControlGroup = "ham:sg:gridcast.gateways";
        private const string MembersGroup = "ham:sg:gridcast.members";

        private readonly Dictionary<string, string> _addresses = [];

        private string Address(string group) => _addresses[group];

        private async Task ConvergeAsync(ITestOutputHelper output)
        {
            Output = output;
            await GatewayFiles.MakeCertificatesAsync(Files.Path, "GridCast Control Plane Test CA", [G1, G2]);
            WriteKeys();
            GatewayFiles.WriteTransit(Files.Path, G1, Group, [(G2, false)], learnMembers: true, acceptLeaves: false, extra: Keys("d1"));
            GatewayFiles.WriteTransit(Files.Path, G2, Group, [(G1, true)], learnMembers: true, acceptLeaves: false, extra: Keys("d2") with
            {
                Sections = $"""
                    metrics:
                      listen: {MetricsListen}
                    """,
            });
            await Task.WhenAll(new[] { G1, G2 }.Select(StartGatewayAsync));

            string[] keys = WithKeys ? ["--domain-key-file", KeyFile, "--domain-key-ring", "d2"] : [];
            Sub2 = Track(Sub2Host.StartGridcast(["sub", Group, "--interface", Sub2Host.Interface, "--timeout", "150", "--json", .. keys]));
            Arrivals2 = new ArrivalLog(Sub2, Clock);
            await StreamSubscribers.SubscribedAsync(Sub2);
            foreach (var group in new[] { ControlGroup, MembersGroup, Group })
            {
                var (code, uri) = await GridcastCli.RunAsync(Patience, "uri", group, "--json");
                await using (uri)
                {
                    Assert.True(code == 0, uri.Transcript());
                    _addresses[group] = JsonDocument.Parse(string.Concat(uri.StandardOutput)).RootElement.GetProperty("ipv4").GetString()!;
                }
            }

            var (took, bursts) = await StreamSubscribers.WarmUpAsync(Publisher, Group, [Sub2], Convergence, Transcripts);
            output.WriteLine($"overlay converged ({(WithKeys ? "with" : "without")} keys): a message crossed to domain 2 after {took.TotalMilliseconds:F0} ms ({bursts} burst(s) of 20)");
        }

        /// <summary>The key file: a ring for each domain and one for the overlay, valid from an hour ago for a day.</summary>
        private void WriteKeys()
        {
            var now = DateTimeOffset.UtcNow;
            KeyRing Ring(string name) => new(
                KeyScope.Domain(name),
                KeyAlgorithm.HmacSha256Tag128,
                new Dictionary<string, KeyRotation>
                {
                    [KeyRing.SharedSigner] = new(
                        new SecurityKey { Id = new KeyId(1), Algorithm = KeyAlgorithm.HmacSha256Tag128, NotBefore = now.AddHours(-1), NotAfter = now.AddDays(1), Secret = RandomNumberGenerator.GetBytes(32) },
                        null),
                });
            File.WriteAllText(KeyFile, Bridge.Multicast.Security.Keys.KeyFile.Write(new KeyStore([Ring("d1"), Ring("d2"), Ring("overlay")])));
        }

        private NodeFileExtra Keys(string domain) => WithKeys
            ? new(Domain: $"  keyFile: {KeyFile}\n  keyRing: {domain}", Gateway: $"  overlayKeyFile: {KeyFile}\n  overlayKeyRing: overlay")
            : new();
    }

    /// <summary>
    /// The rogue: every 20 ms a ready priority-255 hello for the group from "gw-rogue" without a
    /// tag, the same with a made-up 21-byte tag under key id 1, and a member report (wire-format
    /// §5.1.2.1) for the group without a tag; once it has recorded a real, tagged hello from the
    /// segment, it sends that again every 20 ms. Frames per docs/wire-format.md §3.
    /// </summary>
    private const string Rogue = """
        import os, socket, struct, sys, time
        control, members, local, group, seconds, replay = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6] == 'replay'
        def fnv(data):
            h = 0x811C9DC5
            for b in data:
                h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
            return h
        def frame(name, source, seq, payload, tag=b''):
            g = name.encode()
            return struct.pack('>2sBBBBHIQQqIIHHH', b'GC', 1, 2, 0, 0, len(g), fnv(g), source, seq, 0, len(payload), len(payload), 0, 1, len(tag)) + g + payload + tag
        def names(*groups):
            out = struct.pack('>H', len(groups))
            for n in groups:
                out += struct.pack('>H', len(n.encode())) + n.encode()
            return out
        def split(address):
            host, port = address.rsplit(':', 1)
            return host, int(port)
        hello = struct.pack('>BBBBHH', 1, 1, 255, 8, 50, 200) + b'gw-rogue' + names(group)
        report = struct.pack('>BBHH', 2, 0, 1000, 3500) + names(group)
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
        listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listen.bind(split(control))
        listen.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(split(control)[0]) + socket.inet_aton(local))
        listen.settimeout(10)
        recorded = None
        while replay and recorded is None:
            data, peer = listen.recvfrom(65536)
            if peer[0] != local and len(data) > 50 and struct.unpack_from('>H', data, 48)[0] == 21:
                recorded = data
                print('captured', len(recorded), 'bytes from', peer[0], flush=True)
        sent = {'untagged': 0, 'forged': 0, 'reports': 0, 'replayed': 0}
        end, seq = time.time() + seconds, 0
        while time.time() < end:
            seq += 1
            out.sendto(frame('ham:sg:gridcast.gateways', 0xBAD, seq, hello), split(control)); sent['untagged'] += 1
            out.sendto(frame('ham:sg:gridcast.gateways', 0xBAD, 100000 + seq, hello, b'\x01\x00\x00\x00\x01' + os.urandom(16)), split(control)); sent['forged'] += 1
            out.sendto(frame('ham:sg:gridcast.members', 0xBAD, seq, report), split(members)); sent['reports'] += 1
            if recorded is not None:
                out.sendto(recorded, split(control)); sent['replayed'] += 1
            time.sleep(0.02)
        print('sent', ' '.join(f'{k}={v}' for k, v in sent.items()), flush=True)
        """;

    /// <summary>
    /// The reply forger: listens on the group's address in domain 2 for the Request frames its
    /// gateway sends there (wire-format §5.1.5) and answers each with 20 untagged Replies and 20
    /// with made-up tags (§5.1.7), each from another member id with the value 10^12.
    /// </summary>
    private const string ReplyForger = """
        import os, socket, struct, sys, time
        address, local, group, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
        host, port = address.rsplit(':', 1)
        def fnv(data):
            h = 0x811C9DC5
            for b in data:
                h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
            return h
        def frame(source, seq, payload, tag=b''):
            g = group.encode()
            return struct.pack('>2sBBBBHIQQqIIHHH', b'GC', 1, 9, 0, 0, len(g), fnv(g), source, seq, 0, len(payload), len(payload), 0, 1, len(tag)) + g + payload + tag
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(host) + socket.inet_aton(local))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
        s.settimeout(0.5)
        print('listening', flush=True)
        end, seq, answered = time.time() + seconds, 0, set()
        while time.time() < end:
            try:
                data, peer = s.recvfrom(65536)
            except socket.timeout:
                continue
            if len(data) < 50 or data[0:2] != b'GC' or data[3] != 4:
                continue
            name_length = struct.unpack_from('>H', data, 6)[0]
            request_id = struct.unpack_from('>Q', data, 50 + name_length + 4)[0]
            if request_id in answered:
                continue
            answered.add(request_id)
            for i in range(40):
                seq += 1
                member = 0xBAD00000 + seq
                reply = struct.pack('>BBQQd', 1, 0, request_id, member, 1e12)
                tag = b'' if i < 20 else b'\x01\x00\x00\x00\x01' + os.urandom(16)
                s.sendto(frame(member, 1, reply, tag), (host, int(port)))
            print(f'forged 40 replies to request {request_id:016x}', flush=True)
        """;

    private static string Python => Prerequisites.Python3("the rogue host of the control-plane test");
}
