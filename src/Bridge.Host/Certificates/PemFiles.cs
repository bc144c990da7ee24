using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Host.Certificates;

/// <summary>
/// Writes and reads a certificate (<c>NAME.crt</c>) and its private key (<c>NAME.key</c>) as PEM
/// files. Keys are PKCS#8 and unencrypted, so their file is created with mode 0600 (owner read
/// and write) from the start rather than narrowed after the fact.
/// </summary>
public static class PemFiles
{
    private const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The certificate and key paths for <paramref name="name"/> in <paramref name="directory"/>.</summary>
    public static (string Certificate, string Key) PathsFor(string directory, string name)
        => (Path.Combine(directory, name + ".crt"), Path.Combine(directory, name + ".key"));

    /// <summary>
    /// Writes <paramref name="certificate"/> and its ECDSA private key. Without
    /// <paramref name="overwrite"/> nothing is written if either file exists, and the
    /// <see cref="IOException"/> names it. The directory is created when missing.
    /// </summary>
    public static void Write(X509Certificate2 certificate, string certificatePath, string keyPath, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"{certificate.Subject} has no ECDSA private key", nameof(certificate));
        if (!overwrite)
        {
            foreach (var path in new[] { certificatePath, keyPath })
            {
                if (File.Exists(path))
                {
                    throw new IOException($"{path} already exists; use --force to overwrite it");
                }
            }
        }

        foreach (var path in new[] { certificatePath, keyPath })
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The runtime's words may name a file ("Could not find file '/proc/x'") where a directory was wanted.
                throw new IOException($"cannot create directory {directory}: {e.Message}", e);
            }
        }

        // Delete first so a replaced key file is created anew with mode 0600, whatever the old mode was.
        WriteNew(keyPath, key.ExportPkcs8PrivateKeyPem(), KeyMode, overwrite);
        WriteNew(certificatePath, certificate.ExportCertificatePem(), KeyMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead, overwrite);
    }

    /// <summary>
    /// Reads a certificate and its private key, e.g. a CA that is to sign node certificates.
    /// Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file
    /// (a key that belongs to another certificate included).
    /// </summary>
    public static X509Certificate2 ReadWithKey(string certificatePath, string keyPath)
    {
        foreach (var (path, what) in new[] { (certificatePath, "certificate"), (keyPath, "private key") })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{what} file {path} does not exist", path);
            }
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{certificatePath} with key {keyPath}: not a PEM certificate and matching private key ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            // CopyWithPrivateKey's complaint, worded for programmers: the key is another certificate's.
            throw new InvalidDataException($"{keyPath}: not the private key of the certificate in {certificatePath}", e);
        }
    }

    private static void WriteNew(string path, string text, UnixFileMode mode, bool overwrite)
    {
        Guarded(path, () =>
        {
            if (overwrite)
            {
                File.Delete(path);
            }

            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using var writer = new StreamWriter(path, options);
            writer.Write(text);
            writer.Write('\n');
        });
    }

    // Access denied and the like become IOExceptions that name the path, however the runtime worded them.
    private static void Guarded(string path, Action write)
    {
        try
        {
            write();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"cannot write {path}: {e.Message}", e);
        }
        catch (IOException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new IOException($"cannot write {path}: {e.Message}", e);
        }
    }
}
