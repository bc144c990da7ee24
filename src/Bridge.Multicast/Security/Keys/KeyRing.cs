namespace Bridge.Multicast.Security.Keys;

/// <summary>
/// The keys of one scope: for a shared secret (HMAC, AES-GCM) one <see cref="KeyRotation"/>; for
/// signatures one per entitled signer, named. Key ids are unique across the whole ring, so the id
/// in a tag names exactly one key, and for signatures exactly one signer. Immutable; a reload
/// builds a new ring.
/// </summary>
public sealed class KeyRing
{
    /// <summary>The signer name under which a shared-secret ring keeps its one rotation.</summary>
    public const string SharedSigner = "";

    private readonly Dictionary<KeyId, (string Signer, SecurityKey Key)> _byId = [];

    /// <summary>Builds a ring; throws when a key is of another algorithm or an id repeats (a loader reports those first).</summary>
    public KeyRing(KeyScope scope, KeyAlgorithm algorithm, IReadOnlyDictionary<string, KeyRotation> rotations)
    {
        ArgumentNullException.ThrowIfNull(rotations);
        if (rotations.Count == 0)
        {
            throw new ArgumentException("a key ring needs at least one rotation", nameof(rotations));
        }

        if (!KeyAlgorithms.IsSignature(algorithm) && (rotations.Count != 1 || !rotations.ContainsKey(SharedSigner)))
        {
            throw new ArgumentException("a shared-secret ring has exactly one rotation, with no signer name", nameof(rotations));
        }

        Scope = scope;
        Algorithm = algorithm;
        Rotations = rotations;
        foreach (var (signer, rotation) in rotations)
        {
            foreach (var key in rotation.Keys)
            {
                if (key.Algorithm != algorithm)
                {
                    throw new ArgumentException($"{key} is not {KeyAlgorithms.Name(algorithm)}", nameof(rotations));
                }

                if (!_byId.TryAdd(key.Id, (signer, key)))
                {
                    throw new ArgumentException($"key id {key.Id} is used twice in {scope}", nameof(rotations));
                }
            }
        }
    }

    /// <summary>What the ring protects.</summary>
    public KeyScope Scope { get; }

    /// <summary>The algorithm of every key in the ring.</summary>
    public KeyAlgorithm Algorithm { get; }

    /// <summary>The rotations, by signer name (<see cref="SharedSigner"/> for a shared secret).</summary>
    public IReadOnlyDictionary<string, KeyRotation> Rotations { get; }

    /// <summary>Every key id in the ring.</summary>
    public IEnumerable<KeyId> KeyIds => _byId.Keys;

    /// <summary>
    /// The key a receiver checks a tag carrying <paramref name="id"/> against: known to the ring
    /// and valid at <paramref name="now"/>. Otherwise null, with why.
    /// </summary>
    public SecurityKey? ForReceiving(KeyId id, DateTimeOffset now, out KeyLookupFailure failure)
    {
        if (!_byId.TryGetValue(id, out var entry))
        {
            failure = KeyLookupFailure.UnknownKey;
            return null;
        }

        switch (entry.Key.ValidityAt(now))
        {
            case KeyValidity.NotYetValid:
                failure = KeyLookupFailure.KeyNotYetValid;
                return null;
            case KeyValidity.Expired:
                failure = KeyLookupFailure.KeyExpired;
                return null;
            default:
                failure = KeyLookupFailure.None;
                return entry.Key;
        }
    }

    /// <summary>The signer a key id belongs to (<see cref="SharedSigner"/> for a shared secret); null for an unknown id.</summary>
    public string? SignerOf(KeyId id) => _byId.TryGetValue(id, out var entry) ? entry.Signer : null;

    /// <summary>
    /// The key this node sends with at <paramref name="now"/>: for a shared secret, the rotation's
    /// choice; for signatures, that of the one signer whose private keys the node holds (or of
    /// <paramref name="signer"/> when named). Null when there is none valid now.
    /// </summary>
    public SecurityKey? ForSending(DateTimeOffset now, string? signer = null)
    {
        if (!KeyAlgorithms.IsSignature(Algorithm))
        {
            return Rotations[SharedSigner].ForSending(now);
        }

        if (signer is not null)
        {
            return Rotations.TryGetValue(signer, out var named) ? named.ForSending(now) : null;
        }

        foreach (var rotation in Rotations.Values)
        {
            if (rotation.ForSending(now) is { } key)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Whether this node holds a key it could send with (at any time): a secret, or some signer's private key.</summary>
    public bool CanSign => _byId.Values.Any(entry => entry.Key.CanSign);
}

/// <summary>Why a key id in a received tag found no key to check it with.</summary>
public enum KeyLookupFailure
{
    /// <summary>A key was found.</summary>
    None,

    /// <summary>No key in the ring has the id: a forged tag, a signer not entitled, or a key rotated away.</summary>
    UnknownKey,

    /// <summary>The key exists but its validity starts later.</summary>
    KeyNotYetValid,

    /// <summary>The key exists but its validity has ended.</summary>
    KeyExpired,
}
