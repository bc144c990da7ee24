namespace Bridge.Multicast.Naming;

/// <summary>The namespaces of <see cref="GroupName"/>, always in lower case.</summary>
public static class GroupNamespace
{
    /// <summary>IP multicast groups named by their address; maps literally.</summary>
    public const string Ip = "ip";

    /// <summary>Groups named like SIP users, e.g. <c>ham:sip:news@cnn.com</c>; maps by hash.</summary>
    public const string Sip = "sip";

    /// <summary>Names without structure; maps by hash.</summary>
    public const string Opaque = "opaque";

    /// <summary>
    /// GridCast's smart-grid names: dot-separated labels from the general to the particular, e.g.
    /// <c>ham:sg:ami.tariff.rtp</c>, case-insensitive; maps by hash.
    /// </summary>
    public const string SmartGrid = "sg";

    /// <summary>Every namespace a name may have.</summary>
    public static IReadOnlyList<string> All { get; } = [Ip, Sip, Opaque, SmartGrid];

    /// <summary>The namespace written as <paramref name="text"/> in any case, or null.</summary>
    public static string? Find(ReadOnlySpan<char> text)
    {
        foreach (var known in All)
        {
            if (text.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }
}
