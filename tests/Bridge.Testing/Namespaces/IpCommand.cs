using System.Diagnostics;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// Runs iproute2's <c>ip</c>, after checking what it needs: Linux, root and the command itself.
/// A missing precondition is a test failure with the reason (<see cref="MissingPrerequisiteException"/>),
/// never a skip, so CI cannot pass without having run the namespace tests.
/// </summary>
public static class IpCommand
{
    private const string Purpose = "the network namespace tests (namespaces, veth pairs, bridges)";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly Lazy<string> ResolvedPath = new(Find);
    private static readonly Lazy<string> SysctlPath = new(() => Prerequisites.Command("sysctl", "procps", Purpose));

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
        // Read on this thread, not with pool-thread continuations: test bodies call this
        // synchronously, and a blocked pool thread waiting for another pool thread starves the
        // pool. ip's standard error is a line or two, far below a pipe's buffer, so reading
        // standard output to its end first cannot deadlock.
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(Patience))
        {
            process.Kill();
            throw new TimeoutException($"'ip {string.Join(' ', arguments)}' did not finish within {Patience.TotalSeconds} s");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var error = stderr.Trim();
            throw (Exception?)MissingKernelFeature(arguments, error) ?? new InvalidOperationException(
                $"'ip {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {error}");
        }

        return stdout;
    }

    /// <summary>
    /// Sets sysctls inside namespace <paramref name="name"/> (<c>key=value</c> each). Keys the
    /// kernel does not have are left alone when <paramref name="onlyIfPresent"/>: kernels differ
    /// in what they are built with, and a setting for a feature that is absent is moot.
    /// </summary>
    public static void Sysctl(string name, bool onlyIfPresent, params string[] settings)
        => Run(["netns", "exec", name, SysctlPath.Value, onlyIfPresent ? "-qew" : "-qw", .. settings]);

    /// <summary>Reads a sysctl inside namespace <paramref name="name"/>; null when the kernel has no such key.</summary>
    public static string? ReadSysctl(string name, string key)
    {
        var value = Run("netns", "exec", name, SysctlPath.Value, "-n", "-e", key).Trim();
        return value.Length == 0 ? null : value;
    }

    /// <summary>
    /// The kernel lacks the bridge or veth driver (built without it, or the module is not loaded
    /// and cannot be): the error of <c>ip link add ... type T</c> is "Unknown device type".
    /// </summary>
    private static MissingPrerequisiteException? MissingKernelFeature(string[] arguments, string error)
    {
        if (!error.Contains("Unknown device type", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var type = arguments.SkipWhile(a => a != "type").Skip(1).FirstOrDefault() ?? "?";
        return new MissingPrerequisiteException(
            $"{Purpose}: the kernel's '{type}' device is missing ('ip link add ... type {type}': {error}): "
            + $"load it with 'modprobe {type}' (Debian package kmod), or use a kernel built with it");
    }

    private static string Find()
    {
        Prerequisites.LinuxRoot(Purpose);
        return Prerequisites.Command("ip", "iproute2", Purpose);
    }
}
