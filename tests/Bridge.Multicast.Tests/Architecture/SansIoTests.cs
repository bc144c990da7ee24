using System.Text.RegularExpressions;
using Bridge.Testing;

namespace Bridge.Multicast.Tests.Architecture;

/// <summary>
/// The protocol logic of Bridge.Multicast stays free of I/O, clocks and randomness (DESIGN.md §4,
/// STYLE.md), so the same code runs under the simulator's virtual time and the real drivers. The
/// drivers (Transports/, MulticastSocket) live beside it in the same assembly, which is why this
/// is checked on the sources of the protocol folders rather than by an assembly-wide analyzer.
/// </summary>
public sealed partial class SansIoTests
{
    private static readonly string[] ProtocolFolders = ["Wire", "Naming", "Fragmentation", "Endpoint", "Overlay"];

    public static TheoryData<string> ProtocolSources()
    {
        var data = new TheoryData<string>();
        foreach (var folder in ProtocolFolders)
        {
            foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Combine("src", "Bridge.Multicast", folder), "*.cs", SearchOption.AllDirectories))
            {
                data.Add(Path.GetRelativePath(RepositoryPaths.Root, file));
            }
        }

        return data;
    }

    [Fact]
    public void ProtocolSources_AreFound()
    {
        Assert.True(ProtocolSources().Count >= 20, $"only {ProtocolSources().Count} protocol source files found");
    }

    [Theory]
    [MemberData(nameof(ProtocolSources))]
    public void ProtocolSource_UsesNoSocketClockOrRandomness(string relativePath)
    {
        var code = StripComments(File.ReadAllText(Path.Combine(RepositoryPaths.Root, relativePath)));

        var found = Banned().Matches(code).Select(m => m.Value).Distinct().ToList();

        Assert.True(found.Count == 0, $"{relativePath} uses {string.Join(", ", found)}; protocol logic takes time as a parameter and leaves I/O to drivers");
    }

    [GeneratedRegex(@"\b(Socket\b|UdpClient|TcpClient|DateTime\.(Now|UtcNow)|DateTimeOffset\.(Now|UtcNow)|TimeProvider\.System|Stopwatch|Environment\.TickCount|Task\.Delay|Task\.Run|Thread\.Sleep|Random\.Shared|new Random\b|RandomNumberGenerator|File\.|Console\.)")]
    private static partial Regex Banned();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    private static string StripComments(string code) => Comments().Replace(code, string.Empty);
}
