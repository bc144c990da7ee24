using Bridge.Lab.Placement;
using Bridge.Lab.Reporting;
using Bridge.Lab.Schemes;
using Bridge.Testing;
using Xunit.Abstractions;

namespace Bridge.Lab.Tests.Reporting;

public sealed class ReportingTests(ITestOutputHelper output)
{
    [Fact]
    public void Run_TwoRunsOfDe_PoolsBothRunsPerSchemeAndReportsEachStep()
    {
        var steps = new List<LabProgress>();

        var report = LabRunner.Run(LabSetup.De, 1, 2, progress: new Recorder(steps));

        Assert.Equal([UnicastScheme.Name, HybridScheme.HomeGatewaysName, HybridScheme.ProviderGatewaysName], report.Schemes.Select(s => s.Scheme));
        Assert.All(report.Schemes, s => Assert.Equal(2 * LabSetup.De.Nodes, s.DelaySamplesMs.Length));
        Assert.Equal(6, steps.Count);
        Assert.Equal(Enumerable.Range(1, 6), steps.Select(s => s.Done));
        Assert.All(steps, s => Assert.Equal(6, s.Total));
        var unicast = report.Schemes[0];
        Assert.Equal(LabSetup.De.Nodes, unicast.SenderCopies);
        Assert.Equal(LabSetup.De.Nodes, unicast.LinkStressMax);
        Assert.All(report.Schemes.Skip(1), s => Assert.Equal(1, s.SenderCopies));
        Assert.Equal(PaperFigures.De, report.Paper);
        var single = UnicastScheme.Run(LabNetwork.ForSetup(LabSetup.De, 1)).LinkStress.LinksUsed;
        var second = UnicastScheme.Run(LabNetwork.ForSetup(LabSetup.De, 2)).LinkStress.LinksUsed;
        Assert.Equal((single + second) / 2.0, unicast.LinksUsed);
    }

    [Fact]
    public void Write_DeReport_WritesTwoNonEmptyPngFiles()
    {
        var report = LabRunner.Run(LabSetup.De, 1, 1);
        using var directory = new TempDirectory();

        var files = LabPlots.Write(report, Path.Combine(directory.Path, "plots"));

        Assert.Equal(["de-delay-cdf.png", "de-link-stress.png"], files.Select(Path.GetFileName));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.True(bytes.Length > 1000, $"{file} has {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    [Fact]
    public void Run_SweepOfTwoCounts_HybridSendsOneCopyWhatEverTheCountAndUnicastOnePerDevice()
    {
        var points = SweepRunner.Run([60, 300], 1);

        Assert.Equal(6, points.Length);
        foreach (var count in new[] { 60, 300 })
        {
            var at = points.Where(p => p.Devices == count).ToDictionary(p => p.Scheme);
            Assert.Equal(count, at[UnicastScheme.Name].SenderCopies);
            Assert.Equal(count, at[UnicastScheme.Name].BusiestLinkCopies);
            Assert.Equal(1, at[HybridScheme.ProviderGatewaysName].SenderCopies);
            Assert.Equal(1, at[HybridScheme.HomeGatewaysName].SenderCopies);
            Assert.True(at[HybridScheme.ProviderGatewaysName].BusiestLinkCopies < count);
            Assert.True(at[HybridScheme.HomeGatewaysName].Events > 0);
            Assert.All(at.Values, p => Assert.True(p.BusiestLinkBytes >= 1000L * p.BusiestLinkCopies));

            // Reading every meter: unicast polls each device; HG's head-end gets one partial; PG's
            // hears its own site's homes (every 30th node) and one partial for the rest.
            Assert.Equal(count, at[UnicastScheme.Name].HeadEndMessagesPerRound);
            Assert.Equal(1, at[HybridScheme.HomeGatewaysName].HeadEndMessagesPerRound);
            Assert.Equal(1 + ((count + 29) / 30), at[HybridScheme.ProviderGatewaysName].HeadEndMessagesPerRound);
            Assert.Equal(30, at[HybridScheme.ProviderGatewaysName].DeviceNodes);
            output.WriteLine(string.Join("\n", at.Values));
        }
    }

    private sealed class Recorder(List<LabProgress> steps) : IProgress<LabProgress>
    {
        public void Report(LabProgress value) => steps.Add(value);
    }
}
