using Bridge.Multicast.Naming;
using Bridge.Multicast.Security;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// A Data frame from the domain for a secured group whose keys this gateway holds was refused
/// before it entered the overlay (docs/security.md, "What a gateway sees"): forged, made with a
/// key out of its validity, or replayed. Counted in <see cref="OverlayGateway.Security"/>.
/// </summary>
/// <param name="Group">The group the frame named.</param>
/// <param name="SourceId">The source id the frame claims.</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record SecuredFrameRefused(GroupName Group, ulong SourceId, SecurityRejection Reason) : GatewayEvent;
