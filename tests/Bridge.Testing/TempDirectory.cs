namespace Bridge.Testing;

/// <summary>A fresh directory under the system's temporary directory, deleted with everything in it on dispose.</summary>
/// <param name="prefix">The start of the directory's name, to tell whose it is.</param>
public sealed class TempDirectory(string prefix = "gridcast-") : IDisposable
{
    /// <summary>The directory's absolute path.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The path of <paramref name="parts"/> below the directory.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the directory; returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
