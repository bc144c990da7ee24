namespace Bridge.Adapters.Iec61850.RGoose;

/// <summary>
/// A decoded R-GOOSE SPDU (IEC 61850-90-5 §11.3 session layer, as IEC 61850-8-1 Ed.2.1 lays it
/// out with the initialization vector): header fields as received, and the user data, padding
/// and signature as slices of the datagram.
/// </summary>
/// <remarks>
/// <see cref="UserData"/> is cleartext payload elements when the SPDU is not encrypted (read them
/// with <see cref="RGoosePayloadReader"/>), and ciphertext when it is (AES-GCM: an IV is present);
/// decryption is the security layer's (issue 17). For that layer the offsets are here:
/// the HMAC covers <c>[0, <see cref="SignedLength"/>)</c>; AES-GCM authenticates
/// <c>[0, <see cref="UserDataOffset"/>)</c> as associated data and encrypts the user data.
/// </remarks>
public readonly record struct RGooseSpdu
{
    /// <summary>The session identifier: 0xA1 for GOOSE.</summary>
    public byte SessionIdentifier { get; init; }

    /// <summary>The session header length octet as received (libiec61850 always writes 24).</summary>
    public byte SessionHeaderLength { get; init; }

    /// <summary>The common session header length octet as received (libiec61850 always writes 18).</summary>
    public byte CommonHeaderLength { get; init; }

    /// <summary>The SPDU length as received (libiec61850 writes 20 + the payload length).</summary>
    public uint SpduLength { get; init; }

    /// <summary>The SPDU number: counts the publisher's SPDUs, for replay detection.</summary>
    public uint SpduNumber { get; init; }

    /// <summary>The session protocol version (2 in every frame seen).</summary>
    public ushort Version { get; init; }

    /// <summary>TimeOfCurrentKey: when the current key was first used (seconds, publisher's clock).</summary>
    public uint TimeOfCurrentKey { get; init; }

    /// <summary>TimeToNextKey: minutes until the next key (signed).</summary>
    public short TimeToNextKey { get; init; }

    /// <summary>The key id assigned by the key distribution centre; 0 without security.</summary>
    public uint KeyId { get; init; }

    /// <summary>The initialization vector (empty when its length octet is 0).</summary>
    public ReadOnlyMemory<byte> InitializationVector { get; init; }

    /// <summary>Where the user data (the payload elements) starts in the datagram.</summary>
    public int UserDataOffset { get; init; }

    /// <summary>The payload: the octets the payload length announces.</summary>
    public ReadOnlyMemory<byte> UserData { get; init; }

    /// <summary>Padding octets (after a 0xAF tag and a length), empty when absent.</summary>
    public ReadOnlyMemory<byte> Padding { get; init; }

    /// <summary>True when a signature element (0x85) ends the SPDU.</summary>
    public bool HasSignature { get; init; }

    /// <summary>The signature element's value (the HMAC or GCM tag), empty when absent.</summary>
    public ReadOnlyMemory<byte> Signature { get; init; }

    /// <summary>The octets before the signature element: what an HMAC covers.</summary>
    public int SignedLength { get; init; }

    /// <summary>True when the SPDU carries an initialization vector, that is an encrypted payload.</summary>
    public bool IsEncrypted => !InitializationVector.IsEmpty;
}

/// <summary>The session fields an encoder writes (lengths are computed).</summary>
public readonly record struct RGooseSessionHeader
{
    /// <summary>The SPDU number.</summary>
    public uint SpduNumber { get; init; }

    /// <summary>The session protocol version; 2 as libiec61850 and tshark know it.</summary>
    public ushort Version { get; init; } = RGooseCodec.Version;

    /// <summary>TimeOfCurrentKey.</summary>
    public uint TimeOfCurrentKey { get; init; }

    /// <summary>TimeToNextKey.</summary>
    public short TimeToNextKey { get; init; }

    /// <summary>The key id; 0 without security.</summary>
    public uint KeyId { get; init; }

    /// <summary>The initialization vector; empty without encryption (at most 255 octets).</summary>
    public ReadOnlyMemory<byte> InitializationVector { get; init; }

    /// <summary>The fields of an SPDU without security.</summary>
    public RGooseSessionHeader()
    {
    }
}

/// <summary>Where the parts of an encoded SPDU lie, for a security layer that signs or encrypts it in place.</summary>
/// <param name="Length">The SPDU's octets (the UDP payload).</param>
/// <param name="UserDataOffset">Where the payload starts (GCM associated data is everything before).</param>
/// <param name="UserDataLength">The payload's octets.</param>
/// <param name="SignatureOffset">Where the signature value starts (after its 0x85 tag and length), or -1 without one.</param>
/// <param name="SignatureLength">The signature value's octets (zeros as written).</param>
public readonly record struct RGooseLayout(int Length, int UserDataOffset, int UserDataLength, int SignatureOffset, int SignatureLength)
{
    /// <summary>The octets an HMAC covers: everything before the signature element.</summary>
    public int SignedLength => SignatureOffset < 0 ? Length : SignatureOffset - 2;
}

/// <summary>One payload element: a GOOSE APDU with its R-GOOSE simulation flag and APPID.</summary>
/// <param name="Tag">The payload type tag (0x81 GOOSE).</param>
/// <param name="Simulation">The simulation octet is not zero.</param>
/// <param name="AppId">The APPID.</param>
/// <param name="ApduLengthField">The APDU length as received (libiec61850 writes the goosePdu's length + 2).</param>
/// <param name="Apdu">The goosePdu element.</param>
public readonly record struct RGoosePayload(byte Tag, bool Simulation, ushort AppId, ushort ApduLengthField, ReadOnlyMemory<byte> Apdu);
