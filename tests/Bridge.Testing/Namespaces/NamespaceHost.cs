using System.Net;
using System.Net.Sockets;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// One host of a <see cref="NamespaceLan"/> or of a domain of <see cref="RoutedDomains"/>: a
/// network namespace with loopback and one veth (<see cref="Interface"/>) into the bridge,
/// carrying an IPv4 and an IPv6 address.
/// </summary>
public sealed class NamespaceHost
{
    internal NamespaceHost(string name, string @interface, IPAddress ipv4, IPAddress ipv6)
    {
        Name = name;
        Interface = @interface;
        IPv4 = ipv4;
        IPv6 = ipv6;
    }

    /// <summary>The namespace's name, as <c>ip netns</c> knows it.</summary>
    public string Name { get; }

    /// <summary>The name of the host's interface into the bridge, as seen inside the host.</summary>
    public string Interface { get; }

    /// <summary>The host's IPv4 address (in 10.250.0.0/24 on a <see cref="NamespaceLan"/>).</summary>
    public IPAddress IPv4 { get; }

    /// <summary>The host's unique local IPv6 address (in fd00:250::/64 on a <see cref="NamespaceLan"/>).</summary>
    public IPAddress IPv6 { get; }

    /// <summary>The host's address of <paramref name="family"/>.</summary>
    public IPAddress Address(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => IPv4,
        AddressFamily.InterNetworkV6 => IPv6,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "hosts have IPv4 and IPv6 addresses only"),
    };

    /// <summary>Starts <paramref name="fileName"/> inside the host (<c>ip netns exec</c>).</summary>
    public ExternalProcess Start(string fileName, params IEnumerable<string> arguments)
        => ExternalProcess.Start(IpCommand.Path, ["netns", "exec", Name, fileName, .. arguments]);

    /// <summary>Starts <c>gridcast ARGS</c> inside the host.</summary>
    public ExternalProcess StartGridcast(params string[] arguments)
        => Start("dotnet", [GridcastCli.AssemblyPath, .. arguments]);

    /// <summary>Runs <c>gridcast ARGS</c> inside the host to its end; returns the exit code and the process for its output.</summary>
    public async Task<(int ExitCode, ExternalProcess Process)> RunGridcastAsync(TimeSpan timeout, params string[] arguments)
    {
        var process = StartGridcast(arguments);
        try
        {
            return (await process.WaitForExitAsync(timeout), process);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Interface}: {IPv4}, {IPv6})";
}
