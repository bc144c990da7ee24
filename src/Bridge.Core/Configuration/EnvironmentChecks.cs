namespace Bridge.Core.Configuration;

/// <summary>
/// The last step of loading: what the file's values say about the machine, checked once the file
/// was bound and validated. Files must exist and hold what the file says they hold (a certificate
/// whose CN is the node's id, the key of that certificate). Each section checks its own; this
/// holds what they share. Unlike validation, these read the file system.
/// </summary>
public static class EnvironmentChecks
{
    /// <summary>Whether <paramref name="fullPath"/> names a file; if not, adds <c>file '…' does not exist</c> at <paramref name="path"/>.</summary>
    public static bool FileExists(string? fullPath, string path, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (fullPath is null)
        {
            return false;
        }

        if (File.Exists(fullPath))
        {
            return true;
        }

        errors.Add(path, $"file '{fullPath}' does not exist");
        return false;
    }
}
