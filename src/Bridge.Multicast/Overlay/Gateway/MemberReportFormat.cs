using System.Globalization;
using System.Text;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// Membership reports as the gateways read them (docs/overlay.md, member learning): a member
/// report payload (wire-format §5.1.2.1, <see cref="MemberReportCodec"/>) listing the groups the
/// reporting socket joined, in a Membership frame on the members group from the socket's source
/// id. A gateway with <see cref="GatewayOptions.LearnMembers"/> believes a report for its hold
/// time, three and a half intervals, so one lost report does not drop a member. With the domain's
/// key (<see cref="MemberReportFormat(GroupName, ControlFrameAuthenticator?)"/>) every report is
/// tagged, as gateways holding that key require (docs/security.md, "Control plane").
/// </summary>
public sealed class MemberReportFormat : IMembershipReportFormat
{
    private readonly ControlFrameAuthenticator? _domainKeys;

    /// <summary>Reports on <see cref="GatewayOptions.DefaultMembersGroup"/>, where gateways listen unless configured otherwise, untagged.</summary>
    public static MemberReportFormat Default { get; } = new(GatewayOptions.DefaultMembersGroup);

    /// <summary>
    /// Reports on <paramref name="membersGroup"/>, which must be the gateways' <see cref="GatewayOptions.MembersGroup"/>,
    /// tagged with <paramref name="domainKeys"/> when given.
    /// </summary>
    public MemberReportFormat(GroupName membersGroup, ControlFrameAuthenticator? domainKeys = null)
    {
        ArgumentNullException.ThrowIfNull(membersGroup);
        Group = membersGroup;
        _domainKeys = domainKeys;
    }

    /// <inheritdoc/>
    public GroupName Group { get; }

    /// <summary>Reports on the default members group, tagged with <paramref name="domainKeys"/> (untagged when null).</summary>
    public static MemberReportFormat WithKeys(ControlFrameAuthenticator? domainKeys) => domainKeys is null ? Default : new(GatewayOptions.DefaultMembersGroup, domainKeys);

    /// <summary>The id under which gateways know the member with <paramref name="sourceId"/>.</summary>
    public static GatewayId MemberId(ulong sourceId) => new($"member-{sourceId.ToString("x16", CultureInfo.InvariantCulture)}");

    /// <summary>How long gateways believe a report repeated every <paramref name="interval"/>: 3.5 intervals, at most what the 16-bit field carries.</summary>
    public static TimeSpan HoldTime(TimeSpan interval)
        => TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 3.5, GatewayHelloCodec.MaxTime.TotalMilliseconds));

    /// <inheritdoc/>
    public byte[] Encode(MembershipReport report, long timestampMicroseconds)
    {
        ArgumentNullException.ThrowIfNull(report);
        var frame = new GridCastFrame
        {
            Type = FrameType.Membership,
            Group = Encoding.UTF8.GetBytes(Group.WireName),
            SourceId = report.SourceId,
            Sequence = report.Sequence,
            TimestampMicroseconds = timestampMicroseconds,
            Payload = MemberReportCodec.Encode(new MemberReportPayload(report.Interval, HoldTime(report.Interval), report.Groups)),
        };
        if (_domainKeys is not null)
        {
            return _domainKeys.Seal(frame);
        }

        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }
}
