using System.Globalization;
using System.Runtime.InteropServices;

namespace Bridge.Testing;

/// <summary>
/// What the tests need from the machine (commands, root, kernel features), checked before set-up
/// uses it. A missing prerequisite fails the test with one line that names it and how to get it
/// (<see cref="MissingPrerequisiteException"/>), never with a stack trace from deep in set-up and
/// never as a skip: CI must not pass without having run every test.
/// </summary>
/// <remarks>
/// <c>scripts/test.sh</c> installs the Debian packages named here when their commands are
/// missing; these checks are for runs that bypass it (<c>dotnet test</c> on its own) and for
/// machines that differ in what their kernel has.
/// </remarks>
public static class Prerequisites
{
    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>
    /// The full path of <paramref name="command"/>, looked up on PATH and then in the system
    /// directories (root's tools live in /usr/sbin, which a test runner's PATH may lack).
    /// </summary>
    /// <param name="command">The command's file name, e.g. <c>ip</c>.</param>
    /// <param name="debianPackage">The Debian package that provides it.</param>
    /// <param name="purpose">What needs it, the start of the message: "the MQTT tests (a real broker)".</param>
    public static string Command(string command, string debianPackage, string purpose)
        => TryFindCommand(command)
            ?? throw new MissingPrerequisiteException(
                $"{purpose}: the '{command}' command is missing (neither on PATH nor in /usr/sbin, /usr/bin, /sbin or /bin): "
                + $"install it with 'apt-get install -y {debianPackage}' (scripts/test.sh does)");

    /// <summary>The full path of <paramref name="command"/> on PATH or in the system directories, or null.</summary>
    public static string? TryFindCommand(string command)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(command) ? command : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(SystemDirectories)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(IsExecutable);
    }

    /// <summary>
    /// Debian's Python 3 (<c>/usr/bin/python3</c>) when there is one, not a version manager's shim
    /// that depends on the environment; else the first on PATH. The tests use it for small
    /// standard-library peers (a TCP echo, a raw multicast witness) inside namespaces.
    /// </summary>
    public static string Python3(string purpose)
        => TryFindCommand("/usr/bin/python3") ?? Command("python3", "python3-minimal", purpose);

    /// <summary>Fails unless this is Linux and the process runs as root.</summary>
    /// <param name="purpose">What needs it, the start of the message.</param>
    public static void LinuxRoot(string purpose)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new MissingPrerequisiteException($"{purpose}: Linux is needed; this is {RuntimeInformation.OSDescription}");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new MissingPrerequisiteException(
                $"{purpose}: root is needed (running as '{Environment.UserName}'): run the tests as root, as scripts/test.sh and CI do");
        }
    }

    /// <summary>Fails unless the kernel has IPv6 (it can be compiled out or disabled with <c>ipv6.disable=1</c>).</summary>
    public static void KernelIPv6(string purpose)
    {
        if (!Directory.Exists("/proc/sys/net/ipv6"))
        {
            throw new MissingPrerequisiteException(
                $"{purpose}: IPv6 is needed, and this kernel has none (no /proc/sys/net/ipv6): boot it without 'ipv6.disable=1'");
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to process <paramref name="processId"/> alone (not its
    /// children) with the C library's <c>kill</c>, so no <c>kill</c> command is needed. Returns
    /// false when the process no longer exists.
    /// </summary>
    public static bool Signal(int processId, PosixSignalNumber signal)
    {
        if (Kill(processId, (int)signal) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        const int NoSuchProcess = 3; // ESRCH
        return error == NoSuchProcess
            ? false
            : throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"kill({processId}, {signal}) failed with errno {error}"));
    }

    private static bool IsExecutable(string path)
        => File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>Linux signal numbers the tests send (signal(7)).</summary>
public enum PosixSignalNumber
{
    /// <summary>A graceful stop.</summary>
    Term = 15,

    /// <summary>A crash: no clean-up at all.</summary>
    Kill = 9,

    /// <summary>Stop (freeze) the process.</summary>
    Stop = 19,

    /// <summary>Continue a stopped process.</summary>
    Continue = 18,
}

/// <summary>
/// The machine lacks something a test needs. Its message is the whole story (what is missing and
/// how to get it), so it carries no stack trace: test runners print the message alone.
/// </summary>
public sealed class MissingPrerequisiteException : Exception
{
    /// <summary>A prerequisite named by <paramref name="message"/> is missing.</summary>
    public MissingPrerequisiteException(string message)
        : base(message)
    {
    }

    /// <summary>Not used: a missing prerequisite always has a message.</summary>
    public MissingPrerequisiteException()
    {
    }

    /// <summary>A prerequisite is missing, found by a failure of <paramref name="innerException"/>.</summary>
    public MissingPrerequisiteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc/>
    public override string? StackTrace => null;
}
