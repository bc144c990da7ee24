using Bridge.Multicast.Security.Keys;

namespace Bridge.Multicast.Security;

/// <summary>
/// The layout of the authentication tag of a secured group's frame (docs/wire-format.md §7.4):
/// <code>
///  0      1                 5
///  +------+-----------------+---------------------------------------------+
///  | suite| key id (32, BE) | body                                        |
///  +------+-----------------+---------------------------------------------+
///  suite 0x01 hmac-sha256-128: body = the first 16 bytes of the HMAC       (T = 21)
///  suite 0x02 aes-128-gcm,
///  suite 0x03 aes-256-gcm:     body = nonce (12) ‖ GCM tag (16)            (T = 33)
///  suite 0x04 ecdsa-p256:      body = r (32) ‖ s (32), IEEE P1363          (T = 69)
/// </code>
/// </summary>
public static class FrameTag
{
    /// <summary>Bytes before the body: suite and key id.</summary>
    public const int PrefixLength = 5;

    /// <summary>HMAC-SHA256 truncated to 128 bits (IEC 61850-90-5 §11.4 allows this truncation).</summary>
    public const int MacLength = 16;

    /// <summary>The AES-GCM nonce.</summary>
    public const int NonceLength = 12;

    /// <summary>The AES-GCM authentication tag.</summary>
    public const int GcmTagLength = 16;

    /// <summary>An ECDSA P-256 signature as r ‖ s.</summary>
    public const int SignatureLength = 64;

    /// <summary>The suite byte of <paramref name="algorithm"/>: the numbering of <see cref="KeyAlgorithm"/>.</summary>
    public static byte Suite(KeyAlgorithm algorithm) => (byte)algorithm;

    /// <summary>The tag length T of a frame protected with <paramref name="algorithm"/>.</summary>
    public static int Length(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.HmacSha256Tag128 => PrefixLength + MacLength,
        KeyAlgorithm.Aes128Gcm or KeyAlgorithm.Aes256Gcm => PrefixLength + NonceLength + GcmTagLength,
        KeyAlgorithm.EcdsaP256 => PrefixLength + SignatureLength,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };
}
