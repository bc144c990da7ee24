using System.Net;

namespace Bridge.Testing.Namespaces;

/// <summary>A host's loopback interface as a multicast domain of its own.</summary>
public static class NamespaceLoopback
{
    /// <summary>
    /// The same namespace as <paramref name="host"/>, seen through its loopback interface: what
    /// <c>gridcast</c> sends or joins there stays inside the namespace and crosses no link, so a
    /// home gateway and its home's receivers can share a domain that no segment carries.
    /// </summary>
    public static NamespaceHost OnLoopback(this NamespaceHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new NamespaceHost(host.Name, "lo", IPAddress.Loopback, IPAddress.IPv6Loopback);
    }
}
