using System.Diagnostics.CodeAnalysis;

namespace Bridge.Multicast.Wire;

/// <summary>
/// Flag bits (offset 4). Only the bits listed here have a meaning; a frame with any other bit set
/// is rejected (<see cref="FrameError.UnknownFlags"/>), so a bit can be given a meaning only in a
/// later version.
/// </summary>
[Flags]
[SuppressMessage("Naming", "CA1711", Justification = "Named after the flags byte of the wire format.")]
public enum FrameFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>A repair copy of a frame sent before, in answer to a repair request; same source and sequence.</summary>
    Retransmission = 0x01,

    /// <summary>The payload is AEAD ciphertext; the authentication tag must be present.</summary>
    Encrypted = 0x02,

    /// <summary>A retained (last-value) message: the latest state of the group, such as a retained MQTT publish.</summary>
    LastValue = 0x04,

    /// <summary>
    /// A gateway carried this frame into the domain from the overlay; gateways do not carry it out
    /// again. Receivers ignore it, and an authentication tag is computed with this bit cleared.
    /// </summary>
    Relayed = 0x08,
}
