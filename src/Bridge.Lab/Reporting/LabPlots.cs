using System.Globalization;
using Bridge.Lab.Measurement;
using ScottPlot;

namespace Bridge.Lab.Reporting;

/// <summary>
/// The PNG plots of a lab run, in the manner of the paper's Figure 2: the receivers' delays per
/// scheme (as cumulative distributions) and the link stress per scheme (box plots with the mean,
/// its 95 % confidence interval and the standard deviation).
/// </summary>
public static class LabPlots
{
    private const int Width = 900;
    private const int Height = 600;

    /// <summary>Writes <c>SETUP-delay-cdf.png</c> and <c>SETUP-link-stress.png</c> into <paramref name="directory"/> (created when missing); returns their paths.</summary>
    public static IReadOnlyList<string> Write(LabReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var name = report.Setup.ToLowerInvariant();
        var delay = Path.Combine(directory, $"{name}-delay-cdf.png");
        var stress = Path.Combine(directory, $"{name}-link-stress.png");
        DelayCdf(report).SavePng(delay, Width, Height);
        LinkStressBoxes(report).SavePng(stress, Width, Height);
        return [delay, stress];
    }

    private static string Caption(LabReport report) =>
        string.Create(CultureInfo.InvariantCulture, $"{report.Setup}: {report.Nodes} nodes at {report.Sites} sites on {report.Topology}, {report.Runs} run(s) from seed {report.FirstSeed}");

    private static Plot DelayCdf(LabReport report)
    {
        var plot = new Plot();
        foreach (var scheme in report.Schemes)
        {
            var sorted = scheme.DelaySamplesMs.Order().ToArray();
            var fraction = Enumerable.Range(1, sorted.Length).Select(i => (double)i / sorted.Length).ToArray();
            var line = plot.Add.ScatterLine(sorted, fraction);
            line.LegendText = scheme.Scheme;
            line.LineWidth = 2;
        }

        plot.Title($"One-way delay per receiver. {Caption(report)}");
        plot.XLabel("delay (ms)");
        plot.YLabel("fraction of receivers");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot LinkStressBoxes(LabReport report)
    {
        var plot = new Plot();
        var positions = new List<double>();
        var labels = new List<string>();
        for (var i = 0; i < report.Schemes.Length; i++)
        {
            var scheme = report.Schemes[i];
            var values = scheme.LinkStressSamples.Select(v => (double)v).ToArray();
            var summary = Statistics.Of(values);
            plot.Add.Box(new Box
            {
                Position = i,
                BoxMin = Statistics.Quantile(values, 0.25),
                BoxMax = Statistics.Quantile(values, 0.75),
                BoxMiddle = summary.Median,
                WhiskerMin = summary.Min,
                WhiskerMax = summary.Max,
            });

            // Beside the box: the mean with its standard deviation (wide) and its 95 % interval (narrow).
            var x = i + 0.3;
            var sd = plot.Add.ErrorBar([x], [summary.Mean], [summary.StandardDeviation]);
            sd.LineWidth = 1;
            sd.Color = Colors.Black;
            var ci = plot.Add.ErrorBar([x + 0.05], [summary.Mean], [summary.ConfidenceHalfWidth95]);
            ci.LineWidth = 3;
            ci.Color = Colors.Black;
            double[] xs = [x];
            double[] ys = [summary.Mean];
            plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 8, Colors.Black);
            positions.Add(i);
            labels.Add(scheme.Scheme);
        }

        plot.Axes.Bottom.SetTicks([.. positions], [.. labels]);
        plot.Title($"Link stress per used link. {Caption(report)}");
        plot.YLabel("copies of one message on a link");
        plot.XLabel("box: quartiles, median, min to max; beside it: mean ± sd (thin), mean ± 95 % CI (thick)");
        return plot;
    }
}
