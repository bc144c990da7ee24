using Bridge.Lab.Schemes;

namespace Bridge.Lab.Tests.Schemes;

public sealed class HybridSchemeTests(HybridRuns runs) : IClassFixture<HybridRuns>
{
    public static TheoryData<string, int, HybridDeployment> Cases
    {
        get
        {
            var data = new TheoryData<string, int, HybridDeployment>();
            foreach (var setup in new[] { "DE", "EU" })
            {
                foreach (var seed in new[] { 1, 2 })
                {
                    data.Add(setup, seed, HybridDeployment.HomeGateways);
                    data.Add(setup, seed, HybridDeployment.ProviderGateways);
                }
            }

            return data;
        }
    }

    public static TheoryData<string, int> SetupsAndSeeds => new() { { "DE", 1 }, { "DE", 2 }, { "EU", 1 }, { "EU", 2 } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_PaperSetup_EveryReceiverGetsEveryPayloadOnceAlongTheSameTrees(string setup, int seed, HybridDeployment deployment)
    {
        var lab = runs.Lab(setup, seed);

        var run = runs.Run(setup, seed, deployment);

        // The run throws when a group node misses a message or gets it twice, so each result
        // holding a delay for every node is every payload received once.
        Assert.Equal(HybridOptions.Default.Messages, run.Messages.Length);
        Assert.All(run.Messages, m => Assert.Equal(lab.NodeVertices.Length, m.ReceiverDelays.Length));
        Assert.All(run.Messages, m => Assert.Equal(HybridScheme.NameOf(deployment), m.Scheme));
        foreach (var message in run.Messages.Skip(1))
        {
            Assert.Equal(run.Result.ReceiverDelays.ToArray(), message.ReceiverDelays.ToArray());
            Assert.Equal(run.Result.LinkStress.Used.ToArray(), message.LinkStress.Used.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_PaperSetup_NoLinkUnicastUsesCarriesMoreCopiesAndTheSourceSendsOne(string setup, int seed, HybridDeployment deployment)
    {
        var lab = runs.Lab(setup, seed);
        var unicast = UnicastScheme.Run(lab);

        var hybrid = runs.Run(setup, seed, deployment).Result;

        foreach (var (link, copies) in unicast.LinkStress.Used)
        {
            Assert.True(hybrid.LinkStress.CopiesOn(link) <= copies, $"{lab.Network.Describe(link)}: {hybrid.LinkStress.CopiesOn(link)} copies against unicast's {copies}");
        }

        Assert.Equal(1, hybrid.SenderCopies);
        Assert.Equal(1, hybrid.LinkStress.CopiesOn(lab.AccessLinkOf(lab.SourceVertex)));
        Assert.All(lab.NodeVertices, v => Assert.Equal(1, hybrid.LinkStress.CopiesOn(lab.AccessLinkOf(v))));
        Assert.True(hybrid.LinkStress.TotalCopies < unicast.LinkStress.TotalCopies);
        Assert.True(hybrid.LinkStress.Max < unicast.LinkStress.Max);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_PaperSetup_NoReceiverIsEarlierThanByUnicastAndTheAddedDelayIsBelowThePapers(string setup, int seed, HybridDeployment deployment)
    {
        var lab = runs.Lab(setup, seed);
        var unicast = UnicastScheme.Run(lab);

        var hybrid = runs.Run(setup, seed, deployment).Result;

        // Unicast takes the shortest path; an overlay path is never shorter.
        for (var node = 0; node < lab.NodeVertices.Length; node++)
        {
            Assert.True(hybrid.ReceiverDelays[node] >= unicast.ReceiverDelays[node], $"node {node}: {hybrid.ReceiverDelays[node]} against unicast's {unicast.ReceiverDelays[node]}");
        }

        // The paper: hybrid adds about 10 ms (DE) and 40 ms (EU) over unicast.
        var added = hybrid.DelayMs().Mean - unicast.DelayMs().Mean;
        Assert.InRange(added, 0, setup == "DE" ? 10 : 40);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_PaperSetup_MeanStressNearOneWithASmallSpread(string setup, int seed, HybridDeployment deployment)
    {
        var unicast = UnicastScheme.Run(runs.Lab(setup, seed)).LinkStress.Summary();

        var hybrid = runs.Run(setup, seed, deployment).Result.LinkStress.Summary();

        // The paper: about 1.3 with a standard deviation near 1, against unicast's 3 and 5 to 7.
        Assert.InRange(hybrid.Mean, 1.0, 1.5);
        Assert.InRange(hybrid.StandardDeviation, 0, 1.0);
        Assert.True(hybrid.Mean < unicast.Mean);
        Assert.True(hybrid.StandardDeviation < unicast.StandardDeviation);
    }

    [Theory]
    [MemberData(nameof(SetupsAndSeeds))]
    public void Run_HomeAgainstProviderGateways_SameCopiesAndHomesAddOnlyTheirLeavesProcessing(string setup, int seed)
    {
        var lab = runs.Lab(setup, seed);

        var home = runs.Run(setup, seed, HybridDeployment.HomeGateways).Result;
        var provider = runs.Run(setup, seed, HybridDeployment.ProviderGateways).Result;

        // Both deliver over the same transit trees and put one copy on each home's access link.
        Assert.Equal(provider.LinkStress.Used.ToArray(), home.LinkStress.Used.ToArray());

        // HG adds the source's leaf and the receiver's leaf; at the source's own site PG's homes
        // hear the source natively, where HG goes leaf, site gateway, leaf.
        var processing = HybridOptions.Default.Processing;
        for (var node = 0; node < lab.NodeVertices.Length; node++)
        {
            var extra = lab.Placement.Nodes[node].Site == 0 ? 3 * processing : 2 * processing;
            Assert.Equal(provider.ReceiverDelays[node] + extra, home.ReceiverDelays[node]);
        }
    }

    [Theory]
    [InlineData("DE", HybridDeployment.HomeGateways)]
    [InlineData("EU", HybridDeployment.ProviderGateways)]
    public void Run_SameSeedAgain_SameDelaysAndCopies(string setup, HybridDeployment deployment)
    {
        const int Seed = 3;
        var lab = runs.Lab(setup, Seed);

        var first = HybridScheme.Run(lab, deployment, Seed);
        var again = HybridScheme.Run(lab, deployment, Seed);

        Assert.Equal(first.Result.ReceiverDelays.ToArray(), again.Result.ReceiverDelays.ToArray());
        Assert.Equal(first.Result.LinkStress.Used.ToArray(), again.Result.LinkStress.Used.ToArray());
        Assert.Equal((first.SettleTime, first.Events), (again.SettleTime, again.Events));
    }

    [Fact]
    public void Run_FewerMessagesAndNoProcessing_DelaysArePathSumsOnly()
    {
        var lab = runs.Lab("DE", 1);
        var options = HybridOptions.Default with { Messages = 1, Processing = TimeSpan.Zero };

        var run = HybridScheme.Run(lab, HybridDeployment.ProviderGateways, 1, options);

        // With no processing, a node at the source's site hears the source natively over two access links.
        var local = lab.Placement.Nodes.Where(n => n.Site == 0).Select(n => n.Index).ToArray();
        Assert.NotEmpty(local);
        Assert.All(local, n => Assert.Equal(2 * lab.Delays.AccessDelay, run.Result.ReceiverDelays[n]));
        Assert.Single(run.Messages);
    }

    [Fact]
    public void Run_NoMessages_IsRefused()
    {
        var lab = runs.Lab("DE", 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => HybridScheme.Run(lab, HybridDeployment.HomeGateways, 1, HybridOptions.Default with { Messages = 0 }));
    }
}
