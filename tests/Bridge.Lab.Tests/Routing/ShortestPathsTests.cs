using Bridge.Lab.Routing;

namespace Bridge.Lab.Tests.Routing;

public sealed class ShortestPathsTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    // a(0) - b(1) - d(3) and a(0) - c(2) - d(3), both 1 + 1 ms; a - d direct, 2 ms when given.
    private static Network Diamond(bool direct, bool reversed)
    {
        var builder = new NetworkBuilder();
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            builder.AddVertex(name);
        }

        var links = new List<(int, int, double)> { (0, 1, 1), (1, 3, 1), (0, 2, 1), (2, 3, 1) };
        if (direct)
        {
            links.Add((0, 3, 2));
        }

        if (reversed)
        {
            links.Reverse();
        }

        foreach (var (a, b, ms) in links)
        {
            builder.AddLink(a, b, Ms(ms), LinkKind.Backbone);
        }

        return builder.Build();
    }

    private static string[] Vertices(Network network, NetworkPath path)
    {
        var names = new List<string> { network.VertexNames[path.From] };
        var at = path.From;
        foreach (var link in path.Links)
        {
            at = link.Other(at);
            names.Add(network.VertexNames[at]);
        }

        return [.. names];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Path_EqualDelayAndHops_TakesTheLowerPredecessorWhateverTheLinkOrder(bool reversed)
    {
        var network = Diamond(direct: false, reversed);

        var path = new ShortestPaths(network).Path(0, 3);

        Assert.Equal(["a", "b", "d"], Vertices(network, path));
        Assert.Equal(Ms(2), path.Delay);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Path_EqualDelay_PrefersFewerHops(bool reversed)
    {
        var network = Diamond(direct: true, reversed);

        var path = new ShortestPaths(network).Path(0, 3);

        Assert.Equal(["a", "d"], Vertices(network, path));
    }

    [Fact]
    public void Path_DetourIsFaster_TakesTheDetour()
    {
        var builder = new NetworkBuilder();
        var (a, b, c) = (builder.AddVertex("a"), builder.AddVertex("b"), builder.AddVertex("c"));
        builder.AddLink(a, c, Ms(10), LinkKind.Backbone);
        builder.AddLink(a, b, Ms(3), LinkKind.Backbone);
        builder.AddLink(b, c, Ms(4), LinkKind.Access);
        var network = builder.Build();

        var paths = new ShortestPaths(network);

        Assert.Equal(["a", "b", "c"], Vertices(network, paths.Path(a, c)));
        Assert.Equal(Ms(7), paths.Delay(a, c));
        Assert.Equal(Ms(7), paths.Delay(c, a));
        Assert.Equal(paths.Path(a, c).Links.Sum(l => l.Delay.Ticks), paths.Path(a, c).Delay.Ticks);
    }

    [Fact]
    public void Path_ToItself_IsEmpty()
    {
        var path = new ShortestPaths(Diamond(false, false)).Path(2, 2);

        Assert.Empty(path.Links);
        Assert.Equal(TimeSpan.Zero, path.Delay);
    }

    [Fact]
    public void Path_UnreachableVertex_Throws()
    {
        var builder = new NetworkBuilder();
        builder.AddVertex("a");
        builder.AddVertex("island");

        var e = Assert.Throws<InvalidOperationException>(() => new ShortestPaths(builder.Build()).Path(0, 1));

        Assert.Contains("island", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddLink_ZeroDelay_Throws()
    {
        var builder = new NetworkBuilder();
        builder.AddVertex("a");
        builder.AddVertex("b");

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddLink(0, 1, TimeSpan.Zero, LinkKind.Backbone));
    }
}
