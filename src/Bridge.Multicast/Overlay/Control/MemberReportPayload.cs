using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Overlay.Control;

/// <summary>
/// The payload of a member report (docs/wire-format.md §5.1.2.1): how often the member repeats it,
/// how long gateways believe it, and every group the member has joined now (empty withdraws them).
/// The member is the frame's source id; <see cref="MemberReportCodec"/> gives the bytes.
/// </summary>
/// <param name="Interval">How often the member reports; whole milliseconds, 1 to 65535.</param>
/// <param name="HoldTime">How long after this report gateways still count the member's groups; whole milliseconds, above the interval.</param>
/// <param name="Groups">The groups joined now, each once, in wire form.</param>
public sealed record MemberReportPayload(TimeSpan Interval, TimeSpan HoldTime, IReadOnlyList<GroupName> Groups);
