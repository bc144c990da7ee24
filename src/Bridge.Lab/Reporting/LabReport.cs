using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Bridge.Lab.Reporting;

/// <summary>What <c>gridcast lab de|eu</c> measured: one setup over several placements (runs).</summary>
/// <param name="Setup">DE or EU.</param>
/// <param name="Topology">The backbone's file name without extension.</param>
/// <param name="Sites">Sites per run.</param>
/// <param name="Nodes">Group nodes (receivers) per run.</param>
/// <param name="FirstSeed">Run r uses seed FirstSeed + r for its placement and its simulation.</param>
/// <param name="Runs">Number of runs.</param>
/// <param name="OverlayNeighbours">Nearest sites each transit gateway peered with (<see cref="Schemes.HybridOptions.OverlayNeighbours"/>).</param>
/// <param name="Schemes">One summary per scheme: <c>unicast</c>, <c>hybrid-hg</c>, <c>hybrid-pg</c>.</param>
/// <param name="Paper">The paper's figures for this setup, to read beside ours.</param>
public sealed record LabReport(string Setup, string Topology, int Sites, int Nodes, int FirstSeed, int Runs, int OverlayNeighbours, ImmutableArray<SchemeReport> Schemes, PaperFigures Paper);

/// <summary>One scheme over all runs of a setup.</summary>
/// <param name="Scheme">The scheme's name.</param>
/// <param name="DelayMeanMs">Mean one-way delay over every receiver of every run.</param>
/// <param name="DelayMedianMs">Median of the same.</param>
/// <param name="DelayP95Ms">95th percentile of the same.</param>
/// <param name="DelayCi95Ms">Half width of the 95 % confidence interval of the mean delay.</param>
/// <param name="LinkStressMean">Mean copies per used underlay link, over every used link of every run.</param>
/// <param name="LinkStressSd">Sample standard deviation of the same.</param>
/// <param name="LinkStressCi95">Half width of the 95 % confidence interval of the mean link stress.</param>
/// <param name="LinkStressMax">The most copies on any link in any run.</param>
/// <param name="LinksUsed">Underlay links used per run, mean over the runs.</param>
/// <param name="SenderCopies">Copies the source sent per message, mean over the runs.</param>
/// <param name="DelaySamplesMs">Every receiver's delay, for plots (not printed).</param>
/// <param name="LinkStressSamples">Every used link's copies, for plots (not printed).</param>
public sealed record SchemeReport(
    string Scheme,
    double DelayMeanMs,
    double DelayMedianMs,
    double DelayP95Ms,
    double DelayCi95Ms,
    double LinkStressMean,
    double LinkStressSd,
    double LinkStressCi95,
    int LinkStressMax,
    double LinksUsed,
    double SenderCopies,
    [property: JsonIgnore] ImmutableArray<double> DelaySamplesMs,
    [property: JsonIgnore] ImmutableArray<int> LinkStressSamples)
{
    /// <summary>Messages reaching the head-end per meter reading of every device (unicast: polling; hybrid: one aggregated round), mean over the runs.</summary>
    public double HeadEndMessagesPerRound { get; init; }
}

/// <summary>The paper's reported figures for a setup (docs/evaluation.md).</summary>
/// <param name="HybridAddedDelayMs">Delay hybrid adds over unicast, about.</param>
/// <param name="UnicastLinkStressMean">Unicast's mean link stress, about.</param>
/// <param name="UnicastLinkStressSd">Unicast's standard deviation of link stress, about.</param>
/// <param name="HybridLinkStressMean">Both hybrid schemes' mean link stress, about.</param>
/// <param name="HybridLinkStressSd">Both hybrid schemes' standard deviation, about.</param>
public sealed record PaperFigures(double HybridAddedDelayMs, double UnicastLinkStressMean, double UnicastLinkStressSd, double HybridLinkStressMean, double HybridLinkStressSd)
{
    /// <summary>National.</summary>
    public static PaperFigures De { get; } = new(10, 3, 5, 1.3, 1);

    /// <summary>Continental.</summary>
    public static PaperFigures Eu { get; } = new(40, 3, 7, 1.3, 1);
}
