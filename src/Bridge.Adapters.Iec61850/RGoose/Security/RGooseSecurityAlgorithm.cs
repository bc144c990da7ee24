namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>
/// How an R-GOOSE SPDU is protected (IEC 61850-90-5 §11.3, IEC 62351-6): a keyed signature
/// over the SPDU, or AES-GCM encryption of the payload whose tag takes the signature's place.
/// The names and the signature lengths are those of libiec61850's R-GOOSE branch (the one
/// third-party implementation at hand, ../shared/iec61850/README.md).
/// </summary>
public enum RGooseSecurityAlgorithm : byte
{
    /// <summary>HMAC-SHA256 truncated to 80 bits (10 octets).</summary>
    HmacSha256With80,

    /// <summary>HMAC-SHA256 truncated to 128 bits (16 octets): <c>r-goose-hmac.pcapng</c>.</summary>
    HmacSha256With128,

    /// <summary>HMAC-SHA256, all 256 bits (32 octets).</summary>
    HmacSha256With256,

    /// <summary>AES-128-GCM, a 12-octet IV and a 16-octet tag: <c>r-goose-aes128gcm.pcapng</c>.</summary>
    Aes128Gcm,

    /// <summary>AES-256-GCM, a 12-octet IV and a 16-octet tag.</summary>
    Aes256Gcm,
}

/// <summary>The sizes and names of <see cref="RGooseSecurityAlgorithm"/>.</summary>
public static class RGooseSecurityAlgorithms
{
    /// <summary>The GCM IV's octets (the 96-bit nonce NIST SP 800-38D recommends, and what libiec61850 sends).</summary>
    public const int GcmIvSize = 12;

    /// <summary>The GCM tag's octets.</summary>
    public const int GcmTagSize = 16;

    /// <summary>The shortest HMAC key accepted: a key shorter than the 128-bit tag it makes would be the weak point.</summary>
    public const int MinimumHmacKeySize = 16;

    private static readonly (RGooseSecurityAlgorithm Algorithm, string Name)[] Names =
    [
        (RGooseSecurityAlgorithm.HmacSha256With80, "hmac-sha256-80"),
        (RGooseSecurityAlgorithm.HmacSha256With128, "hmac-sha256-128"),
        (RGooseSecurityAlgorithm.HmacSha256With256, "hmac-sha256-256"),
        (RGooseSecurityAlgorithm.Aes128Gcm, "aes-128-gcm"),
        (RGooseSecurityAlgorithm.Aes256Gcm, "aes-256-gcm"),
    ];

    /// <summary>The names a key file uses, in order.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>True for the AES-GCM algorithms, which encrypt the payload.</summary>
    public static bool Encrypts(this RGooseSecurityAlgorithm algorithm)
        => algorithm is RGooseSecurityAlgorithm.Aes128Gcm or RGooseSecurityAlgorithm.Aes256Gcm;

    /// <summary>The signature element's octets: the truncated HMAC, or the GCM tag.</summary>
    public static int SignatureSize(this RGooseSecurityAlgorithm algorithm) => algorithm switch
    {
        RGooseSecurityAlgorithm.HmacSha256With80 => 10,
        RGooseSecurityAlgorithm.HmacSha256With128 => 16,
        RGooseSecurityAlgorithm.HmacSha256With256 => 32,
        RGooseSecurityAlgorithm.Aes128Gcm or RGooseSecurityAlgorithm.Aes256Gcm => GcmTagSize,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>The IV's octets: 12 for AES-GCM, none for a signature.</summary>
    public static int IvSize(this RGooseSecurityAlgorithm algorithm) => algorithm.Encrypts() ? GcmIvSize : 0;

    /// <summary>Whether <paramref name="length"/> octets make a key of <paramref name="algorithm"/>, and if not, why.</summary>
    public static bool IsKeySize(this RGooseSecurityAlgorithm algorithm, int length, out string reason)
    {
        var (ok, expected) = algorithm switch
        {
            RGooseSecurityAlgorithm.Aes128Gcm => (length == 16, "exactly 16 octets"),
            RGooseSecurityAlgorithm.Aes256Gcm => (length == 32, "exactly 32 octets"),
            _ => (length >= MinimumHmacKeySize, $"at least {MinimumHmacKeySize} octets"),
        };
        reason = ok ? string.Empty : $"a key of {algorithm.Name()} has {expected}, this one {length}";
        return ok;
    }

    /// <summary>The algorithm's name in a key file (<c>hmac-sha256-128</c>).</summary>
    public static string Name(this RGooseSecurityAlgorithm algorithm)
        => Names.First(n => n.Algorithm == algorithm).Name;

    /// <summary>The algorithm named <paramref name="name"/> (case-insensitive).</summary>
    public static bool TryParse(string name, out RGooseSecurityAlgorithm algorithm)
    {
        foreach (var (a, n) in Names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                algorithm = a;
                return true;
            }
        }

        algorithm = default;
        return false;
    }
}
