namespace Bridge.Multicast.Security.Keys;

/// <summary>
/// One key: its id, algorithm, validity window and material. Symmetric keys carry
/// <see cref="Secret"/>; signature keys carry <see cref="PublicKey"/> (SubjectPublicKeyInfo, DER)
/// and, only at the signer, <see cref="PrivateKey"/> (PKCS#8, DER). Immutable: rotation makes
/// new keys, it never changes one.
/// </summary>
public sealed record SecurityKey
{
    /// <summary>The id carried in the tag; unique within the key's scope.</summary>
    public required KeyId Id { get; init; }

    /// <summary>What the key is for.</summary>
    public required KeyAlgorithm Algorithm { get; init; }

    /// <summary>The first instant the key may be used (inclusive).</summary>
    public required DateTimeOffset NotBefore { get; init; }

    /// <summary>The instant the key stops being valid (exclusive).</summary>
    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>The shared secret of a symmetric key; empty for a signature key.</summary>
    public ReadOnlyMemory<byte> Secret { get; init; }

    /// <summary>A signature key's public key as SubjectPublicKeyInfo (DER); empty for a symmetric key.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; init; }

    /// <summary>A signature key's private key as PKCS#8 (DER); empty where the node only verifies.</summary>
    public ReadOnlyMemory<byte> PrivateKey { get; init; }

    /// <summary>Whether this node can produce tags with the key: a symmetric secret, or a signer's private key.</summary>
    public bool CanSign => KeyAlgorithms.IsSignature(Algorithm) ? !PrivateKey.IsEmpty : !Secret.IsEmpty;

    /// <summary>Where <paramref name="now"/> falls against the validity window.</summary>
    public KeyValidity ValidityAt(DateTimeOffset now) =>
        now < NotBefore ? KeyValidity.NotYetValid
        : now >= NotAfter ? KeyValidity.Expired
        : KeyValidity.Valid;

    /// <summary>Whether the key is valid at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => ValidityAt(now) == KeyValidity.Valid;

    /// <summary>The same key without its private part: what a signer hands to receivers.</summary>
    public SecurityKey WithoutPrivateKey() => this with { PrivateKey = ReadOnlyMemory<byte>.Empty };

    /// <summary>Keys hold secrets: never print them.</summary>
    public override string ToString() =>
        $"key {Id} ({KeyAlgorithms.Name(Algorithm)}, {NotBefore:O} to {NotAfter:O})";
}

/// <summary>Where an instant falls against a key's validity window.</summary>
public enum KeyValidity
{
    /// <summary>Within [not-before, not-after).</summary>
    Valid,

    /// <summary>Before not-before.</summary>
    NotYetValid,

    /// <summary>At or after not-after.</summary>
    Expired,
}
