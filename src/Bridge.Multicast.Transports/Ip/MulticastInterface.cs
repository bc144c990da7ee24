using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>A local network interface chosen for IP multicast: its name, index, addresses and MTU.</summary>
/// <param name="Name">The interface name, such as <c>eth0</c>.</param>
/// <param name="Index">The kernel's interface index, used for joins and IPv6 sends.</param>
/// <param name="IPv4Address">Its first IPv4 address, or null when it has none.</param>
/// <param name="IPv6Address">Its first IPv6 address (global before link-local), or null.</param>
/// <param name="Mtu">Its MTU in bytes.</param>
public sealed record MulticastInterface(string Name, int Index, IPAddress? IPv4Address, IPAddress? IPv6Address, int Mtu)
{
    /// <summary>Whether the interface can carry this address family.</summary>
    public bool Supports(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => IPv4Address is not null,
        AddressFamily.InterNetworkV6 => IPv6Address is not null && !IsLoopback,
        _ => false,
    };

    /// <summary>Whether this is the loopback interface (which carries no IPv6 multicast on Linux).</summary>
    public bool IsLoopback => IPv4Address is not null && IPAddress.IsLoopback(IPv4Address);

    /// <summary>Whether the interface can carry <paramref name="group"/>: it has multicast for a family the name maps to.</summary>
    public bool CanCarry(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return (group.Addresses.IPv4 is not null && Supports(AddressFamily.InterNetwork))
            || (group.Addresses.IPv6 is not null && Supports(AddressFamily.InterNetworkV6));
    }

    /// <summary>
    /// Finds an interface by name (<c>eth0</c>) or by one of its addresses (<c>10.0.0.2</c>, <c>fd00::2</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No interface has that name or address.</exception>
    public static MulticastInterface Resolve(string nameOrAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrAddress);
        return TryResolve(nameOrAddress, out var found, out var error)
            ? found
            : throw new ArgumentException(error, nameof(nameOrAddress));
    }

    /// <summary>
    /// Finds an interface as <see cref="Resolve"/> does; when none matches, <paramref name="error"/>
    /// says so in words for people, naming the value and the interfaces the host has.
    /// </summary>
    public static bool TryResolve(
        string? nameOrAddress,
        [NotNullWhen(true)] out MulticastInterface? found,
        [NotNullWhen(false)] out string? error)
    {
        found = null;
        var all = NetworkInterface.GetAllNetworkInterfaces();
        var known = string.Join(", ", all.Select(n => n.Name));
        if (string.IsNullOrWhiteSpace(nameOrAddress))
        {
            error = $"'{nameOrAddress}' is not an interface name or address (interfaces: {known})";
            return false;
        }

        var byAddress = IPAddress.TryParse(nameOrAddress, out var wanted);
        var nic = all.FirstOrDefault(n => byAddress
            ? n.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(wanted))
            : n.Name == nameOrAddress);
        if (nic is null)
        {
            error = $"no interface named or addressed '{nameOrAddress}' (interfaces: {known})";
            return false;
        }

        found = From(nic);
        error = null;
        return true;
    }

    /// <summary>The loopback interface.</summary>
    public static MulticastInterface Loopback()
    {
        var loopback = NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback);
        return loopback is null ? Resolve(IPAddress.Loopback.ToString()) : From(loopback);
    }

    private static MulticastInterface From(NetworkInterface nic)
    {
        var properties = nic.GetIPProperties();
        var addresses = properties.UnicastAddresses.Select(u => u.Address).ToList();
        var ipv4 = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        var ipv6 = addresses
            .Where(a => a.AddressFamily == AddressFamily.InterNetworkV6)
            .OrderBy(a => a.IsIPv6LinkLocal ? 1 : 0)
            .FirstOrDefault();
        int index;
        int mtu;
        if (ipv4 is not null)
        {
            var v4 = properties.GetIPv4Properties();
            (index, mtu) = (v4.Index, v4.Mtu);
        }
        else
        {
            var v6 = properties.GetIPv6Properties();
            (index, mtu) = (v6.Index, v6.Mtu);
        }

        return new MulticastInterface(nic.Name, index, ipv4, ipv6, mtu > 0 ? mtu : 1500);
    }
}
