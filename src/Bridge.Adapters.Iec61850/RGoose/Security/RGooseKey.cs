using System.Globalization;
using System.Security.Cryptography;

namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>
/// One R-GOOSE key: the key id the SPDU carries, the algorithm, the key material, and when the
/// key may be used (IEC 61850-90-5 gives each key a start, TimeOfCurrentKey, and announces the
/// next one, TimeToNextKey). A key without <see cref="ValidFrom"/> is valid from the start of
/// time, one without <see cref="ValidUntil"/> for ever.
/// </summary>
public sealed class RGooseKey
{
    private readonly byte[] _material;

    /// <summary>A key; <paramref name="material"/> is copied.</summary>
    /// <exception cref="ArgumentException">Key id 0 (it means "no security"), a material of the wrong size, or a window that ends before it starts.</exception>
    public RGooseKey(uint id, RGooseSecurityAlgorithm algorithm, ReadOnlySpan<byte> material, DateTimeOffset? validFrom = null, DateTimeOffset? validUntil = null)
    {
        if (id == 0)
        {
            throw new ArgumentException("key id 0 means an SPDU without security", nameof(id));
        }

        if (!algorithm.IsKeySize(material.Length, out var reason))
        {
            throw new ArgumentException(reason, nameof(material));
        }

        if (validFrom is { } from && validUntil is { } until && until <= from)
        {
            throw new ArgumentException($"the key's window ends ({until:O}) before it starts ({from:O})", nameof(validUntil));
        }

        Id = id;
        Algorithm = algorithm;
        _material = material.ToArray();
        ValidFrom = validFrom;
        ValidUntil = validUntil;
    }

    /// <summary>The key id (not 0).</summary>
    public uint Id { get; }

    /// <summary>The algorithm the key is for.</summary>
    public RGooseSecurityAlgorithm Algorithm { get; }

    /// <summary>The key material.</summary>
    public ReadOnlySpan<byte> Material => _material;

    /// <summary>When the key starts being valid; null for "always was".</summary>
    public DateTimeOffset? ValidFrom { get; }

    /// <summary>When the key stops being valid; null for "never".</summary>
    public DateTimeOffset? ValidUntil { get; }

    /// <summary>Whether the key is valid at <paramref name="now"/>, give or take <paramref name="tolerance"/> at either end.</summary>
    public bool IsValidAt(DateTimeOffset now, TimeSpan tolerance = default)
        => (ValidFrom is not { } from || now >= from - tolerance) && (ValidUntil is not { } until || now < until + tolerance);

    /// <summary>Same id, algorithm, material and window.</summary>
    public bool SameAs(RGooseKey other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Id == other.Id && Algorithm == other.Algorithm && ValidFrom == other.ValidFrom && ValidUntil == other.ValidUntil
            && CryptographicOperations.FixedTimeEquals(_material, other._material);
    }

    /// <inheritdoc/>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"key {Id} ({Algorithm.Name()}{(ValidFrom is { } f ? $", from {f:O}" : string.Empty)}{(ValidUntil is { } u ? $", until {u:O}" : string.Empty)})");
}

/// <summary>
/// The keys of one R-GOOSE side, by id: a receiver accepts an SPDU under any of them while it is
/// valid, so a file holding the current and the next key rotates without losing a message; a
/// sender uses the key <see cref="ForSending"/> picks.
/// </summary>
public sealed class RGooseKeySet
{
    private readonly Dictionary<uint, RGooseKey> _byId;
    private readonly RGooseKey[] _keys;

    /// <summary>A set of <paramref name="keys"/>.</summary>
    /// <exception cref="ArgumentException">Two keys share an id.</exception>
    public RGooseKeySet(IEnumerable<RGooseKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys];
        _byId = [];
        foreach (var key in _keys)
        {
            if (!_byId.TryAdd(key.Id, key))
            {
                throw new ArgumentException($"key id {key.Id} is given twice", nameof(keys));
            }
        }
    }

    /// <summary>The keys, in the order given.</summary>
    public IReadOnlyList<RGooseKey> Keys => _keys;

    /// <summary>The key of <paramref name="id"/>, if there is one.</summary>
    public bool TryGet(uint id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RGooseKey? key) => _byId.TryGetValue(id, out key);

    /// <summary>
    /// The key to send with at <paramref name="now"/>: key <paramref name="pinned"/> if given and
    /// valid, else the valid key that became valid last (ties to the higher id), so adding the
    /// next key to the file with a later <c>from</c> switches senders over at that time. Null
    /// when no key (or not the pinned one) is valid.
    /// </summary>
    public RGooseKey? ForSending(DateTimeOffset now, uint? pinned = null)
    {
        if (pinned is { } id)
        {
            return _byId.TryGetValue(id, out var key) && key.IsValidAt(now) ? key : null;
        }

        // A loop rather than a query: the sender asks for every SPDU, and this allocates nothing.
        RGooseKey? best = null;
        foreach (var key in _keys)
        {
            if (key.IsValidAt(now) && (best is null || Later(key, best)))
            {
                best = key;
            }
        }

        return best;

        static bool Later(RGooseKey a, RGooseKey b)
        {
            var (fromA, fromB) = (a.ValidFrom ?? DateTimeOffset.MinValue, b.ValidFrom ?? DateTimeOffset.MinValue);
            return fromA > fromB || (fromA == fromB && a.Id > b.Id);
        }
    }

    /// <summary>The key that takes over from <paramref name="current"/>: the first one whose window starts after <paramref name="current"/>'s start, or null.</summary>
    public RGooseKey? Next(RGooseKey current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var start = current.ValidFrom ?? DateTimeOffset.MinValue;
        return Keys.Where(k => k.Id != current.Id && k.ValidFrom is { } f && f > start).OrderBy(k => k.ValidFrom).FirstOrDefault();
    }

    /// <summary>Same keys, in any order.</summary>
    public bool SameAs(RGooseKeySet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Keys.Count == other.Keys.Count && Keys.All(k => other.TryGet(k.Id, out var o) && k.SameAs(o));
    }
}
