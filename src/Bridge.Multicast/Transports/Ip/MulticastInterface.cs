using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>A local network interface chosen for multicast: its name, index and IPv4 address.</summary>
public sealed record MulticastInterface(string Name, int Index, IPAddress IPv4Address)
{
    /// <summary>The name under which the loopback interface is usually found.</summary>
    public const string LoopbackName = "lo";

    /// <summary>
    /// Finds an interface by name (<c>eth0</c>) or by one of its IPv4 addresses (<c>10.0.0.2</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No interface has that name or address, or it has no IPv4 address.</exception>
    public static MulticastInterface Resolve(string nameOrAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrAddress);
        var all = NetworkInterface.GetAllNetworkInterfaces();
        var byAddress = IPAddress.TryParse(nameOrAddress, out var wanted);
        foreach (var nic in all)
        {
            var properties = nic.GetIPProperties();
            var ipv4 = properties.UnicastAddresses
                .Select(u => u.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            var matches = byAddress
                ? properties.UnicastAddresses.Any(u => u.Address.Equals(wanted))
                : nic.Name == nameOrAddress;
            if (!matches)
            {
                continue;
            }

            if (ipv4 is null)
            {
                throw new ArgumentException($"interface '{nic.Name}' has no IPv4 address", nameof(nameOrAddress));
            }

            return new MulticastInterface(nic.Name, properties.GetIPv4Properties().Index, ipv4);
        }

        var known = string.Join(", ", all.Select(n => n.Name));
        throw new ArgumentException($"no interface named or addressed '{nameOrAddress}' (interfaces: {known})", nameof(nameOrAddress));
    }

    /// <summary>The loopback interface.</summary>
    public static MulticastInterface Loopback()
    {
        var loopback = NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback);
        return loopback is null ? Resolve(IPAddress.Loopback.ToString()) : Resolve(loopback.Name);
    }
}
