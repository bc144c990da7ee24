using Bridge.Lab.Underlays;

namespace Bridge.Lab.Tests.Underlays;

public sealed class UnderlayLoaderTests
{
    private const string ThreeNodes = """
        {"name": "tri", "nodes": [
          {"id": "a", "name": "A", "lat": 50.0, "lon": 10.0},
          {"id": "b", "name": "B", "lat": 51.0, "lon": 10.0},
          {"id": "c", "name": "C", "lat": 50.0, "lon": 11.0}],
         "links": [
          {"source": "a", "target": "b", "km": 120.5},
          {"source": "b", "target": "c"}]}
        """;

    [Theory]
    [InlineData(UnderlayLoader.Dfn, 51, 80)]
    [InlineData(UnderlayLoader.Geant2012, 37, 58)]
    public void LoadEmbedded_ShippedTopology_HasTheCountsOfItsReadme(string name, int nodes, int links)
    {
        var underlay = UnderlayLoader.LoadEmbedded(name);

        Assert.Equal(name, underlay.Name);
        Assert.Equal(nodes, underlay.Nodes.Length);
        Assert.Equal(links, underlay.Links.Length);
        Assert.All(underlay.Links, l => Assert.Equal(LengthSource.Data, l.LengthSource));
    }

    [Theory]
    [InlineData(UnderlayLoader.Dfn)]
    [InlineData(UnderlayLoader.Geant2012)]
    public void LoadEmbedded_ShippedTopology_KmAgreesWithGreatCircleOfTheCoordinates(string name)
    {
        var underlay = UnderlayLoader.LoadEmbedded(name);

        // The files' km were computed from unrounded coordinates; the files give two decimals of
        // a degree, so a short link may differ by about a kilometre.
        Assert.All(underlay.Links, l =>
        {
            var (a, b) = (underlay.Nodes[l.Source], underlay.Nodes[l.Target]);
            var km = GreatCircle.DistanceKm(a.Latitude, a.Longitude, b.Latitude, b.Longitude);
            Assert.True(Math.Abs(km - l.Km) <= Math.Max(1.0, 0.03 * l.Km), $"{a.Name}-{b.Name}: file {l.Km} km, great circle {km:F2} km");
        });
    }

    [Fact]
    public void LoadEmbedded_Dfn_KeepsZeroLengthLinksBetweenColocatedPops()
    {
        var underlay = UnderlayLoader.LoadEmbedded(UnderlayLoader.Dfn);

        var zero = underlay.Links.Where(l => l.Km == 0).Select(l => $"{underlay.Nodes[l.Source].Name}-{underlay.Nodes[l.Target].Name}").ToArray();

        Assert.Equal(["ADH-ZIB", "ADH-HUB", "DES-HAM", "TUB-ZIB", "TUB-HUB"], zero);
    }

    [Fact]
    public void LoadEmbedded_UnknownName_ThrowsNamingTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => UnderlayLoader.LoadEmbedded("arpanet"));

        Assert.Contains("dfn", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LinkWithoutKm_UsesGreatCircleAndSaysSo()
    {
        var underlay = UnderlayLoader.Parse(ThreeNodes);

        var given = underlay.Links[0];
        var computed = underlay.Links[1];
        Assert.Equal((120.5, LengthSource.Data), (given.Km, given.LengthSource));
        Assert.Equal(LengthSource.GreatCircle, computed.LengthSource);
        Assert.Equal(GreatCircle.DistanceKm(51.0, 10.0, 50.0, 11.0), computed.Km, 9);
    }

    [Fact]
    public void Parse_ValidFile_IndexesNodesAndLinks()
    {
        var underlay = UnderlayLoader.Parse(ThreeNodes);

        Assert.Equal("tri", underlay.Name);
        Assert.Equal(1, underlay.Node("b").Index);
        Assert.Equal(2, underlay.Degree(underlay.Node("b").Index));
        Assert.Equal(1, underlay.Degree(underlay.Node("c").Index));
        Assert.Throws<KeyNotFoundException>(() => underlay.Node("z"));
    }

    [Theory]
    [InlineData("""{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"b","lat":2,"lon":2}], "links": [{"source":"a","target":"x","km":5}]}""", "link #0 (a - x): unknown endpoint 'x'")]
    [InlineData("""{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"a","lat":2,"lon":2}], "links": []}""", "node #1: duplicate id 'a'")]
    [InlineData("""{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"b","lat":2,"lon":2},{"id":"c","lat":3,"lon":3}], "links": [{"source":"a","target":"b","km":5}]}""", "the graph is disconnected: 1 node(s) cannot be reached from 'a': 'c'")]
    [InlineData("""{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"b","lat":2,"lon":2}], "links": [{"source":"a","target":"a","km":5}]}""", "link #0 (a - a): both ends are the same node")]
    [InlineData("""{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"b","lat":2,"lon":2}], "links": [{"source":"a","target":"b","km":5},{"source":"b","target":"a","km":6}]}""", "link #1 (b - a): duplicates link #0")]
    [InlineData("""{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"b","lat":2,"lon":2}], "links": [{"source":"a","target":"b","km":-5}]}""", "link #0 (a - b): km must not be negative, is -5")]
    [InlineData("""{"nodes": [{"id":"a","lat":1},{"id":"b","lat":2,"lon":2}], "links": [{"source":"a","target":"b","km":5}]}""", "node 'a' has no valid lat/lon (lat 1, lon missing)")]
    [InlineData("""{"nodes": [{"name":"nameless","lat":1,"lon":1}], "links": []}""", "node #0 has no id")]
    [InlineData("""{"nodes": [], "links": []}""", "it has no nodes")]
    public void Parse_InvalidFile_ThrowsNamingTheFault(string json, string expected)
    {
        var e = Assert.Throws<UnderlayException>(() => UnderlayLoader.Parse(json, "bad"));

        Assert.Contains(expected, e.Errors);
        Assert.Contains("'bad'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralFaults_ReportsAllOfThem()
    {
        const string json = """{"nodes": [{"id":"a","lat":1,"lon":1},{"id":"a","lat":2,"lon":2},{"id":"b","lat":3,"lon":3}], "links": [{"source":"a","target":"q","km":1},{"source":"r","target":"b","km":1}]}""";

        var e = Assert.Throws<UnderlayException>(() => UnderlayLoader.Parse(json));

        Assert.Equal(3, e.Errors.Count);
    }

    [Fact]
    public void Parse_NotJson_ThrowsUnderlayException()
    {
        var e = Assert.Throws<UnderlayException>(() => UnderlayLoader.Parse("{nodes: ", "broken"));

        Assert.Contains("broken", e.Message, StringComparison.Ordinal);
    }
}
