using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// The network namespaces a test network (<see cref="NamespaceLan"/>, <see cref="RoutedDomains"/>)
/// owns: every namespace whose name starts with its <see cref="Prefix"/>. They are deleted
/// together, on disposal and when the test process ends.
/// </summary>
/// <remarks>
/// Prefixes are unique per network (<c>gc&lt;pid&gt;-&lt;n&gt;-</c>, one counter for every kind of
/// network), so networks of tests running at once do not meet. Claiming a prefix first deletes
/// what a crashed earlier run left under it; disposing deletes every namespace under it, also
/// when building failed half way. A test process that exits without disposing, or is stopped
/// with SIGTERM, deletes them too; SIGKILL leaves them for the next run with the same prefix.
/// </remarks>
internal sealed partial class OwnedNamespaces : IDisposable
{
    /// <summary>
    /// Settings every owned namespace starts with, whatever the machine's defaults are: IPv6 on
    /// for the interfaces created in it (a machine whose namespaces inherit
    /// <c>disable_ipv6 = 1</c> would refuse the hosts' IPv6 addresses), and bridged frames kept
    /// away from netfilter where <c>br_netfilter</c> is loaded, so that only the bridges and the
    /// hosts' memberships decide what crosses a segment. Keys a kernel lacks are skipped.
    /// </summary>
    private static readonly string[] NamespaceDefaults =
    [
        "net.ipv6.conf.all.disable_ipv6=0",
        "net.ipv6.conf.default.disable_ipv6=0",
        "net.bridge.bridge-nf-call-iptables=0",
        "net.bridge.bridge-nf-call-ip6tables=0",
        "net.bridge.bridge-nf-call-arptables=0",
    ];

    private static int _lastPrefix;

    private readonly EventHandler _onProcessExit;
    private readonly Lock _gate = new();
    private PosixSignalRegistration? _onTerminate;
    private bool _deleting;

    private OwnedNamespaces(string prefix)
    {
        Prefix = prefix;
        _onProcessExit = (_, _) => DeleteAtExit();
    }

    /// <summary>The prefix of every owned namespace.</summary>
    public string Prefix { get; }

    /// <summary>
    /// Takes <paramref name="prefix"/> (a fresh one when absent): deletes what is left under it and
    /// arranges deletion at process end. Throws naming the reason when this is not Linux, not root
    /// or <c>ip</c> is missing.
    /// </summary>
    public static OwnedNamespaces Claim(string? prefix)
    {
        prefix ??= string.Create(CultureInfo.InvariantCulture, $"gc{Environment.ProcessId}-{Interlocked.Increment(ref _lastPrefix)}-");
        if (!PrefixPattern().IsMatch(prefix))
        {
            // An empty or odd prefix would make disposal delete namespaces that are not ours.
            throw new ArgumentException($"'{prefix}' is not a namespace prefix of 2 to 40 letters, digits, '-' and '_' starting with a letter", nameof(prefix));
        }

        _ = IpCommand.Path; // Fails here, with the reason, when namespaces cannot be made at all.
        Prerequisites.KernelIPv6("the network namespace tests (every host has an IPv6 address)");
        var owned = new OwnedNamespaces(prefix);
        owned.DeleteAll();
        owned.DeleteWhenTheProcessEnds();
        return owned;
    }

    /// <summary>
    /// Creates the namespace <paramref name="name"/>, which starts with <see cref="Prefix"/>. Throws
    /// once deletion has begun: SIGTERM runs deletion on another thread while a network may still
    /// be being built, and a namespace added after it would be left behind.
    /// </summary>
    public void Add(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' does not start with the prefix {Prefix}, so it would not be deleted", nameof(name));
        }

        lock (_gate)
        {
            if (_deleting)
            {
                throw new InvalidOperationException($"namespace {name} was not created: the namespaces of {Prefix} are being deleted");
            }

            IpCommand.Run("netns", "add", name);
            IpCommand.Sysctl(name, onlyIfPresent: true, NamespaceDefaults);
        }
    }

    /// <summary>The names of the owned namespaces that exist now.</summary>
    public IReadOnlyList<string> Existing()
        => [.. IpCommand.Run("netns", "list")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0]) // "name (id: 3)" once the namespace has an id
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))];

    /// <summary>Deletes every owned namespace; throws naming any that could not be deleted.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        _onTerminate?.Dispose();
        lock (_gate)
        {
            _deleting = true;
            DeleteAll();
        }
    }

    /// <summary>
    /// The test host raises no ProcessExit when stopped with SIGTERM, so that is handled as well
    /// (without cancelling it: the process still ends). SIGINT is not: the test host ignores it
    /// and goes on running tests, which need their namespaces.
    /// </summary>
    private void DeleteWhenTheProcessEnds()
    {
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => DeleteAtExit());
    }

    private void DeleteAll()
    {
        var failures = new List<string>();
        foreach (var name in Existing())
        {
            try
            {
                EndProcessesIn(name);
                IpCommand.Run("netns", "delete", name);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                failures.Add(e.Message);
            }
        }

        var left = Existing();
        if (left.Count > 0)
        {
            throw new InvalidOperationException(
                $"namespaces {string.Join(", ", left)} are left after deleting them: {string.Join("; ", failures)}");
        }
    }

    /// <summary>
    /// A process still inside would keep the namespace, its veths and its sockets alive after the
    /// name is deleted. Only processes the tests started can be in an owned namespace.
    /// </summary>
    private static void EndProcessesIn(string name)
    {
        var ids = IpCommand.Run("netns", "pids", name)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(id => int.Parse(id, CultureInfo.InvariantCulture));
        foreach (var id in ids)
        {
            try
            {
                using var process = Process.GetProcessById(id);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // It ended meanwhile.
            }
        }
    }

    private void DeleteAtExit()
    {
        try
        {
            lock (_gate)
            {
                _deleting = true;
                DeleteAll();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Nothing can report it as the process ends; the next run with this prefix removes them.
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{1,39}$")]
    private static partial Regex PrefixPattern();
}
