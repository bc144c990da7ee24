namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>Why a well-formed R-GOOSE SPDU is not accepted by the security layer; <see cref="None"/> when it is.</summary>
public enum RGooseSecurityRejection : byte
{
    /// <summary>Accepted: the signature verified (or the payload decrypted) and the SPDU number is new.</summary>
    None = 0,

    /// <summary>No signature element: the SPDU is not protected, and this receiver has keys.</summary>
    Unsecured,

    /// <summary>The key id is none of the receiver's keys (0 included).</summary>
    UnknownKeyId,

    /// <summary>The key exists but is outside its validity window at reception (a stale or not-yet key).</summary>
    KeyNotValid,

    /// <summary>The HMAC does not match (or the SPDU's shape does not fit the key's signature algorithm: an IV, a signature of another length).</summary>
    BadSignature,

    /// <summary>AES-GCM authentication failed (or the IV or tag does not have GCM's size).</summary>
    DecryptFailed,

    /// <summary>The SPDU number was accepted before, or is older than the replay window, for this key and APPID.</summary>
    Replay,
}
