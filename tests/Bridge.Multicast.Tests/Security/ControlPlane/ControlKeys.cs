using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Tests.Security.Keys;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Security.ControlPlane;

/// <summary>Domain and overlay key rings for the control-plane tests, and a wall clock inside their validity.</summary>
internal static class ControlKeys
{
    /// <summary>The domain ring: key 1 current, key 2 next (valid from day 10).</summary>
    public static KeyRing Domain { get; } = Ring("d1", TestKeys.Symmetric(1), TestKeys.Symmetric(2, startDay: 10));

    /// <summary>Another domain's ring with the same key id 1 but another secret: what a host with the wrong key holds.</summary>
    public static KeyRing WrongDomain { get; } = Ring("d1", TestKeys.Symmetric(1, fill: 0x77));

    /// <summary>The overlay's ring.</summary>
    public static KeyRing Overlay { get; } = Ring("overlay", TestKeys.Symmetric(7, fill: 0x10));

    /// <summary>A clock on day 2 of the keys' validity.</summary>
    public static FakeTimeProvider Clock() => new(TestKeys.Start.AddDays(2));

    public static KeyRing Ring(string domain, SecurityKey current, SecurityKey? next = null) =>
        new(KeyScope.Domain(domain), current.Algorithm, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = new(current, next) });
}
