using System.Globalization;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Overlay.Election;

/// <summary>
/// <see cref="DesignationRule"/>: the same answer from any order of candidates, priority first,
/// minimal disruption when a gateway leaves or arrives, an even spread, and weights pinned so that
/// a change to the rule (which would split a mixed-version domain) cannot pass unnoticed.
/// </summary>
public sealed class DesignationRuleTests
{
    private static readonly GroupName[] Groups =
        Enumerable.Range(0, 1000).Select(i => GroupName.Parse(Invariant($"ham:sg:grid.feeder{i}"))).ToArray();

    [Fact]
    public void Weight_KnownInputs_MatchThePinnedValues()
    {
        // fmix64(FNV-1a-64("ham:sg:grid.a" 0xFF "gw-a")): must never change, or gateways of two versions disagree.
        Assert.Equal(PinnedA, DesignationRule.Weight(GroupName.Parse("ham:sg:grid.a"), new GatewayId("gw-a")));
        Assert.Equal(PinnedB, DesignationRule.Weight(GroupName.Parse("ham:ip:239.192.0.7:5000"), new GatewayId("gateway-2.example")));
    }

    [Fact]
    public void Weight_CredentialsOfAGroup_DoNotChangeIt()
    {
        var id = new GatewayId("gw-a");

        Assert.Equal(
            DesignationRule.Weight(GroupName.Parse("ham:sg:grid.a"), id),
            DesignationRule.Weight(GroupName.Parse("ham:sg:grid.a/hmac;c2VjcmV0"), id));
    }

    [Property(Arbitrary = [typeof(CandidateGenerators)], MaxTest = 300)]
    public void Choose_AnyOrderOfCandidates_PicksTheSameGateway(CandidateSet set, int rotation)
    {
        var candidates = set.Candidates;
        var rotated = candidates.Skip(Math.Abs(rotation % candidates.Count)).Concat(candidates.Take(Math.Abs(rotation % candidates.Count))).Reverse();

        Assert.Equal(DesignationRule.Choose(set.Group, candidates), DesignationRule.Choose(set.Group, rotated));
    }

    [Property(Arbitrary = [typeof(CandidateGenerators)], MaxTest = 300)]
    public void Choose_Winner_HasTheHighestPriorityAndBeatsEveryOther(CandidateSet set)
    {
        var winner = DesignationRule.Choose(set.Group, set.Candidates)!.Value;
        var seed = DesignationRule.GroupSeed(set.Group);
        var chosen = set.Candidates.First(c => c.Id == winner);

        Assert.Equal(set.Candidates.Max(c => c.Priority), chosen.Priority);
        Assert.All(set.Candidates.Where(c => c.Id != winner), c => Assert.True(DesignationRule.Beats(seed, chosen, c)));
        Assert.All(set.Candidates.Where(c => c.Id != winner), c => Assert.False(DesignationRule.Beats(seed, c, chosen)));
    }

    [Property(Arbitrary = [typeof(CandidateGenerators)], MaxTest = 300)]
    public void Choose_NonWinnerLeavesOrArrives_WinnerStays(CandidateSet set, int pick)
    {
        var winner = DesignationRule.Choose(set.Group, set.Candidates);
        var others = set.Candidates.Where(c => c.Id != winner).ToList();
        if (others.Count == 0)
        {
            return;
        }

        var leaving = others[Math.Abs(pick % others.Count)];

        Assert.Equal(winner, DesignationRule.Choose(set.Group, set.Candidates.Where(c => c != leaving)));
    }

    [Fact]
    public void Choose_NoCandidate_IsNull()
    {
        Assert.Null(DesignationRule.Choose(Groups[0], []));
    }

    [Fact]
    public void Choose_HigherPriority_WinsEveryGroup()
    {
        var candidates = Ids(5).Select((id, i) => new DesignationCandidate(id, i == 3 ? (byte)200 : (byte)100)).ToList();

        Assert.All(Groups, g => Assert.Equal(new GatewayId("gw-3"), DesignationRule.Choose(g, candidates)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void Choose_EqualPriorities_SpreadsGroupsEvenly(int gateways)
    {
        var candidates = Ids(gateways).Select(id => new DesignationCandidate(id, 100)).ToList();

        var shares = Groups.GroupBy(g => DesignationRule.Choose(g, candidates)).ToDictionary(s => s.Key!.Value, s => s.Count());

        var fair = Groups.Length / (double)gateways;
        var sigma = Math.Sqrt(Groups.Length * (1.0 / gateways) * (1 - (1.0 / gateways)));
        Assert.Equal(gateways, shares.Count);
        Assert.All(shares.Values, share => Assert.InRange(share, fair - (4 * sigma), fair + (4 * sigma)));
    }

    [Fact]
    public void Choose_OneOfFiveLeaves_OnlyItsGroupsMoveAndTheySpreadOverTheRest()
    {
        var all = Ids(5).Select(id => new DesignationCandidate(id, 100)).ToList();
        var rest = all.Where(c => c.Id.Value != "gw-2").ToList();

        var moved = Groups.Where(g => DesignationRule.Choose(g, all) != DesignationRule.Choose(g, rest)).ToList();

        Assert.All(moved, g => Assert.Equal(new GatewayId("gw-2"), DesignationRule.Choose(g, all)));
        Assert.Equal(Groups.Count(g => DesignationRule.Choose(g, all) == new GatewayId("gw-2")), moved.Count);
        Assert.Equal(4, moved.Select(g => DesignationRule.Choose(g, rest)).Distinct().Count());
    }

    // Computed outside .NET, by a separate few-line implementation of the formula in the
    // DesignationRule remarks, so these check the code against the documented rule.
    private const ulong PinnedA = 0xBC15DF1051879358;
    private const ulong PinnedB = 0xA3A38CED76527774;

    private static List<GatewayId> Ids(int count) => Enumerable.Range(0, count).Select(i => new GatewayId(Invariant($"gw-{i}"))).ToList();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A group and one to eight candidates with distinct ids and priorities from a small range, so ties in priority are common.</summary>
    public sealed record CandidateSet(GroupName Group, IReadOnlyList<DesignationCandidate> Candidates)
    {
        public override string ToString() => $"{Group}: {string.Join(", ", Candidates)}";
    }

    public static class CandidateGenerators
    {
        public static Arbitrary<CandidateSet> Sets() => Arb.From(
            from picked in Gen.Choose(0, Groups.Length - 1).Select(i => Groups[i])
            from count in Gen.Choose(1, 8)
            from ids in Gen.Choose(0, 50).ArrayOf(count).Select(a => a.Distinct().ToArray())
            from priorities in Gen.Choose(99, 101).ArrayOf(ids.Length)
            select new CandidateSet(
                picked,
                ids.Select((id, i) => new DesignationCandidate(new GatewayId(Invariant($"gateway-{id}")), (byte)priorities[i])).ToList()));
    }
}
