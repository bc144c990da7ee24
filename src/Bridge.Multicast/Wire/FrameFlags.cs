using System.Diagnostics.CodeAnalysis;

namespace Bridge.Multicast.Wire;

/// <summary>Flag bits (offset 4). Version 1 defines none; a frame with any bit set is rejected.</summary>
[Flags]
[SuppressMessage("Naming", "CA1711", Justification = "Named after the flags byte of the wire format.")]
public enum FrameFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,
}
