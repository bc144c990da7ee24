using Bridge.Host.Certificates;
using Bridge.Testing;

namespace Bridge.Host.Tests.Configuration;

/// <summary>
/// A temporary directory for configuration files, with a development CA in <c>certs/</c> and node
/// certificates made on demand, as <c>gridcast certs</c> would lay them out.
/// </summary>
public sealed class ConfigurationFiles : IDisposable
{
    private readonly TempDirectory _directory = new("gridcast-config-");
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _authority;

    public ConfigurationFiles()
    {
        _authority = DevelopmentCertificates.CreateAuthority("Config Test CA", 30, DateTimeOffset.UtcNow);
        WriteCertificates(Directory, _authority, "ca");
    }

    /// <summary>The directory configuration files go in; certificates are in its <c>certs</c> folder.</summary>
    public string Directory => _directory.Path;

    /// <summary>Makes <c>certs/NAME.crt</c> and <c>certs/NAME.key</c> below <paramref name="directory"/> (this one when null).</summary>
    public void AddNode(string name, string? directory = null)
    {
        directory ??= Directory;
        if (directory != Directory && !File.Exists(Path.Combine(directory, "certs", "ca.crt")))
        {
            WriteCertificates(directory, _authority, "ca");
        }

        using var node = DevelopmentCertificates.CreateNode(_authority, name, [], [], 30, DateTimeOffset.UtcNow);
        WriteCertificates(directory, node, name);
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the directory; returns its path.</summary>
    public string Write(string name, string text) => _directory.Write(name, text);

    public void Dispose()
    {
        _authority.Dispose();
        _directory.Dispose();
    }

    private static void WriteCertificates(string directory, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string name)
    {
        var (certificatePath, keyPath) = PemFiles.PathsFor(Path.Combine(directory, "certs"), name);
        PemFiles.Write(certificate, certificatePath, keyPath, overwrite: true);
    }
}
