namespace Bridge.Multicast.Security.Keys;

/// <summary>The key rings a node holds, by scope: what one or several key files hold together.</summary>
public sealed class KeyStore
{
    private readonly Dictionary<KeyScope, KeyRing> _rings;

    /// <summary>An empty store.</summary>
    public static KeyStore Empty { get; } = new([]);

    /// <summary>A store of <paramref name="rings"/>; throws when a scope appears twice.</summary>
    public KeyStore(IEnumerable<KeyRing> rings)
    {
        ArgumentNullException.ThrowIfNull(rings);
        _rings = [];
        foreach (var ring in rings)
        {
            if (!_rings.TryAdd(ring.Scope, ring))
            {
                throw new ArgumentException($"{ring.Scope} has two key rings", nameof(rings));
            }
        }
    }

    /// <summary>Every ring, in no particular order.</summary>
    public IEnumerable<KeyRing> Rings => _rings.Values;

    /// <summary>The ring of <paramref name="scope"/>, or null.</summary>
    public KeyRing? Find(KeyScope scope) => _rings.GetValueOrDefault(scope);

    /// <summary>The ring of the group with wire name <paramref name="wireName"/>, or null.</summary>
    public KeyRing? ForGroup(string wireName) => Find(KeyScope.Group(wireName));

    /// <summary>The ring of the domain called <paramref name="name"/>, or null.</summary>
    public KeyRing? ForDomain(string name) => Find(KeyScope.Domain(name));

    /// <summary>This store with <paramref name="ring"/> added or put in place of the ring of its scope.</summary>
    public KeyStore With(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var rings = new Dictionary<KeyScope, KeyRing>(_rings) { [ring.Scope] = ring };
        return new KeyStore(rings.Values);
    }

    /// <summary>Both stores' rings together; throws when a scope is in both (two files must not define one scope).</summary>
    public KeyStore Merge(KeyStore other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new KeyStore(Rings.Concat(other.Rings));
    }
}
