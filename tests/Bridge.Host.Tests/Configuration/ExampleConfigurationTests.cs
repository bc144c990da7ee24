using Bridge.Host.Configuration;
using Bridge.Testing;

namespace Bridge.Host.Tests.Configuration;

/// <summary>Every node configuration under docs/examples is valid, once its certificates exist.</summary>
public sealed class ExampleConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public static TheoryData<string> ExampleFiles() => new(ExamplePaths());

    public void Dispose() => _files.Dispose();

    // Paths relative to docs/examples of every configuration file there.
    private static List<string> ExamplePaths()
    {
        var root = RepositoryPaths.Combine("docs", "examples");
        return [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(p => NodeConfigurationLoader.FormatOf(p) is not null)
            .Select(p => Path.GetRelativePath(root, p))
            .Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void Examples_BothDeployments_HaveANodeFileEach()
    {
        var files = ExamplePaths();

        Assert.Equal(5, files.Count(f => f.StartsWith("hybrid-pg", StringComparison.Ordinal)));
        Assert.Equal(4, files.Count(f => f.StartsWith("hybrid-hg", StringComparison.Ordinal)));
        Assert.True(File.Exists(RepositoryPaths.Combine("docs", "examples", "hybrid-pg", "README.md")));
        Assert.True(File.Exists(RepositoryPaths.Combine("docs", "examples", "hybrid-hg", "README.md")));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Load_ExampleWithItsCertificates_HasNoErrors(string example)
    {
        // The examples name certs/NODE.crt beside them; make those (for every node of the
        // deployment, since peers' certificates are not read) in a copy of the example's folder.
        var source = Path.GetDirectoryName(RepositoryPaths.Combine("docs", "examples", example))!;
        var copy = Path.Combine(_files.Directory, Path.GetFileName(source));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            _files.AddNode(Path.GetFileNameWithoutExtension(file), copy);
        }

        var (configuration, errors) = NodeConfigurationLoader.Load(Path.Combine(copy, Path.GetFileName(example)));

        Assert.Empty(errors);
        Assert.NotNull(configuration);
        Assert.Equal(Path.GetFileNameWithoutExtension(example), configuration.Node.Id);
    }

    [Fact]
    public void Load_ExampleWithoutCertificates_NamesEachMissingFile()
    {
        var copy = Path.Combine(_files.Directory, "alone", "home-42.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(RepositoryPaths.Combine("docs", "examples", "hybrid-hg", "home-42.yaml"), copy);

        var (configuration, errors) = NodeConfigurationLoader.Load(copy);

        Assert.Null(configuration);
        Assert.Equal(
            ["gateway.tls.certificate", "gateway.tls.key", "gateway.tls.authority"],
            errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.EndsWith("' does not exist", e.Message, StringComparison.Ordinal));
    }
}
