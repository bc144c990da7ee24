using System.Text;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Election;

/// <summary>Settings of a <see cref="DesignatedGatewayElection"/>.</summary>
/// <remarks>
/// A standby takes over a group within <see cref="HoldTime"/> plus the network delay of the
/// designated gateway's last hello, which is at most <see cref="HoldTime"/> plus one
/// <see cref="HelloInterval"/> when the delay stays below the interval. The defaults (100 ms,
/// 350 ms) survive two lost hellos in a row and fail over in under 0.45 s (issue 4).
/// </remarks>
public sealed record ElectionOptions
{
    /// <summary>This gateway's id: its overlay node name. At most 255 bytes of UTF-8.</summary>
    public required GatewayId Id { get; init; }

    /// <summary>Higher wins a group outright; equal priorities share groups (<see cref="DesignationRule"/>).</summary>
    public byte Priority { get; init; } = 100;

    /// <summary>How often to say hello; whole milliseconds, 1 to 65535.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long peers count this gateway alive after a hello; whole milliseconds, above <see cref="HelloInterval"/>, at most 65535.</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromMilliseconds(350);

    /// <summary>
    /// How long after <see cref="DesignatedGatewayElection.Start"/> to listen before competing for
    /// groups, so the gateway learns the live peers first and does not claim groups that are
    /// forwarded already; null means <see cref="HoldTime"/>, by which every live peer has been
    /// heard from unless it lost several hellos in a row. Zero competes at once.
    /// </summary>
    public TimeSpan? StartupWait { get; init; }

    /// <summary>The startup wait in force.</summary>
    public TimeSpan EffectiveStartupWait => StartupWait ?? HoldTime;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Id.IsDefault)
        {
            throw new ArgumentException("An election needs this gateway's id.", nameof(Id));
        }

        if (Encoding.UTF8.GetByteCount(Id.Value) > GatewayHelloCodec.MaxGatewayIdLength)
        {
            throw new ArgumentException($"Gateway id '{Id}' is longer than {GatewayHelloCodec.MaxGatewayIdLength} bytes of UTF-8.", nameof(Id));
        }

        CheckMilliseconds(HelloInterval, nameof(HelloInterval));
        CheckMilliseconds(HoldTime, nameof(HoldTime));
        if (HoldTime <= HelloInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(HoldTime), HoldTime, $"{nameof(HoldTime)} must be longer than {nameof(HelloInterval)} ({HelloInterval}).");
        }

        if (StartupWait is { } wait && wait < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartupWait), wait, $"{nameof(StartupWait)} must not be negative.");
        }
    }

    private static void CheckMilliseconds(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > GatewayHelloCodec.MaxTime || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be whole milliseconds from 1 to {ushort.MaxValue}.");
        }
    }
}
