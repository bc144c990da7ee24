namespace Bridge.Testing;

/// <summary>Paths of the repository the tests were built from.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The directory holding GridCast.slnx.</summary>
    public static string Root => RootPath.Value;

    /// <summary>A path below the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GridCast.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no GridCast.slnx above {AppContext.BaseDirectory}");
    }
}
