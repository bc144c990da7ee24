using System.Globalization;
using System.Text;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// Membership reports as the gateways read them (docs/overlay.md, member learning): a gateway
/// hello (wire-format §5.1.2) whose id names the reporting socket and whose groups are the groups
/// it joined, in a Membership frame on the members group. A gateway with
/// <see cref="GatewayOptions.LearnMembers"/> believes a report for its hold time, three and a
/// half intervals, so one lost report does not drop a member.
/// </summary>
public sealed class HelloMembershipReportFormat : IMembershipReportFormat
{
    /// <summary>Reports on <see cref="GatewayOptions.DefaultMembersGroup"/>, where gateways listen unless configured otherwise.</summary>
    public static HelloMembershipReportFormat Default { get; } = new(GatewayOptions.DefaultMembersGroup);

    /// <summary>Reports on <paramref name="membersGroup"/>, which must be the gateways' <see cref="GatewayOptions.MembersGroup"/>.</summary>
    public HelloMembershipReportFormat(GroupName membersGroup)
    {
        ArgumentNullException.ThrowIfNull(membersGroup);
        Group = membersGroup;
    }

    /// <inheritdoc/>
    public GroupName Group { get; }

    /// <summary>The gateway id under which a member with <paramref name="sourceId"/> reports.</summary>
    public static GatewayId MemberId(ulong sourceId) => new($"member-{sourceId.ToString("x16", CultureInfo.InvariantCulture)}");

    /// <summary>How long gateways believe a report repeated every <paramref name="interval"/>: 3.5 intervals, at most what a hello can carry.</summary>
    public static TimeSpan HoldTime(TimeSpan interval)
        => TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 3.5, GatewayHelloCodec.MaxTime.TotalMilliseconds));

    /// <inheritdoc/>
    public byte[] Encode(MembershipReport report, long timestampMicroseconds)
    {
        ArgumentNullException.ThrowIfNull(report);
        var hello = new GatewayHello(MemberId(report.SourceId), 0, Ready: true, report.Interval, HoldTime(report.Interval), report.Groups);
        var frame = new GridCastFrame
        {
            Type = FrameType.Membership,
            Group = Encoding.UTF8.GetBytes(Group.WireName),
            SourceId = report.SourceId,
            Sequence = report.Sequence,
            TimestampMicroseconds = timestampMicroseconds,
            Payload = GatewayHelloCodec.Encode(hello),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }
}
