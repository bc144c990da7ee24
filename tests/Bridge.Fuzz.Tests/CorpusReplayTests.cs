namespace Bridge.Fuzz.Tests;

/// <summary>
/// Every seed, every corpus input the fuzzers kept and every input of a fixed finding, through the real parsers, with the same
/// checks afl-fuzz ran (FuzzHarness.RunBounded): each input parses or is rejected with the
/// parser's named reason, no exception escapes, and the allocation stays in its linear bound.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly string FuzzFolder = Path.Combine(AppContext.BaseDirectory, "fuzz");

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "seeds", "corpus", "regressions" })
        {
            var folder = Path.Combine(FuzzFolder, kind);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(folder, file);
                data.Add(relative.Split(Path.DirectorySeparatorChar)[0], Path.Combine(kind, relative));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void RunBounded_CorpusInput_ParsesOrRejectsWithinBounds(string target, string input)
    {
        var fuzzTarget = FuzzTargets.Find(target);
        Assert.NotNull(fuzzTarget);
        var bytes = File.ReadAllBytes(Path.Combine(FuzzFolder, input));

        var exception = Record.Exception(() => FuzzHarness.RunBounded(fuzzTarget, bytes));

        Assert.Null(exception);
    }

    [Fact]
    public void Seeds_EveryTarget_HasSeedsAndNoFolderNamesAnUnknownTarget()
    {
        var folders = Directory.EnumerateDirectories(Path.Combine(FuzzFolder, "seeds")).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(StringComparer.Ordinal), folders);
    }
}
