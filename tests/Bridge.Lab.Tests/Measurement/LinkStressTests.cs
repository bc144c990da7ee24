using Bridge.Lab.Measurement;
using Bridge.Lab.Routing;

namespace Bridge.Lab.Tests.Measurement;

public sealed class LinkStressTests
{
    // a - b - c, b - d, and an unused b - e.
    private static (Network Network, NetworkLink Ab, NetworkLink Bc, NetworkLink Bd, NetworkLink Be) Star()
    {
        var builder = new NetworkBuilder();
        var (a, b, c, d, e) = (builder.AddVertex("a"), builder.AddVertex("b"), builder.AddVertex("c"), builder.AddVertex("d"), builder.AddVertex("e"));
        var ms = TimeSpan.FromMilliseconds(1);
        var ab = builder.AddLink(a, b, ms, LinkKind.Access);
        var bc = builder.AddLink(b, c, ms, LinkKind.Backbone);
        var bd = builder.AddLink(b, d, ms, LinkKind.Backbone);
        var be = builder.AddLink(b, e, ms, LinkKind.Backbone);
        return (builder.Build(), ab, bc, bd, be);
    }

    [Fact]
    public void Record_ThreeTransmissions_CountsCopiesPerLinkAndSummarisesUsedLinks()
    {
        var (network, ab, bc, bd, be) = Star();
        var stress = new LinkStress(network);

        stress.Record([ab, bc]);
        stress.Record([ab, bd]);
        stress.Record([ab]);

        Assert.Equal((3, 1, 1, 0), (stress.CopiesOn(ab), stress.CopiesOn(bc), stress.CopiesOn(bd), stress.CopiesOn(be)));
        Assert.Equal(3, stress.LinksUsed);
        Assert.Equal(3, stress.Max);
        Assert.Equal(5, stress.TotalCopies);
        Assert.Equal(3, stress.Transmissions);
        // Copies 3, 1, 1: mean 5/3; s² = (16/9 + 4/9 + 4/9) / 2 = 4/3.
        var summary = stress.Summary();
        Assert.Equal(3, summary.Count);
        Assert.Equal(5.0 / 3, summary.Mean, 12);
        Assert.Equal(Math.Sqrt(4.0 / 3), summary.StandardDeviation, 12);
        Assert.Equal(3, summary.Max);
        Assert.Equal([(ab.Index, 3), (bc.Index, 1), (bd.Index, 1)], stress.Used.Select(u => (u.Link.Index, u.Copies)));
    }

    [Fact]
    public void Record_BothDirectionsOfALink_AddUp()
    {
        var (network, ab, _, _, _) = Star();
        var stress = new LinkStress(network);

        stress.Record(new NetworkPath(0, 1, [ab], ab.Delay));
        stress.Record(new NetworkPath(1, 0, [ab], ab.Delay));

        Assert.Equal(2, stress.CopiesOn(ab));
    }

    [Fact]
    public void Record_LinkOfAnotherNetwork_Throws()
    {
        var (network, _, _, _, _) = Star();
        var (_, foreign, _, _, _) = Star();
        var stress = new LinkStress(network);

        Assert.Throws<ArgumentException>(() => stress.Record([foreign]));
    }

    [Fact]
    public void Summary_NothingRecorded_Throws()
    {
        var stress = new LinkStress(Star().Network);

        Assert.Equal(0, stress.Max);
        Assert.Throws<InvalidOperationException>(stress.Summary);
    }
}
