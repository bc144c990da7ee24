using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Election;

/// <summary>
/// What one gateway tells the other gateways of its multicast domain, every hello interval: who
/// it is, how strongly it wants to forward, how long to believe it is alive, and which groups it
/// can forward. <see cref="GatewayHelloCodec"/> gives the bytes.
/// </summary>
/// <param name="Gateway">The sender's id (the same id it has in the overlay link-state).</param>
/// <param name="Priority">Higher wins a group outright; equal priorities share groups by weight (<see cref="DesignationRule"/>).</param>
/// <param name="Ready">
/// Whether the sender has finished its startup wait and competes for groups. Until then its
/// peers count it alive but keep forwarding its share, so a (re)starting gateway never leaves a
/// group without a forwarder.
/// </param>
/// <param name="HelloInterval">
/// How often the sender says hello; whole milliseconds, 1 to 65535. Receivers act on the hold
/// time alone; the interval is there for diagnostics and for the check that the hold time exceeds it.
/// </param>
/// <param name="HoldTime">How long after this hello a receiver still counts the sender alive; whole milliseconds, above the interval.</param>
/// <param name="Groups">The groups the sender serves, each once, in wire form.</param>
public sealed record GatewayHello(
    GatewayId Gateway,
    byte Priority,
    bool Ready,
    TimeSpan HelloInterval,
    TimeSpan HoldTime,
    IReadOnlyList<GroupName> Groups);
