namespace Bridge.Multicast.Wire;

/// <summary>The frame type byte (offset 3). Values not listed are rejected; see docs/wire-format.md.</summary>
public enum FrameType : byte
{
    /// <summary>An application message for a group.</summary>
    Data = 1,
}
