using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Bridge.Multicast.Naming;

/// <summary>
/// A multicast group named by an RFC 7046 multicast URI:
/// <c>ham:namespace:group[@instantiation][:port][/sec-credentials]</c>, for example
/// <c>ham:sg:ami.tariff.rtp</c>, <c>ham:ip:239.192.0.7:5000</c> or
/// <c>ham:ip:[ff3e::8000:1]@[2001:db8::7]:5000</c>. docs/naming.md has the grammar and the mapping.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Parse"/> also takes HAMcast's older <c>namespace://group@instantiation:port/...</c>
/// form and normalises every name: scheme and namespace in lower case, an <c>ip</c> group or
/// source in plain dotted decimal or RFC 5952 IPv6 text, an <c>sg</c> name in lower case, the port
/// without leading zeros. Two names are the same group exactly when their <see cref="Canonical"/>
/// forms are equal.
/// </para>
/// <para>
/// The <see cref="Addresses"/> come from <see cref="GroupAddressMapping"/>: literal for the
/// <c>ip</c> namespace, hashed into organisation-local scopes for the others.
/// </para>
/// </remarks>
public sealed record GroupName
{
    /// <summary>The URI scheme of RFC 7046 (hybrid adaptive multicast).</summary>
    public const string Scheme = "ham";

    /// <summary>Port used when a name gives none.</summary>
    public const int DefaultPort = 5000;

    internal GroupName(string @namespace, string group, string? instantiation, int? port, string? secCredentials, GroupAddresses addresses)
    {
        Namespace = @namespace;
        Group = group;
        Instantiation = instantiation;
        Port = port;
        SecCredentials = secCredentials;
        Addresses = addresses;
        var name = instantiation is null ? $"{Scheme}:{@namespace}:{group}" : $"{Scheme}:{@namespace}:{group}@{instantiation}";
        WireName = port is null ? name : string.Create(CultureInfo.InvariantCulture, $"{name}:{port}");
        Canonical = secCredentials is null ? WireName : $"{WireName}/{secCredentials}";
    }

    /// <summary>The namespace part, one of <see cref="GroupNamespace.All"/>, such as <c>ip</c> or <c>sg</c>.</summary>
    public string Namespace { get; }

    /// <summary>
    /// The group part in canonical form, such as <c>239.192.0.7</c>, <c>ami.tariff.rtp</c> or
    /// <c>[ff15::1]</c> (an IPv6 address keeps its brackets, as the URI's IP-literal does).
    /// </summary>
    public string Group { get; }

    /// <summary>The port written in the name, or null when it gives none (then <see cref="DefaultPort"/> applies).</summary>
    public int? Port { get; }

    /// <summary>
    /// The instantiation part (after '@'), or null when absent. In the <c>ip</c> namespace it is
    /// the source address of a source-specific group (see <see cref="GroupAddresses.Source"/>).
    /// </summary>
    public string? Instantiation { get; }

    /// <summary>
    /// The security credentials part (after '/'), <c>alg;value</c>, or null when absent. They
    /// authorise a member; they are not part of the group's identity on the wire.
    /// </summary>
    public string? SecCredentials { get; }

    /// <summary>The technology addresses this name maps to.</summary>
    public GroupAddresses Addresses { get; }

    /// <summary>Whether <see cref="Addresses"/> were derived by hash (every namespace but <c>ip</c>).</summary>
    public bool IsHashMapped => Namespace != GroupNamespace.Ip;

    /// <summary>The normalised URI, credentials included.</summary>
    public string Canonical { get; }

    /// <summary>
    /// The name as frames carry it: the canonical form without its security credentials, which
    /// authorise a member and must not travel in every datagram. Names that share an address are
    /// told apart by it.
    /// </summary>
    public string WireName { get; }

    /// <summary>Parses a group name, throwing <see cref="FormatException"/> that names the bad part.</summary>
    public static GroupName Parse(string text)
    {
        return TryParse(text, out var name, out var error) ? name : throw new FormatException(error);
    }

    /// <summary>Parses a group name; on failure <paramref name="error"/> names the offending part.</summary>
    /// <remarks>Errors never repeat the value of the credentials: a name is shown with them as <c>/***</c>.</remarks>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out GroupName? name,
        [NotNullWhen(false)] out string? error)
        => GroupNameParser.TryParse(text, out name, out error);

    /// <summary>The <see cref="WireName"/>: safe for logs, as it holds no credentials.</summary>
    public override string ToString() => WireName;

    /// <inheritdoc/>
    public bool Equals(GroupName? other) => other is not null && other.Canonical == Canonical;

    /// <inheritdoc/>
    public override int GetHashCode() => Canonical.GetHashCode(StringComparison.Ordinal);
}
