using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;

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
/// The interruption is measured at domain 2's subscriber from the arrival times of its lines
/// and the sequence numbers it did not get; the figures are printed, not asserted, apart from
/// loose bounds. Timers are short (heartbeat 100 ms, dead after 500 ms, hellos every 50 ms,
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
    private const int OverlayPort = 7946;

    /// <summary>Longer than the test runs, so a sub that is never stopped still ends.</summary>
    private const string SubTimeout = "150";

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

        var resumed = at2.FirstOrDefault(a => a.At > killedAt && a.Message.Sequence > lostToKill);
        var lastBeforeLoss = at2.LastOrDefault(a => a.Message.Sequence < firstLost);
        var interruption = resumed.Message is null ? TimeSpan.Zero : resumed.At - lastBeforeLoss.At;
        var missed3 = Missing(at3, StreamLength);
        var gap2 = LargestGap(at2, killedAt - TimeSpan.FromSeconds(1), killedAt + TimeSpan.FromSeconds(5));
        output.WriteLine(
            $"failover: {missed2.Count} messages missed, gap {interruption.TotalMilliseconds:F0} ms "
            + $"(#{lastBeforeLoss.Message?.Sequence} to #{resumed.Message?.Sequence}; largest gap between arrivals from 1 s before to 5 s after the kill {gap2.TotalMilliseconds:F0} ms; "
            + $"kill after #{lastBeforeKill}; {standby.Id} designated {(standbyDesignatedAt - killedAt).TotalMilliseconds:F0} ms after the kill as its line was read; "
            + $"first later message #{resumed.Message?.Sequence} {(resumed.At - killedAt).TotalMilliseconds:F0} ms after the kill)");
        output.WriteLine($"missed in domain 2: {Ranges(missed2)}");
        output.WriteLine($"domain 3: {missed3.Count} messages missed ({Ranges(missed3)}), largest gap {Describe(at3)} over the stream");
        output.WriteLine($"domain 2: largest gap {Describe(at2)} over the stream");
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
        var gap = LargestGap(at2, handedBackAt - TimeSpan.FromSeconds(1), handedBackAt + TimeSpan.FromSeconds(2));
        output.WriteLine(
            $"hand-back: {missedAroundHandBack.Count} messages missed ({Ranges(missedAroundHandBack)}), largest gap between arrivals from 1 s before to 2 s after it {gap.TotalMilliseconds:F0} ms "
            + $"({primary.Id} restarted: it said it was designated {(primaryDesignatedAt - restartedAt).TotalMilliseconds:F0} ms and {standby.Id} stood down {(handedBackAt - restartedAt).TotalMilliseconds:F0} ms after its start)");
        output.WriteLine($"missed in domain 2 over the whole stream (the kill included): {Ranges(missed2)}");
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

    private static async Task MakeCertificatesAsync(string directory, IEnumerable<Gateway> gateways)
    {
        await RunCliAsync("certs", "ca", "--out", directory, "--name", "GridCast Failover Test CA");
        foreach (var gateway in gateways)
        {
            // A dialling gateway checks the peer's address against its certificate.
            await RunCliAsync("certs", "node", gateway.Id, "--ca", directory, "--out", directory, "--ip", gateway.Host.IPv4.ToString());
        }
    }

    private static async Task RunCliAsync(params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
    }

    private static void WriteConfig(string directory, Gateway gateway, string group, IEnumerable<(Gateway Peer, bool Dial)> peers)
    {
        var peerLines = string.Concat(peers.Select(p => p.Dial
            ? $"    - id: {p.Peer.Id}\n      address: {p.Peer.OverlayAddress}\n"
            : $"    - id: {p.Peer.Id}\n"));
        File.WriteAllText(Path.Combine(directory, gateway.Id + ".yaml"), $"""
            node:
              id: {gateway.Id}
            groups:
              stream:
                uri: {group}
            domain:
              interface: {RoutedDomains.HostInterface}
            gateway:
              role: transit
              carry: [stream]
              learnMembers: true
              listen: {gateway.OverlayAddress}
              tls:
                certificate: {gateway.Id}.crt
                key: {gateway.Id}.key
                authority: ca.crt
              peers:
            {peerLines.TrimEnd('\n')}
              acceptLeaves: false
              heartbeat:
                interval: 100ms
                deadAfter: 500ms
              election:
                helloInterval: 50ms
                holdTime: 200ms

            """);
    }

    private static ExternalProcess StartSub(NamespaceHost host, string group)
        => host.StartGridcast(["sub", group, "--interface", host.Interface, "--timeout", SubTimeout, "--json"]);

    private static Task<string> SubscribedAsync(ExternalProcess sub)
        => sub.WaitForLineAsync(l => l.StartsWith("subscribed to ", StringComparison.Ordinal), Patience);

    private static bool HasPayload(ExternalProcess sub, string payload)
        => sub.StandardOutput.Any(l => Message.TryParse(l)?.Payload == payload);

    /// <summary>The stream's sequence numbers (1 to <paramref name="length"/>) that never arrived.</summary>
    private static List<ulong> Missing(List<(TimeSpan At, Message Message)> arrivals, int length)
    {
        var seen = arrivals.Select(a => a.Message.Sequence).ToHashSet();
        return [.. Enumerable.Range(1, length).Select(i => (ulong)i).Where(s => !seen.Contains(s))];
    }

    /// <summary>The longest time between consecutive arrivals with the later one in [from, to].</summary>
    private static TimeSpan LargestGap(List<(TimeSpan At, Message Message)> arrivals, TimeSpan from, TimeSpan to)
        => arrivals.Zip(arrivals.Skip(1), (a, b) => (b.At, Gap: b.At - a.At))
            .Where(p => p.At >= from && p.At <= to)
            .Select(p => p.Gap)
            .DefaultIfEmpty(TimeSpan.Zero)
            .Max();

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

    /// <summary>The largest gap between arrivals, with the two messages and how far apart the publisher sent them.</summary>
    private static string Describe(List<(TimeSpan At, Message Message)> arrivals)
    {
        var largest = arrivals.Zip(arrivals.Skip(1)).MaxBy(p => p.Second.At - p.First.At);
        return largest == default
            ? "none"
            : $"{(largest.Second.At - largest.First.At).TotalMilliseconds:F0} ms (#{largest.First.Message.Sequence} to #{largest.Second.Message.Sequence}, sent {(largest.Second.Message.SentAt - largest.First.Message.SentAt).TotalMilliseconds:F0} ms apart)";
    }

    /// <summary>Messages (source, sequence) a subscriber printed more than once.</summary>
    private static List<string> Duplicates(ArrivalLog log)
        => [.. log.Messages().GroupBy(m => (m.Message.Source, m.Message.Sequence)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Source} #{g.Key.Sequence} x{g.Count()}")];

    private static string Ranges(List<ulong> sequences)
    {
        if (sequences.Count == 0)
        {
            return "none";
        }

        var parts = new List<string>();
        var (start, end) = (sequences[0], sequences[0]);
        foreach (var s in sequences.Skip(1))
        {
            if (s == end + 1)
            {
                end = s;
                continue;
            }

            parts.Add(start == end ? $"#{start}" : $"#{start}-{end}");
            (start, end) = (s, s);
        }

        parts.Add(start == end ? $"#{start}" : $"#{start}-{end}");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// The three domains with their gateways and subscribers, running and converged: what both
    /// tests start from. Disposing stops every process, then removes the namespaces and files.
    /// </summary>
    private sealed class Deployment : IAsyncDisposable
    {
        private readonly List<ExternalProcess> _processes = [];
        private readonly TempDirectory _files;
        private readonly RoutedDomains _domains;
        private ITestOutputHelper? _output;

        private Deployment(TempDirectory files, RoutedDomains domains)
        {
            _files = files;
            _domains = domains;
            var (d1, d2, d3) = (domains.Domains[0], domains.Domains[1], domains.Domains[2]);
            G1 = new Gateway("gw-d1", d1.Hosts[0]);
            G2a = new Gateway("gw-d2a", d2.Hosts[0]);
            G2b = new Gateway("gw-d2b", d2.Hosts[1]);
            G3 = new Gateway("gw-d3", d3.Hosts[0]);
            Publisher = d1.Hosts[1];
            Sub2Host = d2.Hosts[2];
            Sub3Host = d3.Hosts[1];
            WitnessHost = d2.Hosts[3];
        }

        public string Group { get; } = "ham:sg:gridcast.test.failover-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

        public string StreamPayload => "stream " + Group;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public Gateway G1 { get; }

        public Gateway G2a { get; }

        public Gateway G2b { get; }

        public Gateway G3 { get; }

        public NamespaceHost Publisher { get; }

        public NamespaceHost Sub2Host { get; }

        public NamespaceHost Sub3Host { get; }

        public NamespaceHost WitnessHost { get; }

        /// <summary>The current process of each gateway.</summary>
        public Dictionary<Gateway, ExternalProcess> Runs { get; } = [];

        /// <summary>The arrival times of the lines of domain 2's gateways' current processes.</summary>
        public Dictionary<Gateway, ArrivalLog> Logs { get; } = [];

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

        public static async Task<Deployment> StartAsync(ITestOutputHelper output)
        {
            var files = new TempDirectory("gridcast-failover-");
            RoutedDomains domains;
            try
            {
                domains = RoutedDomains.Create([2, 4, 2]);
            }
            catch
            {
                files.Dispose();
                throw;
            }

            var net = new Deployment(files, domains);
            try
            {
                await net.ConvergeAsync(output);
                return net;
            }
            catch
            {
                await net.DisposeAsync();
                throw;
            }
        }

        /// <summary>Which of domain 2's gateways is designated for the group now, and which stands by; asserts that exactly one is designated.</summary>
        public (Gateway Designated, Gateway Standby) DesignatedAndStandby()
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
        public async Task<TimeSpan> NextDesignationAsync(Gateway gateway, string what = DesignatedLine)
        {
            var run = Runs[gateway];
            var log = Logs[gateway];
            var before = run.StandardError.Count(l => IsDesignationLine(l, Group, what));
            var seen = 0;
            await run.WaitForLineAsync(l => IsDesignationLine(l, Group, what) && ++seen > before, Patience);
            return log.Lines().Where(l => IsDesignationLine(l.Line, Group, what)).ElementAt(before).At;
        }

        /// <summary>Starts the stream: <paramref name="length"/> messages from domain 1.</summary>
        public ExternalProcess StartStream(int length) => Publisher.StartGridcast(
            ["pub", Group, StreamPayload, "--repeat", length.ToString(CultureInfo.InvariantCulture),
             "--interval", StreamInterval.ToString(CultureInfo.InvariantCulture), "--interface", Publisher.Interface]);

        /// <summary>Matches a line of the stream whose sequence number satisfies <paramref name="sequence"/>.</summary>
        public Func<string, bool> StreamMessage(Func<ulong, bool> sequence)
            => l => Message.TryParse(l) is { } m && m.Payload == StreamPayload && sequence(m.Sequence);

        /// <summary>Waits for the publisher to finish and both subscribers to print its last message.</summary>
        public async Task WaitForStreamEndAsync(ExternalProcess streaming, int length)
        {
            Assert.True(await streaming.WaitForExitAsync(TimeSpan.FromSeconds((length * StreamInterval / 1000.0 * 3) + 20)) == 0, streaming.Transcript());
            await Sub2.WaitForLineAsync(StreamMessage(s => s == (ulong)length), Patience);
            await Sub3.WaitForLineAsync(StreamMessage(s => s == (ulong)length), Patience);
        }

        /// <summary>The stream's messages in <paramref name="log"/>, in arrival order.</summary>
        public List<(TimeSpan At, Message Message)> Stream(ArrivalLog log)
            => [.. log.Messages().Where(m => m.Message.Payload == StreamPayload)];

        /// <summary>Starts <paramref name="gateway"/> again after it ended and waits until it is ready.</summary>
        public async Task<ExternalProcess> RestartAsync(Gateway gateway)
        {
            var run = StartGateway(gateway);
            await run.WaitForLineAsync(l => l.Contains("Gateway ready", StringComparison.Ordinal), Patience);
            return run;
        }

        /// <summary>Prints domain 2's gateways' election lines with their times from <paramref name="reference"/>.</summary>
        public void ReportElection(TimeSpan reference, string what)
        {
            foreach (var (gateway, log) in Logs)
            {
                foreach (var (at, line) in log.Lines().Where(l => IsDesignationLine(l.Line, Group, DesignatedLine)
                    || IsDesignationLine(l.Line, Group, StoodDownLine) || l.Line.Contains("Domain gateway", StringComparison.Ordinal)))
                {
                    _output?.WriteLine($"{gateway.Id} at {(at - reference).TotalMilliseconds:F0} ms from {what}: {line}");
                }
            }
        }

        public string Transcripts() => string.Join('\n', _processes.Select(p => p.Transcript()));

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes)
            {
                await process.DisposeAsync();
            }

            try
            {
                _domains.Dispose();
            }
            finally
            {
                _files.Dispose();
            }
        }

        private async Task ConvergeAsync(ITestOutputHelper output)
        {
            _output = output;
            await MakeCertificatesAsync(_files.Path, [G1, G2a, G2b, G3]);
            // Each link has one dialling side, which gives the address; the other only accepts.
            WriteConfig(_files.Path, G1, Group, [(G2a, false), (G2b, false), (G3, false)]);
            WriteConfig(_files.Path, G2a, Group, [(G1, true), (G3, false)]);
            WriteConfig(_files.Path, G2b, Group, [(G1, true), (G3, false)]);
            WriteConfig(_files.Path, G3, Group, [(G1, true), (G2a, true), (G2b, true)]);

            foreach (var gateway in new[] { G1, G2a, G2b, G3 })
            {
                StartGateway(gateway);
            }

            foreach (var run in Runs.Values)
            {
                await run.WaitForLineAsync(l => l.Contains("Gateway ready", StringComparison.Ordinal), Patience);
            }

            Sub2 = Track(StartSub(Sub2Host, Group));
            Arrivals2 = new ArrivalLog(Sub2, Clock);
            Sub3 = Track(StartSub(Sub3Host, Group));
            Arrivals3 = new ArrivalLog(Sub3, Clock);
            var (uriCode, uri) = await GridcastCli.RunAsync(Patience, "uri", Group, "--json");
            await using (uri)
            {
                Assert.True(uriCode == 0, uri.Transcript());
            }

            var address = IPEndPoint.Parse(JsonDocument.Parse(string.Concat(uri.StandardOutput)).RootElement.GetProperty("ipv4").GetString()!);
            Witness = Track(WitnessHost.Start(Python, "-c", WireWitness, address.Address.ToString(), address.Port.ToString(CultureInfo.InvariantCulture), WitnessHost.IPv4.ToString(), Group));
            await Witness.WaitForLineAsync(l => l == "listening", Patience);
            await SubscribedAsync(Sub2);
            await SubscribedAsync(Sub3);

            // The overlay needs a moment: links, elections, flooding, trees. Short bursts until a
            // message crosses to both domains, each burst bounded, the whole bounded too.
            var warmup = "warmup " + Group;
            var converging = Stopwatch.StartNew();
            var bursts = 0;
            while (!HasPayload(Sub2, warmup) || !HasPayload(Sub3, warmup))
            {
                Assert.True(
                    converging.Elapsed < Convergence,
                    $"after {bursts} bursts in {converging.Elapsed.TotalSeconds:F1} s no message from domain 1 reached both subscribers\n{Transcripts()}");
                var (code, pub) = await Publisher.RunGridcastAsync(Patience, ["pub", Group, warmup, "--repeat", "20", "--interval", "10", "--interface", Publisher.Interface]);
                await using (pub)
                {
                    Assert.True(code == 0, pub.Transcript());
                }

                bursts++;
            }

            output.WriteLine($"overlay converged: a message crossed to domains 2 and 3 after {converging.ElapsedMilliseconds} ms ({bursts} burst(s) of 20)");
            var (designated, standby) = DesignatedAndStandby();
            output.WriteLine($"{designated.Id} is designated for {Group}; {standby.Id} stands by");
        }

        private ExternalProcess StartGateway(Gateway gateway)
        {
            var run = Track(gateway.Host.StartGridcast("run", "--config", Path.Combine(_files.Path, gateway.Id + ".yaml")));
            Runs[gateway] = run;
            if (gateway == G2a || gateway == G2b)
            {
                Logs[gateway] = new ArrivalLog(run, Clock);
            }

            return run;
        }

        private ExternalProcess Track(ExternalProcess process)
        {
            _processes.Add(process);
            return process;
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

    /// <summary>A gateway: its node id (its certificate's CN) and the host it runs on.</summary>
    private sealed record Gateway(string Id, NamespaceHost Host)
    {
        public IPEndPoint OverlayAddress => new(Host.IPv4, OverlayPort);
    }

    /// <summary>One line of <c>gridcast sub --json</c>.</summary>
    private sealed record Message(string Source, ulong Sequence, string Payload, DateTimeOffset SentAt)
    {
        public static Message? TryParse(string line)
        {
            if (!line.StartsWith('{'))
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                return new Message(
                    root.GetProperty("source").GetString()!,
                    root.GetProperty("sequence").GetUInt64(),
                    root.GetProperty("payload").GetString()!,
                    root.GetProperty("sentAt").GetDateTimeOffset());
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// When each line of a process was read, on the test's clock: a line matcher that never
    /// matches sees every line as it arrives, so the times are those of reading, not of polling.
    /// </summary>
    private sealed class ArrivalLog
    {
        private readonly List<(TimeSpan At, string Line)> _lines = [];

        /// <summary>Starts recording; call it right after starting <paramref name="process"/>, before it prints.</summary>
        public ArrivalLog(ExternalProcess process, Stopwatch clock)
        {
            var watching = process.WaitForLineAsync(
                line =>
                {
                    lock (_lines)
                    {
                        _lines.Add((clock.Elapsed, line));
                    }

                    return false;
                },
                TimeSpan.FromMinutes(10));
            // It ends only with the process, by throwing that the line never came.
            _ = watching.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }

        /// <summary>The lines so far, with their arrival times, in arrival order.</summary>
        public List<(TimeSpan At, string Line)> Lines()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }

        /// <summary>The JSON messages so far, with their arrival times, in arrival order.</summary>
        public List<(TimeSpan At, Message Message)> Messages()
        {
            lock (_lines)
            {
                return [.. _lines.Select(l => (l.At, Message: Message.TryParse(l.Line))).Where(l => l.Message is not null).Select(l => (l.At, l.Message!))];
            }
        }
    }
}
