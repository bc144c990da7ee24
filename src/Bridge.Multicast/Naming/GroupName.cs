using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Bridge.Multicast.Naming;

/// <summary>
/// A multicast group named by an RFC 7046 URI (section 4, "Naming scheme"):
/// <c>ham:namespace:group[:port]</c>, for example <c>ham:ip:239.192.0.7:5000</c>.
/// </summary>
/// <remarks>
/// This first version understands the <c>ip</c> namespace with an IPv4 group address, which maps
/// literally to that address. The canonical form is what frames carry on the wire, so two names
/// are the same group exactly when their canonical forms are equal.
/// </remarks>
public sealed record GroupName
{
    /// <summary>The URI scheme of RFC 7046.</summary>
    public const string Scheme = "ham";

    /// <summary>Port used when a name gives none.</summary>
    public const int DefaultPort = 5000;

    private GroupName(string @namespace, string group, int? port, IPAddress address)
    {
        Namespace = @namespace;
        Group = group;
        Port = port;
        Addresses = new GroupAddresses(new IPEndPoint(address, port ?? DefaultPort), null, null);
        Canonical = port is null
            ? $"{Scheme}:{@namespace}:{group}"
            : string.Create(CultureInfo.InvariantCulture, $"{Scheme}:{@namespace}:{group}:{port}");
    }

    /// <summary>The namespace part, such as <c>ip</c>.</summary>
    public string Namespace { get; }

    /// <summary>The group part, such as <c>239.192.0.7</c>.</summary>
    public string Group { get; }

    /// <summary>The port written in the name, or null when it gives none.</summary>
    public int? Port { get; }

    /// <summary>The instantiation part (after '@'), or null when absent.</summary>
    public string? Instantiation { get; }

    /// <summary>The security credentials part (after '/'), or null when absent.</summary>
    public string? SecCredentials { get; }

    /// <summary>The technology addresses this name maps to.</summary>
    public GroupAddresses Addresses { get; }

    /// <summary>The normalised URI.</summary>
    public string Canonical { get; }

    /// <summary>
    /// The name as frames carry it: the canonical form without its security credentials, which
    /// authorise a member and must not travel in every datagram.
    /// </summary>
    public string WireName => Canonical;

    /// <summary>Parses a group name, throwing <see cref="FormatException"/> that names the bad part.</summary>
    public static GroupName Parse(string text)
    {
        return TryParse(text, out var name, out var error) ? name : throw new FormatException(error);
    }

    /// <summary>Parses a group name; on failure <paramref name="error"/> names the offending part.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out GroupName? name,
        [NotNullWhen(false)] out string? error)
    {
        name = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "group name is empty";
            return false;
        }

        var parts = text.Split(':');
        if (parts.Length < 3 || !parts[0].Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = $"group name '{text}' is not of the form ham:namespace:group[:port]";
            return false;
        }

        var ns = parts[1].ToLowerInvariant();
        if (ns != "ip")
        {
            error = $"namespace '{parts[1]}' in '{text}' is not supported (this version knows 'ip')";
            return false;
        }

        if (parts.Length > 4)
        {
            error = $"group name '{text}' has more parts than ham:ip:address[:port]";
            return false;
        }

        var group = parts[2];
        if (!TryParseDottedDecimal(group, out var address))
        {
            error = $"group '{group}' in '{text}' is not an IPv4 address in dotted decimal (a.b.c.d, no leading zeros)";
            return false;
        }

        if (!IsIPv4Multicast(address))
        {
            error = $"group '{group}' in '{text}' is not an IPv4 multicast address (224.0.0.0/4)";
            return false;
        }

        int? port = null;
        if (parts.Length == 4)
        {
            if (!int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = $"port '{parts[3]}' in '{text}' is not a number from 1 to 65535";
                return false;
            }

            port = p;
        }

        name = new GroupName(ns, address.ToString(), port, address);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Canonical;

    /// <inheritdoc/>
    public bool Equals(GroupName? other) => other is not null && other.Canonical == Canonical;

    /// <inheritdoc/>
    public override int GetHashCode() => Canonical.GetHashCode(StringComparison.Ordinal);

    /// <summary>
    /// The IPv4address rule of RFC 3986 §3.2.2: four decimal octets without leading zeros. Unlike
    /// <see cref="IPAddress.TryParse(string, out IPAddress)"/>, it never reads "010" as octal or
    /// "0xEF" as hexadecimal, so a configured group cannot silently become another.
    /// </summary>
    private static bool TryParseDottedDecimal(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        var octets = text.Split('.');
        if (octets.Length != 4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            var octet = octets[i];
            if (octet.Length is 0 or > 3 || (octet.Length > 1 && octet[0] == '0') || !octet.All(char.IsAsciiDigit))
            {
                return false;
            }

            var value = int.Parse(octet, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            bytes[i] = (byte)value;
        }

        address = new IPAddress(bytes);
        return true;
    }

    private static bool IsIPv4Multicast(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return bytes[0] is >= 224 and <= 239;
    }
}
