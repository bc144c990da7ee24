using System.Text.RegularExpressions;
using Bridge.Testing;

namespace Bridge.Multicast.Tests.Aggregation;

/// <summary>
/// The aggregation logic takes time as a parameter and does no I/O, like the other protocol
/// folders (Architecture/SansIoTests, which does not list Aggregation yet).
/// </summary>
public sealed partial class AggregationSansIoTests
{
    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Combine("src", "Bridge.Multicast", "Aggregation"), "*.cs", SearchOption.AllDirectories))
        {
            data.Add(Path.GetRelativePath(RepositoryPaths.Root, file));
        }

        return data;
    }

    [Fact]
    public void Sources_AreFound()
    {
        Assert.True(Sources().Count >= 10, $"only {Sources().Count} aggregation source files found");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Source_UsesNoSocketClockOrRandomness(string relativePath)
    {
        var code = Comments().Replace(File.ReadAllText(Path.Combine(RepositoryPaths.Root, relativePath)), string.Empty);

        var found = Banned().Matches(code).Select(m => m.Value).Distinct().ToList();

        Assert.True(found.Count == 0, $"{relativePath} uses {string.Join(", ", found)}");
    }

    [GeneratedRegex(@"\b(Socket\b|UdpClient|TcpClient|DateTime\.(Now|UtcNow)|DateTimeOffset\.(Now|UtcNow)|TimeProvider\.System|Stopwatch|Environment\.TickCount|Task\.Delay|Task\.Run|Thread\.Sleep|Random\.Shared|new Random\b|RandomNumberGenerator|File\.|Console\.)")]
    private static partial Regex Banned();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();
}
