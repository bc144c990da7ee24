namespace Bridge.Multicast.Security.Keys;

/// <summary>What a key ring protects: one group (by its wire name) or one domain's control plane.</summary>
public enum KeyScopeKind
{
    /// <summary>A group's messages; the name is the group's wire name, such as <c>ham:sg:dr.events</c>.</summary>
    Group,

    /// <summary>A domain's (or the overlay's) control traffic; the name is the domain's name.</summary>
    Domain,
}

/// <summary>A key ring's scope: a group by wire name, or a domain by name.</summary>
public readonly record struct KeyScope(KeyScopeKind Kind, string Name)
{
    /// <summary>The scope of the group with wire name <paramref name="wireName"/>.</summary>
    public static KeyScope Group(string wireName) => new(KeyScopeKind.Group, wireName);

    /// <summary>The scope of the domain (or overlay) called <paramref name="name"/>.</summary>
    public static KeyScope Domain(string name) => new(KeyScopeKind.Domain, name);

    /// <inheritdoc/>
    public override string ToString() => Kind == KeyScopeKind.Group ? $"group {Name}" : $"domain {Name}";
}
