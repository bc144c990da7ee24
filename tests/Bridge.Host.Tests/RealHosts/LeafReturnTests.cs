using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;
using static Bridge.Host.Tests.RealHosts.StreamFigures;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The hybrid HG deployment of docs/examples/hybrid-hg as real <c>gridcast run</c> processes in
/// <see cref="RoutedDomains"/>: two core (transit) gateways on the provider's segment, and three
/// homes whose leaf gateways list core 1 then core 2 as upstreams. Core 1 is killed with SIGKILL
/// under a fast stream (the leaves fail over to core 2), then started again (the leaves return
/// to it); the return must lose nothing and deliver nothing twice.
/// </summary>
/// <remarks>
/// <para>
/// Hosts: domain 1 is the provider's segment with gw-core1 and gw-core2 (gw-core1 dials gw-core2;
/// both accept leaves, carry the group and elect a designated gateway there, as in the example);
/// domains 2, 3 and 4 are homes A, B and C, each with a leaf gateway (home-a, home-b, home-c) and
/// a subscriber; home A also has the publisher, whose stream its subscriber hears natively.
/// </para>
/// <para>
/// The failover's losses are reported, and loosely bounded. Every message published after core 1
/// was started again must reach every home exactly once: the leaves, which redial core 1 with
/// backoff (100 ms doubling to 5 s), return to it make-before-break (docs/overlay.md). The figures
/// of each return (when the leaf's link to core 1 came up, how long it kept core 2, how many
/// messages were published meanwhile) are printed.
/// </para>
/// </remarks>
public sealed class LeafReturnTests(ITestOutputHelper output)
{
    /// <summary>The stream: this many messages, this many milliseconds apart.</summary>
    private const int StreamLength = 2000;

    private const int StreamInterval = 10;

    /// <summary>The stream message at home B's subscriber after which core 1 dies.</summary>
    private const int KillAfterSequence = 300;

    /// <summary>What the failover may lose at most: three seconds of the stream.</summary>
    private const int MaxFailoverMissed = 3000 / StreamInterval;

    private const string ReturningLine = "returns to its preferred upstream";

    /// <summary>How long a silent overlay link lives (<c>gateway.heartbeat.deadAfter</c>).</summary>
    private const string DeadAfter = "3s";
    private const string ReturnedLine = "returned to";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Restart_PreferredCoreUnderAFastStream_EveryLeafReturnsWithoutLosingOrDuplicatingAMessage()
    {
        await using var net = await Deployment.StartAsync(output);
        await using var streaming = net.StartStream();
        await net.Subs[1].WaitForLineAsync(net.StreamMessage(s => s >= KillAfterSequence), Patience);

        // Core 1 dies: its links reset, and every leaf turns to core 2 at once.
        var failovers = net.Leaves.Select(leaf => net.NextLineAsync(leaf, $"uses upstream {net.Core2.Id} (was {net.Core1.Id})")).ToList();
        var killedAt = net.Clock.Elapsed;
        net.Runs[net.Core1].Kill("KILL");
        Assert.Equal(128 + 9, await net.Runs[net.Core1].WaitForExitAsync(Patience));
        var failedOverAt = await Task.WhenAll(failovers);
        var sinceFailover = net.Stream(1).Max(m => m.Message.Sequence);
        await net.Subs[1].WaitForLineAsync(net.StreamMessage(s => s > sinceFailover + 50), Patience);

        // Core 1 starts again; each leaf redials it and returns.
        var returns = net.Leaves.Select(leaf => net.NextLineAsync(leaf, $"{ReturnedLine} {net.Core1.Id}")).ToList();
        var restartedAt = net.Clock.Elapsed;
        var publishedBeforeRestart = net.Stream(0).Max(m => m.Message.Sequence);
        await net.StartGatewayAsync(net.Core1);
        await Task.WhenAll(returns);
        var returnedAt = net.Clock.Elapsed;
        var lastBeforeReturned = net.Stream(0).Max(m => m.Message.Sequence);
        await net.WaitForStreamEndAsync(streaming);
        Assert.True(
            lastBeforeReturned + (1000 / StreamInterval) < StreamLength,
            $"the stream (to #{StreamLength}) ended less than a second after the last return (at #{lastBeforeReturned}): the figures would not cover it");

        output.WriteLine(
            $"core 1 killed {killedAt.TotalSeconds:F1} s into the test; restarted {(restartedAt - killedAt).TotalMilliseconds:F0} ms later, "
            + $"after #{publishedBeforeRestart}; every leaf had returned {(returnedAt - restartedAt).TotalMilliseconds:F0} ms after the restart; "
            + $"the leaves said they used core 2 {string.Join(", ", failedOverAt.Select(t => $"{(t - killedAt).TotalMilliseconds:F0}"))} ms after the kill, "
            + $"their links to core 1 ending: {string.Join("; ", net.Leaves.Select(l => net.Logs[l].Lines().FirstOrDefault(x => x.At >= killedAt && x.Line.Contains($"Overlay link to {net.Core1.Id}", StringComparison.Ordinal)).Line is { } line ? line[line.IndexOf("Overlay link", StringComparison.Ordinal)..] : "-"))}");
        foreach (var (leaf, home) in net.Leaves.Select((l, i) => (l, i)))
        {
            net.ReportReturn(leaf, home, restartedAt);
        }

        var lostToReturn = new List<string>();
        for (var home = 0; home < net.Subs.Count; home++)
        {
            var arrivals = net.Stream(home);
            var missed = Missing(arrivals, StreamLength);
            var failover = missed.Where(s => s <= publishedBeforeRestart).ToList();
            var afterRestart = missed.Where(s => s > publishedBeforeRestart).ToList();
            var duplicates = Duplicates(net.Arrivals[home]);
            output.WriteLine(
                $"home {Deployment.HomeName(home)}: {arrivals.Count} arrivals; lost to the failover {failover.Count} ({Ranges(failover)}); "
                + $"lost after the restart {afterRestart.Count} ({Ranges(afterRestart)}); twice {duplicates.Count}; "
                + $"largest gap after the restart {LargestGap(arrivals, net.WallClock(restartedAt), net.WallClock(net.Clock.Elapsed)).TotalMilliseconds:F0} ms");
            Assert.Empty(duplicates);
            Assert.True(failover.Count <= MaxFailoverMissed, $"home {Deployment.HomeName(home)} lost {failover.Count} messages to the failover ({Ranges(failover)})\n{net.Transcripts()}");
            lostToReturn.AddRange(afterRestart.Select(s => $"{Deployment.HomeName(home)} #{s}"));
        }

        Assert.True(lostToReturn.Count == 0, $"lost after core 1 was started again: {string.Join(", ", lostToReturn)}\n{net.Transcripts()}");
        // Where each leaf stands now: its last word on upstreams is the end of its return to core 1.
        Assert.All(net.Leaves, leaf => Assert.Contains($"{ReturnedLine} {net.Core1.Id}", net.Logs[leaf].Lines().Last(l => IsUpstreamLine(l.Line)).Line, StringComparison.Ordinal));
    }

    private static bool IsUpstreamLine(string line)
        => line.Contains("uses upstream", StringComparison.Ordinal) || line.Contains(ReturningLine, StringComparison.Ordinal)
            || line.Contains(ReturnedLine, StringComparison.Ordinal) || line.Contains("gave up returning", StringComparison.Ordinal);

    /// <summary>
    /// The provider's segment with the two cores and three homes, running and converged with
    /// every leaf on core 1. Disposing stops every process, then removes the namespaces and files.
    /// </summary>
    private sealed class Deployment : GatewayTestbed
    {
        private readonly List<NamespaceHost> _subHosts;

        private Deployment(TempDirectory files, RoutedDomains domains)
            : base(files, domains, "leaf-return")
        {
            var core = domains.Domains[0];
            var homes = domains.Domains.Skip(1).ToList();
            Core1 = new GatewayHost("gw-core1", core.Hosts[0]);
            Core2 = new GatewayHost("gw-core2", core.Hosts[1]);
            Leaves = [.. homes.Select((h, i) => new GatewayHost("home-" + (char)('a' + i), h.Hosts[0]))];
            Publisher = homes[0].Hosts[1];
            _subHosts = [.. homes.Select(h => h.Hosts[^1])];
        }

        /// <summary>The wall-clock time at which <see cref="GatewayTestbed.Clock"/> read zero, to place the publisher's send times on it.</summary>
        public DateTimeOffset ClockZero { get; } = DateTimeOffset.UtcNow;

        public GatewayHost Core1 { get; }

        public GatewayHost Core2 { get; }

        /// <summary>The leaf gateways of homes A, B and C.</summary>
        public IReadOnlyList<GatewayHost> Leaves { get; }

        public NamespaceHost Publisher { get; }

        /// <summary>The subscribers of homes A (the publisher's), B and C.</summary>
        public List<ExternalProcess> Subs { get; } = [];

        public List<ArrivalLog> Arrivals { get; } = [];

        public static Task<Deployment> StartAsync(ITestOutputHelper output)
            => StartAsync("leaf-return", [2, 3, 2, 2], static (files, domains) => new Deployment(files, domains), net => net.ConvergeAsync(output));

        public static string HomeName(int home) => ((char)('A' + home)).ToString();

        /// <summary>Starts the stream from home A.</summary>
        public ExternalProcess StartStream() => StartStream(Publisher, StreamLength, StreamInterval);

        /// <summary>The stream's messages at home <paramref name="home"/>'s subscriber, in arrival order.</summary>
        public List<(TimeSpan At, SubMessage Message)> Stream(int home) => Stream(Arrivals[home]);

        /// <summary>Waits for the publisher to finish and every subscriber to print its last message.</summary>
        public Task WaitForStreamEndAsync(ExternalProcess streaming) => WaitForStreamEndAsync(streaming, StreamLength, StreamInterval, Subs);

        /// <summary>Waits for the next line of <paramref name="gateway"/> that contains <paramref name="text"/>; returns when it was read.</summary>
        public Task<TimeSpan> NextLineAsync(GatewayHost gateway, string text) => NextLineAsync(gateway, l => l.Contains(text, StringComparison.Ordinal));

        /// <summary>
        /// Prints the return of <paramref name="leaf"/> after the restart: when its link to core 1
        /// came up, when it started and ended the return (as its log says), and what its home's
        /// subscriber got of the messages published from 100 ms before the link to the end.
        /// </summary>
        public void ReportReturn(GatewayHost leaf, int home, TimeSpan restartedAt)
        {
            var lines = Logs[leaf].Lines().Where(l => l.At >= restartedAt).ToList();
            var linkUp = lines.FirstOrDefault(l => l.Line.Contains($"Overlay link to {Core1.Id}", StringComparison.Ordinal) && l.Line.Contains("is up", StringComparison.Ordinal));
            var started = lines.FirstOrDefault(l => l.Line.Contains(ReturningLine, StringComparison.Ordinal));
            var ended = lines.FirstOrDefault(l => l.Line.Contains(ReturnedLine, StringComparison.Ordinal));
            var from = linkUp.At - TimeSpan.FromMilliseconds(100);
            var during = Stream(home).Where(m => m.Message.SentAt - ClockZero >= from && m.Message.SentAt - ClockZero <= ended.At).Select(m => m.Message.Sequence).ToList();
            Output?.WriteLine(
                $"{leaf.Id}: link to {Core1.Id} up {(linkUp.At - restartedAt).TotalMilliseconds:F0} ms after the restart, return started {(started.At - linkUp.At).TotalMilliseconds:F0} ms "
                + $"and ended {(ended.At - linkUp.At).TotalMilliseconds:F0} ms after it; home {HomeName(home)} got {during.Count} messages published from 100 ms before the link to the end "
                + $"(#{during.DefaultIfEmpty().Min()} to #{during.DefaultIfEmpty().Max()}, {(during.Count == 0 ? 0 : (int)(during.Max() - during.Min()) + 1 - during.Distinct().Count())} missing among them); {ended.Line?.Trim()}");
        }

        private async Task ConvergeAsync(ITestOutputHelper output)
        {
            Output = output;
            await GatewayFiles.MakeCertificatesAsync(Files.Path, "GridCast Leaf Return Test CA", [Core1, Core2, .. Leaves]);
            // As in docs/examples/hybrid-hg: core 1 dials core 2; both accept leaves and carry the
            // group. A killed gateway's links close at once, so the failover needs no short dead
            // interval, and a longer one keeps a busy machine's slow heartbeat from dropping a link.
            GatewayFiles.WriteTransit(Files.Path, Core1, Group, [(Core2, true)], learnMembers: false, acceptLeaves: true, DeadAfter);
            GatewayFiles.WriteTransit(Files.Path, Core2, Group, [(Core1, false)], learnMembers: false, acceptLeaves: true, DeadAfter);
            foreach (var leaf in Leaves)
            {
                GatewayFiles.WriteLeaf(Files.Path, leaf, Group, [Core1, Core2], DeadAfter);
            }

            await Task.WhenAll(StartGatewayAsync(Core1), StartGatewayAsync(Core2));

            // Each leaf ends up on core 1: at once, or after core 2's link came first (a return, or
            // a plain switch while the leaf wanted nothing yet).
            await Task.WhenAll(Leaves.Select(StartGatewayAsync));
            await Task.WhenAll(Leaves.Select(leaf => Runs[leaf].WaitForLineAsync(
                l => l.Contains($"uses upstream {Core1.Id}", StringComparison.Ordinal) || l.Contains($"{ReturnedLine} {Core1.Id}", StringComparison.Ordinal),
                Patience)));

            foreach (var host in _subHosts)
            {
                var sub = Track(StreamSubscribers.Start(host, Group));
                Subs.Add(sub);
                Arrivals.Add(new ArrivalLog(sub, Clock));
            }

            foreach (var sub in Subs)
            {
                await StreamSubscribers.SubscribedAsync(sub);
            }

            var (took, bursts) = await StreamSubscribers.WarmUpAsync(Publisher, Group, Subs, Convergence, Transcripts);
            output.WriteLine($"overlay converged: a message from home A reached homes B and C after {took.TotalMilliseconds:F0} ms ({bursts} burst(s) of 20)");
        }
    }
}
