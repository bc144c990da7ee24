using Bridge.Multicast.Security.Keys;

namespace Bridge.Multicast.Security;

/// <summary>How a group's messages are protected (docs/security.md).</summary>
public enum GroupSecurityMode
{
    /// <summary>Not at all: frames go and are taken as they are (the behaviour of every group without a security setting).</summary>
    None = 0,

    /// <summary>An HMAC-SHA256-128 tag with the group's shared key: only key holders can send, anyone holding it can.</summary>
    Authenticate,

    /// <summary>AES-GCM with the group's shared key: the payload is secret, header and name are authenticated.</summary>
    Encrypt,

    /// <summary>ECDSA P-256 per sender: receivers hold public keys only, so no receiver can forge a sender's message.</summary>
    Sign,
}

/// <summary>Names of <see cref="GroupSecurityMode"/> as node files write them, and the algorithms each takes.</summary>
public static class GroupSecurityModes
{
    /// <summary>The node file's word for <paramref name="mode"/>.</summary>
    public static string Name(GroupSecurityMode mode) => mode switch
    {
        GroupSecurityMode.None => "none",
        GroupSecurityMode.Authenticate => "authenticate",
        GroupSecurityMode.Encrypt => "encrypt",
        GroupSecurityMode.Sign => "sign",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown security mode"),
    };

    /// <summary>Parses the node file's word.</summary>
    public static bool TryParse(string? text, out GroupSecurityMode mode)
    {
        mode = text switch
        {
            "none" => GroupSecurityMode.None,
            "authenticate" => GroupSecurityMode.Authenticate,
            "encrypt" => GroupSecurityMode.Encrypt,
            "sign" => GroupSecurityMode.Sign,
            _ => (GroupSecurityMode)(-1),
        };
        return mode >= 0;
    }

    /// <summary>Whether a ring of <paramref name="algorithm"/> serves <paramref name="mode"/>.</summary>
    public static bool Accepts(GroupSecurityMode mode, KeyAlgorithm algorithm) => mode switch
    {
        GroupSecurityMode.Authenticate => algorithm == KeyAlgorithm.HmacSha256Tag128,
        GroupSecurityMode.Encrypt => algorithm is KeyAlgorithm.Aes128Gcm or KeyAlgorithm.Aes256Gcm,
        GroupSecurityMode.Sign => algorithm == KeyAlgorithm.EcdsaP256,
        _ => false,
    };

    /// <summary>The mode a ring of <paramref name="algorithm"/> implies (for tools that take a key file and no node file).</summary>
    public static GroupSecurityMode For(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.HmacSha256Tag128 => GroupSecurityMode.Authenticate,
        KeyAlgorithm.Aes128Gcm or KeyAlgorithm.Aes256Gcm => GroupSecurityMode.Encrypt,
        KeyAlgorithm.EcdsaP256 => GroupSecurityMode.Sign,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };
}
