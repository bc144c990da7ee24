using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Bridge.Lab.Placement;
using Bridge.Lab.Schemes;
using Bridge.Multicast.Wire;

namespace Bridge.Lab.Reporting;

/// <summary>One point of <c>gridcast lab sweep</c>: one scheme with a number of devices on the EU underlay.</summary>
/// <param name="Devices">Group nodes (receivers).</param>
/// <param name="Scheme">The scheme's name.</param>
/// <param name="SenderCopies">Copies the source sent.</param>
/// <param name="BusiestLinkCopies">Copies on the busiest underlay link.</param>
/// <param name="BusiestLinkBytes">Those copies times the size of the source's Data frame (a relay's header and ingress id not counted).</param>
/// <param name="DelayP50Ms">Median receiver delay.</param>
/// <param name="DelayP99Ms">99th percentile of the receiver delay.</param>
/// <param name="LinkStressMean">Mean copies per used link.</param>
/// <param name="LinksUsed">Underlay links used.</param>
/// <param name="Events">Events the simulator processed (0 for unicast, which needs none).</param>
/// <param name="RunSeconds">Wall-clock time of this point's run on this machine.</param>
/// <param name="PeakWorkingSetMiB">The process's peak working set so far, after this point.</param>
public sealed record SweepPoint(int Devices, string Scheme, int SenderCopies, int BusiestLinkCopies, long BusiestLinkBytes, double DelayP50Ms, double DelayP99Ms, double LinkStressMean, int LinksUsed, long Events, double RunSeconds, double PeakWorkingSetMiB)
{
    /// <summary>Messages reaching the head-end when it reads every device once: unicast polls (one reply per device); PG and HG run one aggregated round.</summary>
    public long HeadEndMessagesPerRound { get; init; }

    /// <summary>Gateways simulated (0 for unicast).</summary>
    public int Gateways { get; init; }

    /// <summary>Simulator nodes standing for the devices: one per PG site, one per HG home (0 for unicast).</summary>
    public int DeviceNodes { get; init; }
}

/// <summary>Settings of <see cref="SweepRunner"/>.</summary>
public sealed record SweepOptions
{
    /// <summary>The defaults of docs/evaluation.md, "Scale sweep".</summary>
    public static SweepOptions Default { get; } = new();

    /// <summary>HG: devices behind one home gateway (<see cref="HybridOptions.DevicesPerHome"/>).</summary>
    public int DevicesPerHome { get; init; } = 10;

    /// <summary>HG: the hello interval of the home gateways, each alone in its home (<see cref="HybridOptions.HomeHelloInterval"/>); null keeps the product's 100 ms.</summary>
    public TimeSpan? HomeHelloInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether each point also runs one aggregated meter-reading round.</summary>
    public bool AggregatedRound { get; init; } = true;
}

/// <summary>
/// The scale sweep: the EU underlay's 30 sites with more and more devices spread over them, each
/// count run by unicast, HG and PG with one message (docs/evaluation.md, "Scale sweep").
/// </summary>
public static class SweepRunner
{
    /// <summary>The device counts run when none are given.</summary>
    public static ImmutableArray<int> DefaultDevices { get; } = [1_000, 10_000];

    /// <summary>Runs every count in <paramref name="devices"/> with placement and simulation seed <paramref name="seed"/>.</summary>
    public static ImmutableArray<SweepPoint> Run(IReadOnlyList<int> devices, int seed, IProgress<LabProgress>? progress = null, SweepOptions? sweep = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        sweep ??= SweepOptions.Default;
        var options = HybridOptions.Default with
        {
            Messages = 1,
            DevicesPerHome = sweep.DevicesPerHome,
            HomeHelloInterval = sweep.HomeHelloInterval,
            AggregatedRound = sweep.AggregatedRound,
        };
        var frameBytes = FrameCodec.GetEncodedSize(System.Text.Encoding.UTF8.GetByteCount(HybridScheme.Group.WireName), options.PayloadBytes);
        var underlay = LabSetup.Eu.LoadUnderlay();
        var points = ImmutableArray.CreateBuilder<SweepPoint>();
        var total = 3 * devices.Count;
        foreach (var count in devices)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, LabSetup.Eu.Sites, nameof(devices));
            var setup = LabSetup.Eu with { Nodes = count };
            var lab = LabNetwork.Build(underlay, SitePlacement.Place(underlay, setup, seed));
            var clock = Stopwatch.StartNew();
            var unicast = UnicastScheme.Run(lab);
            points.Add(Point(count, unicast, 0, clock.Elapsed, frameBytes));
            progress?.Report(new LabProgress(string.Create(CultureInfo.InvariantCulture, $"{count:N0} devices: unicast"), points.Count, total));
            foreach (var deployment in new[] { HybridDeployment.ProviderGateways, HybridDeployment.HomeGateways })
            {
                clock.Restart();
                progress?.Report(new LabProgress(string.Create(CultureInfo.InvariantCulture, $"{count:N0} devices: {HybridScheme.NameOf(deployment)} running"), points.Count, total));
                var run = HybridScheme.Run(lab, deployment, seed, options);
                points.Add(Point(count, run.Result, run.Events, clock.Elapsed, frameBytes) with { Gateways = run.Gateways, DeviceNodes = run.DeviceNodes });
                progress?.Report(new LabProgress(string.Create(CultureInfo.InvariantCulture, $"{count:N0} devices: {HybridScheme.NameOf(deployment)} done in {clock.Elapsed.TotalSeconds:F1} s"), points.Count, total));
            }
        }

        return points.ToImmutable();
    }

    private static SweepPoint Point(int devices, SchemeResult result, long events, TimeSpan elapsed, int frameBytes)
    {
        var delay = result.DelayMs();
        var stress = result.LinkStress.Summary();
        using var process = Process.GetCurrentProcess();
        return new SweepPoint(
            devices,
            result.Scheme,
            result.SenderCopies,
            result.LinkStress.Max,
            (long)result.LinkStress.Max * frameBytes,
            delay.Median,
            delay.P99,
            stress.Mean,
            result.LinkStress.LinksUsed,
            events,
            elapsed.TotalSeconds,
            process.PeakWorkingSet64 / (1024.0 * 1024.0))
        {
            HeadEndMessagesPerRound = result.HeadEndMessagesPerRound,
        };
    }
}
