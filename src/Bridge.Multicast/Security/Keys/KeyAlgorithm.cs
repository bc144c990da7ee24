namespace Bridge.Multicast.Security.Keys;

/// <summary>
/// The algorithm a key is for. One algorithm per scope: every key of a group (current, next, and
/// every signer's) is of the algorithm the scope names, so a receiver never has to guess.
/// </summary>
public enum KeyAlgorithm
{
    /// <summary>HMAC-SHA256 truncated to 128 bits (IEC 61850-90-5 allows 80, 128 or 256); a 32-byte secret.</summary>
    HmacSha256Tag128 = 1,

    /// <summary>AES-128 in GCM with a 128-bit tag; a 16-byte secret.</summary>
    Aes128Gcm = 2,

    /// <summary>AES-256 in GCM with a 128-bit tag; a 32-byte secret.</summary>
    Aes256Gcm = 3,

    /// <summary>ECDSA on NIST P-256 with SHA-256, per signer; a public key, and the private key only at the signer.</summary>
    EcdsaP256 = 4,
}

/// <summary>Names of <see cref="KeyAlgorithm"/> as key files write them, and the secret each needs.</summary>
public static class KeyAlgorithms
{
    /// <summary>The name a key file uses for <paramref name="algorithm"/>.</summary>
    public static string Name(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.HmacSha256Tag128 => "hmac-sha256-128",
        KeyAlgorithm.Aes128Gcm => "aes-128-gcm",
        KeyAlgorithm.Aes256Gcm => "aes-256-gcm",
        KeyAlgorithm.EcdsaP256 => "ecdsa-p256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };

    /// <summary>Every algorithm name, for error messages and help text.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [Name(KeyAlgorithm.HmacSha256Tag128), Name(KeyAlgorithm.Aes128Gcm), Name(KeyAlgorithm.Aes256Gcm), Name(KeyAlgorithm.EcdsaP256)];

    /// <summary>Parses a key file's algorithm name (exact, lower case).</summary>
    public static bool TryParse(string? name, out KeyAlgorithm algorithm)
    {
        algorithm = name switch
        {
            "hmac-sha256-128" => KeyAlgorithm.HmacSha256Tag128,
            "aes-128-gcm" => KeyAlgorithm.Aes128Gcm,
            "aes-256-gcm" => KeyAlgorithm.Aes256Gcm,
            "ecdsa-p256" => KeyAlgorithm.EcdsaP256,
            _ => 0,
        };
        return algorithm != 0;
    }

    /// <summary>The secret length in bytes for a symmetric algorithm; 0 for signatures, which have key pairs instead.</summary>
    public static int SecretLength(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.HmacSha256Tag128 => 32,
        KeyAlgorithm.Aes128Gcm => 16,
        KeyAlgorithm.Aes256Gcm => 32,
        _ => 0,
    };

    /// <summary>Whether the algorithm signs per source (key pairs) rather than sharing one secret.</summary>
    public static bool IsSignature(KeyAlgorithm algorithm) => algorithm == KeyAlgorithm.EcdsaP256;
}
