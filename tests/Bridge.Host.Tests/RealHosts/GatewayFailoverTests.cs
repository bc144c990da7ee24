using System.Globalization;
using System.Net;
using System.Text.Json;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;
using static Bridge.Host.Tests.RealHosts.StreamFigures;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// Transit gateways as real <c>gridcast run</c> processes in the <see cref="RoutedDomains"/>
/// network: three multicast domains joined only by routed unicast, where only the gateways'
/// overlay (TLS over TCP through the router) carries a group from one domain to another.
/// Domain 2 has two gateways, and the designated one is killed with SIGKILL mid-stream.
/// </summary>
/// <remarks>
/// <para>
/// Hosts: domain 1 is gw-d1 and the publisher; domain 2 is gw-d2a, gw-d2b, a subscriber and a
/// wire witness (a raw socket that prints every frame of the group on the segment, before any
/// receiver's duplicate suppression); domain 3 is gw-d3 and a subscriber. gw-d2a, gw-d2b and
/// gw-d3 dial gw-d1; gw-d3 also dials gw-d2a and gw-d2b; the side that accepts a link lists the
/// peer without an address (docs/configuration.md). The two gateways of domain 2 are not peers:
/// they meet on their domain, where the election picks one designated gateway for the group.
/// Every gateway learns its domain's members (<c>learnMembers</c>) from the subscribers' member
/// reports, so a group reaches domains 2 and 3 because someone there listens.
/// </para>
/// <para>
/// The interruption is measured at domain 2's subscriber from the times it received its
/// messages (the <c>receivedAt</c> of <c>gridcast sub --json</c>, not when the test read its
/// lines, which a busy test process can delay) and the sequence numbers it did not get; the
/// figures are printed, not asserted, apart from loose bounds. Timers are short (heartbeat 100 ms, dead after 500 ms, hellos every 50 ms,
/// hold time 200 ms) so a takeover is expected within a few hundred milliseconds. "No message
/// twice" is checked at the subscribers, which also suppress duplicates themselves; the witness
/// reports whether a sequence number was put on the segment twice.
/// </para>
/// <para>
/// Domain 3 is reported rather than required to be lossless. Seen here: it occasionally loses
/// single messages at any time of the stream, apparently when link-state advertisements
/// (re-sent on every 25 % change of a sub-millisecond round-trip time) change the trees and two
/// gateways briefly disagree on them, so a relay goes to a gateway that does not pass it on.
/// </para>
/// </remarks>
public sealed class GatewayFailoverTests(ITestOutputHelper output)
{
    /// <summary>The stream: this many messages, this many milliseconds apart.</summary>
    private const int StreamLength = 1500;

    private const int StreamInterval = 10;

    /// <summary>The stream message at domain 2's subscriber after which the designated gateway dies.</summary>
    private const int KillAfterSequence = 300;

    /// <summary>What a failover may lose at most: three seconds of the stream.</summary>
    private const int MaxMissed = 3000 / StreamInterval;

    private const string DesignatedLine = "is now the designated gateway of";
    private const string StoodDownLine = "stood down for";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Sigkill_DesignatedGatewayOfDomain2MidStream_StandbyTakesOverWithoutDuplicates()
    {
        await using var net = await Deployment.StartAsync(output);
        var (victim, standby) = net.DesignatedAndStandby();
        await using var streaming = net.StartStream(StreamLength);
        await net.Sub2.WaitForLineAsync(net.StreamMessage(s => s >= KillAfterSequence), Patience);

        // Checked again just before the kill, so the figures belong to the gateway really killed.
        Assert.Equal(victim, net.DesignatedAndStandby().Designated);
        var lastBeforeKill = net.Stream(net.Arrivals2).Max(m => m.Message.Sequence);
        var takeover = net.NextDesignationAsync(standby);
        var killedAt = net.Clock.Elapsed;
        net.Runs[victim].Kill("KILL");
        Assert.Equal(128 + 9, await net.Runs[victim].WaitForExitAsync(Patience));

        var standbyDesignatedAt = await takeover;
        // A second of the stream later than the kill: only the standby can have carried it.
        await net.Sub2.WaitForLineAsync(net.StreamMessage(s => s > lastBeforeKill + (1000 / StreamInterval)), Patience);
        await net.WaitForStreamEndAsync(streaming, StreamLength);

        var at2 = net.Stream(net.Arrivals2);
        var at3 = net.Stream(net.Arrivals3);
        var missed2 = Missing(at2, StreamLength);
        // Lost to the kill: the run of missing numbers right after the last one before it (some
        // of those may have been on their way through the killed gateway). Resumed: the first
        // arrival after that run.
        var firstLost = missed2.Where(m => m > lastBeforeKill && m <= lastBeforeKill + MaxMissed).DefaultIfEmpty(lastBeforeKill + 1).Min();
        var lostToKill = missed2.Contains(firstLost) ? firstLost : lastBeforeKill;
        while (missed2.Contains(lostToKill + 1))
        {
            lostToKill++;
        }

        var killedAtWall = net.WallClock(killedAt);
        var resumed = at2.FirstOrDefault(a => a.Message.ReceivedAt > killedAtWall && a.Message.Sequence > lostToKill);
        var lastBeforeLoss = at2.LastOrDefault(a => a.Message.Sequence < firstLost);
        var interruption = resumed.Message is null ? TimeSpan.Zero : resumed.Message.ReceivedAt - lastBeforeLoss.Message.ReceivedAt;
        var missed3 = Missing(at3, StreamLength);
        var gap2 = LargestGap(at2, killedAtWall - TimeSpan.FromSeconds(1), killedAtWall + TimeSpan.FromSeconds(5));
        output.WriteLine(
            $"failover: {missed2.Count} messages missed, gap {interruption.TotalMilliseconds:F0} ms "
            + $"(#{lastBeforeLoss.Message?.Sequence} to #{resumed.Message?.Sequence}; largest gap between receptions from 1 s before to 5 s after the kill {gap2.TotalMilliseconds:F0} ms; "
            + $"kill after #{lastBeforeKill}; {standby.Id} designated {(standbyDesignatedAt - killedAt).TotalMilliseconds:F0} ms after the kill as its line was read; "
            + $"first later message #{resumed.Message?.Sequence} received {((resumed.Message?.ReceivedAt ?? killedAtWall) - killedAtWall).TotalMilliseconds:F0} ms after the kill)");
        output.WriteLine($"missed in domain 2: {Ranges(missed2)}");
        output.WriteLine($"domain 3: {missed3.Count} messages missed ({Ranges(missed3)}), largest gap {Describe(at3)} over the stream");
        output.WriteLine($"domain 2: largest gap {Describe(at2)} over the stream");
        output.WriteLine($"reading delays: domain 2 {Delays(at2)}; domain 3 {Delays(at3)}");
        var wire = net.StreamOnWire(at2[0].Message.Source);
        var wireDuplicates = wire.GroupBy(f => f.Sequence).Count(g => g.Count() > 1);
        var lastFromVictim = wire.Where(f => f.From == victim.Host.IPv4.ToString()).Select(f => f.Sequence).DefaultIfEmpty().Max();
        var firstFromStandby = wire.Where(f => f.From == standby.Host.IPv4.ToString()).Select(f => f.Sequence).DefaultIfEmpty().Min();
        output.WriteLine(
            $"on domain 2's segment: {wire.Count} stream frames, {wireDuplicates} sequence number(s) sent twice; "
            + $"last from {victim.Id} #{lastFromVictim}, first from {standby.Id} #{firstFromStandby}");
        net.ReportElection(killedAt, "the kill");

        // What must hold; the timings themselves are reported above, not asserted.
        Assert.True(resumed.Message is not null, $"no stream message after #{lostToKill} reached domain 2 after the kill\n{net.Transcripts()}");
        Assert.True(missed2.Count <= MaxMissed, $"domain 2 missed {missed2.Count} messages ({Ranges(missed2)}), more than {MaxMissed}\n{net.Transcripts()}");
        Assert.Empty(Duplicates(net.Arrivals2));
        Assert.Empty(Duplicates(net.Arrivals3));
        // Loosely: domain 3 can lose a message when the trees change under a relay (see the
        // remarks), which happens with or without the failover; the count is reported above.
        Assert.True(missed3.Count <= MaxMissed, $"domain 3 missed {missed3.Count} messages ({Ranges(missed3)}), more than {MaxMissed}\n{net.Transcripts()}");
        Assert.DoesNotContain(net.Logs[standby].Lines(), l => l.At > killedAt && IsDesignationLine(l.Line, net.Group, StoodDownLine));
    }

    [Fact]
    public async Task Restart_KilledDesignatedGateway_TakesTheGroupBackWithoutDuplicates()
    {
        const int length = 1000;
        await using var net = await Deployment.StartAsync(output);
        var (primary, standby) = net.DesignatedAndStandby();
        await using var streaming = net.StartStream(length);
        await net.Sub2.WaitForLineAsync(net.StreamMessage(s => s >= 100), Patience);

        var takeover = net.NextDesignationAsync(standby);
        net.Runs[primary].Kill("KILL");
        Assert.Equal(128 + 9, await net.Runs[primary].WaitForExitAsync(Patience));
        await takeover;
        var sinceTakeover = net.Stream(net.Arrivals2).Max(m => m.Message.Sequence);
        await net.Sub2.WaitForLineAsync(net.StreamMessage(s => s > sinceTakeover + 20), Patience);

        // The same configuration again: same id and priority, so the election gives the group
        // back to it once it is ready, and the standby stands down.
        var standDown = net.NextDesignationAsync(standby, StoodDownLine);
        var restartedAt = net.Clock.Elapsed;
        var restarted = await net.RestartAsync(primary);
        // The restarted gateway's designation line may come before its ready line, so the
        // hand-back is timed by the standby's standing down.
        var handedBackAt = await standDown;
        await restarted.WaitForLineAsync(l => IsDesignationLine(l, net.Group, DesignatedLine), Patience);
        var primaryDesignatedAt = net.Logs[primary].Lines().First(l => IsDesignationLine(l.Line, net.Group, DesignatedLine)).At;
        Assert.Equal((primary, standby), net.DesignatedAndStandby());
        var lastBeforeHandBack = net.Stream(net.Arrivals2).Where(a => a.At <= handedBackAt).Max(m => m.Message.Sequence);
        await net.Sub2.WaitForLineAsync(net.StreamMessage(s => s > lastBeforeHandBack + 20), Patience);
        await net.WaitForStreamEndAsync(streaming, length);

        var at2 = net.Stream(net.Arrivals2);
        var missed2 = Missing(at2, length);
        // After the standby's takeover had settled: what the hand-back alone cost.
        var missedAroundHandBack = missed2.Where(s => s > sinceTakeover + 20).ToList();
        var handedBackAtWall = net.WallClock(handedBackAt);
        var gap = LargestGap(at2, handedBackAtWall - TimeSpan.FromSeconds(1), handedBackAtWall + TimeSpan.FromSeconds(2));
        output.WriteLine(
            $"hand-back: {missedAroundHandBack.Count} messages missed ({Ranges(missedAroundHandBack)}), largest gap between receptions from 1 s before to 2 s after it {gap.TotalMilliseconds:F0} ms "
            + $"({primary.Id} restarted: it said it was designated {(primaryDesignatedAt - restartedAt).TotalMilliseconds:F0} ms and {standby.Id} stood down {(handedBackAt - restartedAt).TotalMilliseconds:F0} ms after its start)");
        output.WriteLine($"missed in domain 2 over the whole stream (the kill included): {Ranges(missed2)}");
        var at3 = net.Stream(net.Arrivals3);
        output.WriteLine($"domain 2: largest gap {Describe(at2)}; domain 3: largest gap {Describe(at3)} over the stream");
        output.WriteLine($"reading delays: domain 2 {Delays(at2)}; domain 3 {Delays(at3)}");
        var wire = net.StreamOnWire(at2[0].Message.Source);
        output.WriteLine(
            $"on domain 2's segment: {wire.Count} stream frames, {wire.GroupBy(f => f.Sequence).Count(g => g.Count() > 1)} sequence number(s) sent twice; "
            + $"senders in order: {string.Join(", ", Senders(wire, net))}");
        net.ReportElection(restartedAt, "the restart");

        Assert.Empty(Duplicates(net.Arrivals2));
        Assert.Empty(Duplicates(net.Arrivals3));
        Assert.True(missed2.Count <= 2 * MaxMissed, $"domain 2 missed {missed2.Count} messages ({Ranges(missed2)})\n{net.Transcripts()}");
    }

    /// <summary>Whether the last designation line of <paramref name="run"/> for <paramref name="group"/> says it forwards it.</summary>
    private static bool IsDesignated(ExternalProcess run, string group)
        => run.StandardError.LastOrDefault(l => l.Contains(group, StringComparison.Ordinal)
                && (l.Contains(DesignatedLine, StringComparison.Ordinal) || l.Contains(StoodDownLine, StringComparison.Ordinal)))
            ?.Contains(DesignatedLine, StringComparison.Ordinal) ?? false;

    private static bool IsDesignationLine(string line, string group, string what)
        => line.Contains(what, StringComparison.Ordinal) && line.Contains(group, StringComparison.Ordinal);

    /// <summary>Which gateway sent the stream on domain 2's segment, as runs of sequence numbers.</summary>
    private static IEnumerable<string> Senders(List<(string Source, ulong Sequence, string From)> wire, Deployment net)
    {
        var names = new[] { net.G2a, net.G2b }.ToDictionary(g => g.Host.IPv4.ToString(), g => g.Id);
        var runs = new List<(string From, ulong First, ulong Last)>();
        foreach (var frame in wire)
        {
            if (runs.Count > 0 && runs[^1].From == frame.From)
            {
                runs[^1] = (frame.From, runs[^1].First, frame.Sequence);
            }
            else
            {
                runs.Add((frame.From, frame.Sequence, frame.Sequence));
            }
        }

        return runs.Select(r => $"{names.GetValueOrDefault(r.From, r.From)} #{r.First}-{r.Last}");
    }

    /// <summary>
    /// The three domains with their gateways and subscribers, running and converged: what both
    /// tests start from. Disposing stops every process, then removes the namespaces and files.
    /// </summary>
    private sealed class Deployment : GatewayTestbed
    {
        private Deployment(TempDirectory files, RoutedDomains domains)
            : base(files, domains, "failover")
        {
            var (d1, d2, d3) = (domains.Domains[0], domains.Domains[1], domains.Domains[2]);
            G1 = new GatewayHost("gw-d1", d1.Hosts[0]);
            G2a = new GatewayHost("gw-d2a", d2.Hosts[0]);
            G2b = new GatewayHost("gw-d2b", d2.Hosts[1]);
            G3 = new GatewayHost("gw-d3", d3.Hosts[0]);
            Publisher = d1.Hosts[1];
            Sub2Host = d2.Hosts[2];
            Sub3Host = d3.Hosts[1];
            WitnessHost = d2.Hosts[3];
        }

        public GatewayHost G1 { get; }

        public GatewayHost G2a { get; }

        public GatewayHost G2b { get; }

        public GatewayHost G3 { get; }

        public NamespaceHost Publisher { get; }

        public NamespaceHost Sub2Host { get; }

        public NamespaceHost Sub3Host { get; }

        public NamespaceHost WitnessHost { get; }

        public ExternalProcess Sub2 { get; private set; } = null!;

        public ExternalProcess Sub3 { get; private set; } = null!;

        public ArrivalLog Arrivals2 { get; private set; } = null!;

        public ArrivalLog Arrivals3 { get; private set; } = null!;

        /// <summary>Every frame of the group on domain 2's segment, as <see cref="WireWitness"/> prints it.</summary>
        public ExternalProcess Witness { get; private set; } = null!;

        /// <summary>The stream's frames on domain 2's segment: source, sequence number and the gateway that sent each.</summary>
        public List<(string Source, ulong Sequence, string From)> StreamOnWire(string source)
            => [.. Witness.StandardOutput.Select(l => l.Split(' ')).Where(f => f.Length == 3 && f[0] == source)
                .Select(f => (f[0], ulong.Parse(f[1], CultureInfo.InvariantCulture), f[2]))];

        public static Task<Deployment> StartAsync(ITestOutputHelper output)
            => StartAsync("failover", [2, 4, 2], static (files, domains) => new Deployment(files, domains), net => net.ConvergeAsync(output));

        /// <summary>Which of domain 2's gateways is designated for the group now, and which stands by; asserts that exactly one is designated.</summary>
        public (GatewayHost Designated, GatewayHost Standby) DesignatedAndStandby()
        {
            bool[] designated = [IsDesignated(Runs[G2a], Group), IsDesignated(Runs[G2b], Group)];
            Assert.True(
                designated.Count(d => d) == 1,
                $"expected exactly one designated gateway of {Group} in domain 2, found {designated.Count(d => d)}\n{Transcripts()}");
            return designated[0] ? (G2a, G2b) : (G2b, G2a);
        }

        /// <summary>
        /// Waits for the next <paramref name="what"/> line of <paramref name="gateway"/> for the
        /// group, after those it printed so far; returns when it was read. Call it before the
        /// action that causes the line.
        /// </summary>
        public Task<TimeSpan> NextDesignationAsync(GatewayHost gateway, string what = DesignatedLine)
            => NextLineAsync(gateway, l => IsDesignationLine(l, Group, what));

        /// <summary>Starts the stream: <paramref name="length"/> messages from domain 1.</summary>
        public ExternalProcess StartStream(int length) => StartStream(Publisher, length, StreamInterval);

        /// <summary>Waits for the publisher to finish and both subscribers to print its last message.</summary>
        public Task WaitForStreamEndAsync(ExternalProcess streaming, int length) => WaitForStreamEndAsync(streaming, length, StreamInterval, [Sub2, Sub3]);

        /// <summary>Starts <paramref name="gateway"/> again after it ended and waits until it is ready.</summary>
        public Task<ExternalProcess> RestartAsync(GatewayHost gateway) => StartGatewayAsync(gateway);

        /// <summary>Prints domain 2's gateways' election lines with their times from <paramref name="reference"/>.</summary>
        public void ReportElection(TimeSpan reference, string what)
        {
            foreach (var gateway in new[] { G2a, G2b })
            {
                foreach (var (at, line) in Logs[gateway].Lines().Where(l => IsDesignationLine(l.Line, Group, DesignatedLine)
                    || IsDesignationLine(l.Line, Group, StoodDownLine) || l.Line.Contains("Domain gateway", StringComparison.Ordinal)))
                {
                    Output?.WriteLine($"{gateway.Id} at {(at - reference).TotalMilliseconds:F0} ms from {what}: {line}");
                }
            }
        }

        private async Task ConvergeAsync(ITestOutputHelper output)
        {
            Output = output;
            await GatewayFiles.MakeCertificatesAsync(Files.Path, "GridCast Failover Test CA", [G1, G2a, G2b, G3]);
            // Each link has one dialling side, which gives the address; the other only accepts.
            GatewayFiles.WriteTransit(Files.Path, G1, Group, [(G2a, false), (G2b, false), (G3, false)], learnMembers: true, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, G2a, Group, [(G1, true), (G3, false)], learnMembers: true, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, G2b, Group, [(G1, true), (G3, false)], learnMembers: true, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, G3, Group, [(G1, true), (G2a, true), (G2b, true)], learnMembers: true, acceptLeaves: false);

            await Task.WhenAll(new[] { G1, G2a, G2b, G3 }.Select(StartGatewayAsync));

            Sub2 = Track(StreamSubscribers.Start(Sub2Host, Group));
            Arrivals2 = new ArrivalLog(Sub2, Clock);
            Sub3 = Track(StreamSubscribers.Start(Sub3Host, Group));
            Arrivals3 = new ArrivalLog(Sub3, Clock);
            var (uriCode, uri) = await GridcastCli.RunAsync(Patience, "uri", Group, "--json");
            await using (uri)
            {
                Assert.True(uriCode == 0, uri.Transcript());
            }

            var address = IPEndPoint.Parse(JsonDocument.Parse(string.Concat(uri.StandardOutput)).RootElement.GetProperty("ipv4").GetString()!);
            Witness = Track(WitnessHost.Start(Python, "-c", WireWitness, address.Address.ToString(), address.Port.ToString(CultureInfo.InvariantCulture), WitnessHost.IPv4.ToString(), Group));
            await Witness.WaitForLineAsync(l => l == "listening", Patience);
            await StreamSubscribers.SubscribedAsync(Sub2);
            await StreamSubscribers.SubscribedAsync(Sub3);

            var (took, bursts) = await StreamSubscribers.WarmUpAsync(Publisher, Group, [Sub2, Sub3], Convergence, Transcripts);
            output.WriteLine($"overlay converged: a message crossed to domains 2 and 3 after {took.TotalMilliseconds:F0} ms ({bursts} burst(s) of 20)");
            var (designated, standby) = DesignatedAndStandby();
            output.WriteLine($"{designated.Id} is designated for {Group}; {standby.Id} stands by");
        }
    }

    /// <summary>
    /// Prints the source id (hex), sequence number and sender address of every Data frame of the
    /// group that reaches its host: what the gateways put on the segment, before any receiver's
    /// duplicate suppression (docs/wire-format.md §3: header fields at offsets 6, 12 and 20).
    /// </summary>
    private const string WireWitness = """
        import socket, struct, sys
        group, port, local, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((group, port))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(local))
        print('listening', flush=True)
        while True:
            data, peer = s.recvfrom(65536)
            if len(data) < 50 or data[0:2] != b'GC' or data[3] != 1:
                continue
            length = struct.unpack_from('>H', data, 6)[0]
            if data[50:50 + length] != name:
                continue
            source, sequence = struct.unpack_from('>QQ', data, 12)
            print(f'{source:016x} {sequence} {peer[0]}', flush=True)
        """;

    private static string Python => Prerequisites.Python3("the wire witness of the failover tests");
}
