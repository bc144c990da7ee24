using System.Globalization;
using Bridge.Lab.Reporting;
using Spectre.Console;

namespace Bridge.Host.Lab;

/// <summary>The lab's results as tables for people, with the paper's figures beside ours.</summary>
internal static class LabTables
{
    public static void Report(LabReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("scheme", "delay ms", "p50", "p95", "stress", "sd", "max", "links", "sent", "head-end");
        foreach (var s in report.Schemes)
        {
            table.AddRow(s.Scheme, F(s.DelayMeanMs, "F2") + " ± " + F(s.DelayCi95Ms, "F2"), F(s.DelayMedianMs, "F2"), F(s.DelayP95Ms, "F2"), F(s.LinkStressMean, "F2"), F(s.LinkStressSd, "F2"), F(s.LinkStressMax, "F0"), F(s.LinksUsed, "F1"), F(s.SenderCopies, "F0"), F(s.HeadEndMessagesPerRound, "F0"));
        }

        AnsiConsole.Write(table);
        var unicast = report.Schemes.First(s => s.Scheme == "unicast");
        var added = report.Schemes.Where(s => s.Scheme != "unicast").Select(s => $"{s.Scheme} +{F(s.DelayMeanMs - unicast.DelayMeanMs, "F2")} ms");
        var paper = report.Paper;
        AnsiConsole.MarkupLine(string.Create(
            CultureInfo.InvariantCulture,
            $"added delay over unicast: {string.Join(", ", added).EscapeMarkup()} (paper: about {paper.HybridAddedDelayMs} ms)"));
        AnsiConsole.MarkupLine(string.Create(
            CultureInfo.InvariantCulture,
            $"paper: unicast link stress about {paper.UnicastLinkStressMean} (sd {paper.UnicastLinkStressSd}, max = group size {report.Nodes}); hybrid about {paper.HybridLinkStressMean} (sd {paper.HybridLinkStressSd})"));
        AnsiConsole.MarkupLine("delay: mean ± 95 % confidence half-width over every receiver of every run; stress: copies per used link (mean, sd, max); links: used per run; sent: copies the source sent; head-end: messages reaching the head-end when it reads every meter once (unicast: polling, one reply per device; hybrid: one aggregated round through the gateways)");
    }

    public static void Sweep(IReadOnlyList<SweepPoint> points)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("devices", "scheme", "sent", "busiest", "bytes", "p50 ms", "p99 ms", "stress", "head-end", "gateways", "events", "run s", "MiB");
        foreach (var p in points)
        {
            table.AddRow(F(p.Devices, "N0"), p.Scheme, F(p.SenderCopies, "N0"), F(p.BusiestLinkCopies, "N0"), F(p.BusiestLinkBytes, "N0"), F(p.DelayP50Ms, "F2"), F(p.DelayP99Ms, "F2"), F(p.LinkStressMean, "F2"), F(p.HeadEndMessagesPerRound, "N0"), F(p.Gateways, "N0"), F(p.Events, "N0"), F(p.RunSeconds, "F2"), F(p.PeakWorkingSetMiB, "F0"));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("sent: copies the source sent; busiest: copies on the busiest link, bytes: those copies' Data frames; stress: mean copies per used link; head-end: messages reaching the head-end per meter reading of every device (unicast polls); run s: wall clock; MiB: peak working set so far");
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
