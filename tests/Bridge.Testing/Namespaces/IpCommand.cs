using System.Diagnostics;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// Runs iproute2's <c>ip</c>, after checking what it needs: Linux, root and the command itself.
/// A missing precondition is a test failure with the reason, never a skip, so CI cannot pass
/// without having run the namespace tests.
/// </summary>
public static class IpCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly Lazy<string> ResolvedPath = new(Find);

    /// <summary>The full path of <c>ip</c>; throws naming what is missing when it cannot be used.</summary>
    public static string Path => ResolvedPath.Value;

    /// <summary>Runs <c>ip ARGS</c> to its end and returns its standard output; throws with its standard error when it fails.</summary>
    public static string Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)
            ?? throw new InvalidOperationException($"could not start {Path}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            process.Kill();
            throw new TimeoutException($"'ip {string.Join(' ', arguments)}' did not finish within {Patience.TotalSeconds} s");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'ip {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return stdout.Result;
    }

    private static string Find()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("network namespace tests need Linux (ip netns, veth pairs and a bridge)");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                $"network namespace tests must run as root: they create namespaces, veth pairs and a bridge (running as '{Environment.UserName}')");
        }

        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        return directories.Select(d => System.IO.Path.Combine(d, "ip")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "network namespace tests need the 'ip' command (Debian package iproute2); it is neither in PATH nor in /usr/sbin or /sbin");
    }
}
