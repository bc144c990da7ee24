using System.Collections.Immutable;
using System.Diagnostics;
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
public sealed record SweepPoint(int Devices, string Scheme, int SenderCopies, int BusiestLinkCopies, long BusiestLinkBytes, double DelayP50Ms, double DelayP99Ms, double LinkStressMean, int LinksUsed, long Events, double RunSeconds, double PeakWorkingSetMiB);

/// <summary>
/// The scale sweep: the EU underlay's 30 sites with more and more devices spread over them, each
/// count run by unicast, HG and PG with one message (docs/evaluation.md, "Scale sweep").
/// </summary>
public static class SweepRunner
{
    /// <summary>The device counts run when none are given.</summary>
    public static ImmutableArray<int> DefaultDevices { get; } = [1_000, 10_000];

    /// <summary>Runs every count in <paramref name="devices"/> with placement and simulation seed <paramref name="seed"/>.</summary>
    public static ImmutableArray<SweepPoint> Run(IReadOnlyList<int> devices, int seed, IProgress<LabProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var options = HybridOptions.Default with { Messages = 1 };
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
            progress?.Report(new LabProgress($"{count} devices: unicast", points.Count, total));
            foreach (var deployment in new[] { HybridDeployment.ProviderGateways, HybridDeployment.HomeGateways })
            {
                clock.Restart();
                var run = HybridScheme.Run(lab, deployment, seed, options);
                points.Add(Point(count, run.Result, run.Events, clock.Elapsed, frameBytes));
                progress?.Report(new LabProgress($"{count} devices: {HybridScheme.NameOf(deployment)}", points.Count, total));
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
            process.PeakWorkingSet64 / (1024.0 * 1024.0));
    }
}
