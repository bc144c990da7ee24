using System.Globalization;
using System.Text.Json;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The reverse channel between real hosts: three multicast domains joined only by a unicast
/// router (<see cref="RoutedDomains"/>), one transit gateway per domain from
/// <c>gridcast run --config</c>, <c>gridcast respond</c> devices in every domain and
/// <c>gridcast request</c> in domain 1. The replies of domains 2 and 3 never cross the router;
/// their gateways' partials do, over the overlay.
/// </summary>
/// <remarks>
/// Hosts: domain 1 is gw-d1, two devices and the requester; domain 2 is gw-d2, two devices and a
/// silent device (a member whose value file holds no number, so it never answers); domain 3 is
/// gw-d3 and two devices. gw-d2 and gw-d3 dial gw-d1. gw-d2 learns its domain's members from
/// their member reports, so the silent device is a known member that did not answer, and
/// <c>--missing-ids</c> names it. gw-d3 does not learn members, so it holds its partial until
/// its deadline: killed after its devices answered, it has not sent it, and its domain can only
/// be missing from the result. The test makes no claim about time: the result is awaited
/// (within the test's patience), and how long it took is printed.
/// </remarks>
public sealed class AggregationTests(ITestOutputHelper output)
{
    /// <summary>The devices' values by domain: distinct powers of ten, so a sum tells which domains are in it.</summary>
    private static readonly double[][] Values = [[1, 2], [10, 20], [100, 200]];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Request_ThreeDomainsThenDomain3sGatewayKilledMidRequest_RightAggregateThenDomain3Missing()
    {
        await using var net = await Deployment.StartAsync(output);

        // Every domain answers, and the head-end sees one aggregate of all six devices.
        var (code, request) = await net.RequestAsync("3s");
        await using (request)
        {
            Assert.True(code == 0, request.Transcript() + net.Transcripts());
            var whole = Result(request);
            output.WriteLine($"all domains: {string.Join(' ', request.StandardOutput)}");
            Assert.Equal((ulong)Values.Sum(v => v.Length), whole.GetProperty("count").GetUInt64());
            Assert.Equal(Values.SelectMany(v => v).Sum(), whole.GetProperty("sum").GetDouble());
            Assert.Equal(0U, whole.GetProperty("missingSubtrees").GetUInt32());
            Assert.True(whole.GetProperty("partialsReceived").GetUInt32() >= 1, "the other domains' replies came as partials");
            Assert.Equal([net.SilentMember], whole.GetProperty("missingIds").EnumerateArray().Select(e => e.GetString()));
            // Domain 1's members are not known (a socket does not learn them): the count of
            // missing members is not known either, however many ids were named.
            Assert.False(whole.GetProperty("membershipKnown").GetBoolean());
            Assert.Equal(JsonValueKind.Null, whole.GetProperty("missing").ValueKind);
        }

        // The next request: as soon as a device of domain 3 answered it, domain 3's gateway has
        // forwarded it and holds domain 3's replies; it dies with them.
        var answeredBefore = net.Devices[2].SelectMany(d => d.StandardOutput).Where(IsAnswer).ToHashSet(StringComparer.Ordinal);
        var started = net.Clock.Elapsed;
        var killed = net.StartRequest("3s");
        await net.Devices[2][0].WaitForLineAsync(l => IsAnswer(l) && !answeredBefore.Contains(l), Patience);
        var killedAt = net.Clock.Elapsed;
        net.Runs[net.Gateways[2]].Kill("KILL");
        Assert.Equal(128 + 9, await net.Runs[net.Gateways[2]].WaitForExitAsync(Patience));

        Assert.True(await killed.WaitForExitAsync(Patience) == 0, killed.Transcript() + net.Transcripts());
        var finishedAt = net.Clock.Elapsed;
        output.WriteLine(
            $"gw-d3 killed {(killedAt - started).TotalMilliseconds:F0} ms after the request started; the result came "
            + $"{(finishedAt - started).TotalMilliseconds:F0} ms after it (deadline 3000 ms, as the test read it): {string.Join(' ', killed.StandardOutput)}");
        var partial = Result(killed);
        // Domains 1 and 2 exactly; domain 3 missing, and named, not counted as zero-valued replies.
        Assert.Equal(4UL, partial.GetProperty("count").GetUInt64());
        Assert.Equal(Values[0].Sum() + Values[1].Sum(), partial.GetProperty("sum").GetDouble());
        Assert.Equal(1U, partial.GetProperty("missingSubtrees").GetUInt32());
        Assert.Equal(["gw-d3"], partial.GetProperty("missingSubtreeIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0UL, partial.GetProperty("late").GetUInt64());
        Assert.Equal([net.SilentMember], partial.GetProperty("missingIds").EnumerateArray().Select(e => e.GetString()));
    }

    private static bool IsAnswer(string line) => line.StartsWith("request ", StringComparison.Ordinal) && line.Contains(": answered ", StringComparison.Ordinal);

    private static JsonElement Result(ExternalProcess request) => JsonDocument.Parse(Assert.Single(request.StandardOutput)).RootElement;

    /// <summary>The three domains with their gateways and devices, running, and requests answered from every domain.</summary>
    private sealed class Deployment : GatewayTestbed
    {
        private Deployment(TempDirectory files, RoutedDomains domains)
            : base(files, domains, "aggregation")
        {
            Gateways = [.. domains.Domains.Select((d, i) => new GatewayHost($"gw-d{i + 1}", d.Hosts[0]))];
            Requester = domains.Domains[0].Hosts[3];
        }

        public IReadOnlyList<GatewayHost> Gateways { get; }

        public NamespaceHost Requester { get; }

        /// <summary>The <c>respond</c> processes that answer, by domain, in the order of <see cref="Values"/>.</summary>
        public List<List<ExternalProcess>> Devices { get; } = [];

        /// <summary>The member id of domain 2's device that never answers.</summary>
        public string SilentMember { get; private set; } = string.Empty;

        public static Task<Deployment> StartAsync(ITestOutputHelper output)
            => StartAsync("aggregation", [4, 4, 3], static (files, domains) => new Deployment(files, domains), net => net.ConvergeAsync(output));

        /// <summary>Runs <c>gridcast request GROUP --aggregate count,sum --missing-ids --json</c> in domain 1 to its end.</summary>
        public Task<(int ExitCode, ExternalProcess Process)> RequestAsync(string deadline)
            => Requester.RunGridcastAsync(Patience, RequestArguments(deadline));

        /// <summary>Starts the same request without waiting for it.</summary>
        public ExternalProcess StartRequest(string deadline) => Track(Requester.StartGridcast(RequestArguments(deadline)));

        private string[] RequestArguments(string deadline)
            => ["request", Group, "--aggregate", "count,sum", "--deadline", deadline, "--missing-ids", "--json", "--interface", Requester.Interface];

        private async Task ConvergeAsync(ITestOutputHelper output)
        {
            Output = output;
            var (g1, g2, g3) = (Gateways[0], Gateways[1], Gateways[2]);
            await GatewayFiles.MakeCertificatesAsync(Files.Path, "GridCast Aggregation Test CA", Gateways);
            GatewayFiles.WriteTransit(Files.Path, g1, Group, [(g2, false), (g3, false)], learnMembers: false, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, g2, Group, [(g1, true)], learnMembers: true, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, g3, Group, [(g1, true)], learnMembers: false, acceptLeaves: false);
            await Task.WhenAll(Gateways.Select(StartGatewayAsync));

            for (var domain = 0; domain < Values.Length; domain++)
            {
                var hosts = Domains.Domains[domain].Hosts;
                Devices.Add([.. Values[domain].Select((value, i) => Track(hosts[i + 1].StartGridcast(
                    "respond", Group, "--value", value.ToString("R", CultureInfo.InvariantCulture), "--interface", hosts[i + 1].Interface)))]);
            }

            var silentHost = Domains.Domains[1].Hosts[3];
            var offline = Path.Combine(Files.Path, "silent-reading");
            await File.WriteAllTextAsync(offline, "meter offline");
            var silent = Track(silentHost.StartGridcast("respond", Group, "--value-from", offline, "--interface", silentHost.Interface));
            foreach (var device in Devices.SelectMany(d => d))
            {
                await device.WaitForLineAsync(l => l.StartsWith("responding to " + Group, StringComparison.Ordinal), Patience);
            }

            var ready = await silent.WaitForLineAsync(l => l.StartsWith("responding to " + Group, StringComparison.Ordinal), Patience);
            SilentMember = ready[(ready.LastIndexOf(' ') + 1)..];

            // The overlay needs a moment (links, link-state, trees), and gw-d2 learns its members
            // from their periodic reports; and the first request a gateway process handles runs
            // its aggregation code cold, whose partial has been seen on a loaded machine to miss
            // the 200 ms a hop keeps for the way up. Requests are asked until one has every
            // answering device and names the silent one, so the test's own requests find the
            // gateways converged and warm.
            var warming = System.Diagnostics.Stopwatch.StartNew();
            var asked = 0;
            while (true)
            {
                Assert.True(warming.Elapsed < Convergence, $"after {asked} requests in {warming.Elapsed.TotalSeconds:F1} s none had every device in it and named the silent one\n{Transcripts()}");
                var (code, warmup) = await RequestAsync("1s");
                await using (warmup)
                {
                    Assert.True(code == 0, warmup.Transcript());
                    asked++;
                    var result = Result(warmup);
                    if (result.GetProperty("count").GetUInt64() == (ulong)Values.Sum(v => v.Length)
                        && result.GetProperty("missingIds").EnumerateArray().Any(e => e.GetString() == SilentMember))
                    {
                        break;
                    }
                }
            }

            output.WriteLine($"requests warmed up: {asked} request(s) until one had every device in it and named the silent one, {warming.Elapsed.TotalMilliseconds:F0} ms");
        }
    }
}
