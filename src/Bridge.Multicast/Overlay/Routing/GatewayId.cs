namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// The stable identity of a gateway in the overlay link-state: its configured node name (the
/// name its certificate is issued to), never an address that could change.
/// </summary>
/// <remarks>
/// Ids are ordered by ordinal comparison of their text. That order is the tie-break of
/// <see cref="ShortestPathTrees"/>, so it must be culture-free and the same on every gateway.
/// </remarks>
public readonly record struct GatewayId : IComparable<GatewayId>
{
    private readonly string? _value;

    /// <summary>A gateway id; <paramref name="value"/> must be non-empty.</summary>
    public GatewayId(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        _value = value;
    }

    /// <summary>The id text; empty only for <c>default(GatewayId)</c>, which names no gateway.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Whether this is <c>default(GatewayId)</c> rather than a real id.</summary>
    public bool IsDefault => _value is null;

    /// <summary>Ordinal order of the id text: the tie-break order of the trees.</summary>
    public int CompareTo(GatewayId other) => string.CompareOrdinal(Value, other.Value);

    public bool Equals(GatewayId other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Value;

    public static bool operator <(GatewayId left, GatewayId right) => left.CompareTo(right) < 0;

    public static bool operator <=(GatewayId left, GatewayId right) => left.CompareTo(right) <= 0;

    public static bool operator >(GatewayId left, GatewayId right) => left.CompareTo(right) > 0;

    public static bool operator >=(GatewayId left, GatewayId right) => left.CompareTo(right) >= 0;

    internal static GatewayId ThrowIfDefault(GatewayId id, string paramName) =>
        id.IsDefault ? throw new ArgumentException("default(GatewayId) names no gateway.", paramName) : id;
}
