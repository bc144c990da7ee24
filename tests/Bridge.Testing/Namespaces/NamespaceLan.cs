using System.Globalization;
using System.Net;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// One Ethernet segment of real hosts: a Linux bridge in a network namespace of its own and
/// hosts in namespaces, each joined to the bridge by a veth pair. Host <c>k</c> (from 1) has
/// 10.250.0.<c>k+1</c>/24 and fd00:250::<c>k+1</c>/64 on its interface <see cref="HostInterface"/>.
/// </summary>
/// <remarks>
/// Everything is created inside the LAN's own namespaces (the veth ends are created directly
/// there), so nothing appears in the namespace the tests run in and traffic can reach no other
/// address. Namespaces are named with a prefix unique to the LAN (<c>gc&lt;pid&gt;-&lt;n&gt;-</c>),
/// so LANs of tests running at once do not meet. Creating first deletes what a crashed earlier
/// run left under the same prefix; disposing deletes every namespace under the prefix, also when
/// building failed half way. A test process that exits without disposing, or is stopped with
/// SIGTERM, deletes them too; SIGKILL leaves them for the next run with the same prefix
/// (<see cref="OwnedNamespaces"/>).
/// </remarks>
public sealed class NamespaceLan : IDisposable
{
    /// <summary>The name of every host's interface into the bridge, as seen inside the host.</summary>
    public const string HostInterface = "eth0";

    private const int MaxHosts = 200;

    private readonly List<NamespaceHost> _hosts = [];
    private readonly OwnedNamespaces _namespaces;

    private NamespaceLan(OwnedNamespaces namespaces)
    {
        _namespaces = namespaces;
        BridgeNamespace = Prefix + "br";
    }

    /// <summary>The prefix of every namespace of this LAN.</summary>
    public string Prefix => _namespaces.Prefix;

    /// <summary>The namespace holding the bridge.</summary>
    public string BridgeNamespace { get; }

    /// <summary>The hosts, in the order of their addresses (the first has 10.250.0.2).</summary>
    public IReadOnlyList<NamespaceHost> Hosts => _hosts;

    /// <summary>
    /// Builds a LAN of <paramref name="hostCount"/> hosts and waits until every bridge port
    /// forwards. Throws naming the reason when this is not Linux, not root or <c>ip</c> is missing.
    /// </summary>
    /// <param name="hostCount">How many hosts, 1 to 200.</param>
    /// <param name="prefix">The namespaces' name prefix; a fresh one per LAN when absent.</param>
    public static NamespaceLan Create(int hostCount, string? prefix = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostCount, MaxHosts);
        var lan = new NamespaceLan(OwnedNamespaces.Claim(prefix));
        try
        {
            lan.Build(hostCount);
            lan.WaitUntilForwarding();
            return lan;
        }
        catch (Exception failure)
        {
            try
            {
                lan.Dispose();
            }
            catch (Exception cleanup) when (cleanup is InvalidOperationException or TimeoutException)
            {
                throw new AggregateException($"building LAN {lan.Prefix} failed, and so did removing it", failure, cleanup);
            }

            throw;
        }
    }

    /// <summary>The names of this LAN's namespaces that exist now.</summary>
    public IReadOnlyList<string> ExistingNamespaces() => _namespaces.Existing();

    /// <summary>Deletes every namespace of this LAN; throws naming any that could not be deleted.</summary>
    public void Dispose() => _namespaces.Dispose();

    private void Build(int hostCount)
    {
        EthernetSegment.CreateBridge(_namespaces, BridgeNamespace);
        for (var number = 1; number <= hostCount; number++)
        {
            // The last part is the same digits in both families: host 9 is .10 and ::10.
            _hosts.Add(EthernetSegment.AddHost(
                _namespaces,
                BridgeNamespace,
                string.Create(CultureInfo.InvariantCulture, $"{Prefix}h{number}"),
                HostInterface,
                string.Create(CultureInfo.InvariantCulture, $"p{number}"),
                IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.250.0.{number + 1}")),
                IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"fd00:250::{number + 1}"))));
        }
    }

    private void WaitUntilForwarding() => EthernetSegment.WaitUntilReady($"LAN {Prefix}", () =>
    {
        List<string> missing = [];
        if (EthernetSegment.PortsNotForwarding(BridgeNamespace, _hosts.Count) is { } ports)
        {
            missing.Add(ports);
        }

        missing.AddRange(_hosts.Where(h => !EthernetSegment.IsUp(h.Name, h.Interface)).Select(h => $"{h.Interface} of {h.Name} is not up"));
        return missing;
    });
}
