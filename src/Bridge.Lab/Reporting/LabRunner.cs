using System.Collections.Immutable;
using Bridge.Lab.Measurement;
using Bridge.Lab.Placement;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Reporting;

/// <summary>Where a lab run is: <paramref name="Done"/> of <paramref name="Total"/> steps, the last one <paramref name="Step"/>.</summary>
public sealed record LabProgress(string Step, int Done, int Total);

/// <summary>
/// Runs the paper's measurement for a setup: for each run a fresh placement (seed = first seed +
/// run), one message by n-times unicast, by HG and by PG, and the summary of all runs together.
/// </summary>
public static class LabRunner
{
    /// <summary>The setups by the name the command takes (<c>de</c>, <c>eu</c>), case-insensitive.</summary>
    public static IReadOnlyDictionary<string, LabSetup> Setups { get; } =
        new Dictionary<string, LabSetup>(StringComparer.OrdinalIgnoreCase) { ["de"] = LabSetup.De, ["eu"] = LabSetup.Eu };

    /// <summary>Runs <paramref name="runs"/> placements of <paramref name="setup"/>.</summary>
    public static LabReport Run(LabSetup setup, int firstSeed, int runs, HybridOptions? options = null, IProgress<LabProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var total = 3 * runs;
        var done = 0;
        var results = new Dictionary<string, List<SchemeResult>>
        {
            [UnicastScheme.Name] = [],
            [HybridScheme.HomeGatewaysName] = [],
            [HybridScheme.ProviderGatewaysName] = [],
        };
        var underlay = setup.LoadUnderlay();
        for (var r = 0; r < runs; r++)
        {
            var seed = firstSeed + r;
            var lab = LabNetwork.Build(underlay, SitePlacement.Place(underlay, setup, seed));
            results[UnicastScheme.Name].Add(UnicastScheme.Run(lab));
            progress?.Report(new LabProgress($"seed {seed}: unicast", ++done, total));
            foreach (var deployment in new[] { HybridDeployment.HomeGateways, HybridDeployment.ProviderGateways })
            {
                results[HybridScheme.NameOf(deployment)].Add(HybridScheme.Run(lab, deployment, seed, options).Result);
                progress?.Report(new LabProgress($"seed {seed}: {HybridScheme.NameOf(deployment)}", ++done, total));
            }
        }

        var paper = setup.Name == LabSetup.Eu.Name ? PaperFigures.Eu : PaperFigures.De;
        return new LabReport(setup.Name, setup.Topology, setup.Sites, setup.Nodes, firstSeed, runs, (options ?? HybridOptions.Default).OverlayNeighbours, [.. results.Select(r => Summarise(r.Key, r.Value))], paper);
    }

    /// <summary>One scheme's results of several runs as one summary: delays and link stress pooled over the runs.</summary>
    public static SchemeReport Summarise(string scheme, IReadOnlyList<SchemeResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        var delays = runs.SelectMany(r => r.ReceiverDelays.Select(d => d.TotalMilliseconds)).ToImmutableArray();
        var stress = runs.SelectMany(r => r.LinkStress.Used.Select(u => u.Copies)).ToImmutableArray();
        var delay = Statistics.Of(delays);
        var links = Statistics.Of(stress);
        return new SchemeReport(
            scheme,
            delay.Mean,
            delay.Median,
            delay.P95,
            delay.ConfidenceHalfWidth95,
            links.Mean,
            links.StandardDeviation,
            links.ConfidenceHalfWidth95,
            (int)links.Max,
            runs.Average(r => r.LinkStress.LinksUsed),
            runs.Average(r => r.SenderCopies),
            delays,
            stress)
        {
            HeadEndMessagesPerRound = runs.Average(r => (double)r.HeadEndMessagesPerRound),
        };
    }
}
