using Bridge.Multicast.Overlay.Election;

namespace Bridge.Multicast.Overlay.Control;

/// <summary>The 16-bit millisecond intervals and hold times of the control payloads.</summary>
internal static class ControlTimes
{
    /// <summary>Throws unless <paramref name="value"/> is whole milliseconds from 1 to 65535.</summary>
    public static void Check(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > GatewayHelloCodec.MaxTime || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException($"{name} {value} must be whole milliseconds from 1 to {ushort.MaxValue}.", name);
        }
    }
}
