namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>An IEEE 802.1Q tag: priority (PCP, 0..7), drop eligible (DEI) and VLAN id (0..4095; 0 is priority-only).</summary>
public readonly record struct VlanTag(byte Priority, bool DropEligible, ushort VlanId)
{
    /// <summary>The tag control information: PCP (3 bits), DEI (1), VID (12).</summary>
    public ushort ControlInformation
        => Priority > 7 || VlanId > 0xFFF
            ? throw new InvalidOperationException($"priority {Priority} or VLAN id {VlanId} out of range (0..7, 0..4095)")
            : (ushort)((Priority << 13) | (DropEligible ? 0x1000 : 0) | VlanId);

    /// <summary>The tag of a tag control information field.</summary>
    public static VlanTag FromControlInformation(ushort tci) => new((byte)(tci >> 13), (tci & 0x1000) != 0, (ushort)(tci & 0xFFF));
}

/// <summary>The Ethernet and GOOSE header fields of a frame (IEC 61850-8-1 Annex C).</summary>
public readonly record struct GooseFrameHeader
{
    /// <summary>The bit of Reserved 1 that marks a simulated frame (IEC 61850-8-1 Ed.2, the S bit).</summary>
    public const ushort SimulateBit = 0x8000;

    /// <summary>The destination: 01-0C-CD-01-xx-xx for GOOSE.</summary>
    public MacAddress Destination { get; init; }

    /// <summary>The publisher's address.</summary>
    public MacAddress Source { get; init; }

    /// <summary>The 802.1Q tag, or null for an untagged frame.</summary>
    public VlanTag? Vlan { get; init; }

    /// <summary>The application identifier.</summary>
    public ushort AppId { get; init; }

    /// <summary>Reserved 1, with the simulate bit (<see cref="SimulateBit"/>).</summary>
    public ushort Reserved1 { get; init; }

    /// <summary>Reserved 2.</summary>
    public ushort Reserved2 { get; init; }

    /// <summary>True when the S bit of Reserved 1 is set.</summary>
    public bool Simulated => (Reserved1 & SimulateBit) != 0;
}

/// <summary>A decoded GOOSE Ethernet frame: its headers and the APDU (a slice of the frame).</summary>
/// <param name="Header">The Ethernet and GOOSE header fields.</param>
/// <param name="Apdu">The APDU: the Length field's bytes after the 8 header octets, without Ethernet padding.</param>
public readonly record struct GooseFrame(GooseFrameHeader Header, ReadOnlyMemory<byte> Apdu);

/// <summary>Why bytes are not a GOOSE Ethernet frame; <see cref="None"/> when they are.</summary>
public enum GooseFrameRejection : byte
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>Shorter than the Ethernet and GOOSE headers.</summary>
    TooShort,

    /// <summary>The EtherType (after the 802.1Q tag, if any) is not 0x88B8.</summary>
    NotGoose,

    /// <summary>The GOOSE Length field is below 8 (its own header).</summary>
    LengthBelowHeader,

    /// <summary>The GOOSE Length field announces more bytes than the frame has.</summary>
    LengthBeyondFrame,
}
