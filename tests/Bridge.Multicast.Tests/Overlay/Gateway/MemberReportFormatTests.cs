using System.Text;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// Member reports as a socket sends them (<see cref="MemberReportFormat"/>) and as a
/// gateway that learns members reads them.
/// </summary>
public sealed class MemberReportFormatTests
{
    private static readonly GroupName Tariff = GroupName.Parse("ham:sg:tariff");

    [Fact]
    public void Encode_Report_IsAMembershipFrameOnTheMembersGroupCarryingAMemberReport()
    {
        var report = new MembershipReport(0xABCDEF, 7, TimeSpan.FromSeconds(2), [Tariff]);

        var bytes = MemberReportFormat.Default.Encode(report, timestampMicroseconds: 1_234_567);

        Assert.True(FrameCodec.TryDecodeDatagram(bytes, out var frame, out var error), error.ToString());
        Assert.Equal(FrameType.Membership, frame.Type);
        Assert.Equal(GatewayOptions.DefaultMembersGroup.WireName, Encoding.UTF8.GetString(frame.Group.Span));
        Assert.Equal(0xABCDEFUL, frame.SourceId);
        Assert.Equal(7UL, frame.Sequence);
        Assert.Equal(1_234_567, frame.TimestampMicroseconds);
        Assert.Empty(frame.Tag.ToArray());
        Assert.True(MemberReportCodec.TryDecode(frame.Payload.Span, out var payload, out var payloadError), payloadError.ToString());
        Assert.Equal(new GatewayId("member-0000000000abcdef"), MemberReportFormat.MemberId(frame.SourceId));
        Assert.Equal(TimeSpan.FromSeconds(2), payload.Interval);
        Assert.Equal(TimeSpan.FromSeconds(7), payload.HoldTime);
        Assert.Equal([Tariff], payload.Groups);
    }

    [Fact]
    public void Group_Default_IsTheGatewaysMembersGroup()
    {
        Assert.Equal(new GatewayOptions { Id = new GatewayId("gw") }.MembersGroup, MemberReportFormat.Default.Group);
    }

    [Theory]
    [InlineData(200, 700)]
    [InlineData(2_000, 7_000)]
    [InlineData(30_000, 65_535)]
    public void HoldTime_Interval_IsThreeAndAHalfIntervalsAtMostWhatAHelloCarries(int intervalMs, int holdMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(holdMs), MemberReportFormat.HoldTime(TimeSpan.FromMilliseconds(intervalMs)));
    }

    [Fact]
    public void Encode_ReportThenWithdrawal_AGatewayLearningMembersFollowsThem()
    {
        var now = TimeSpan.Zero;
        var gateway = new OverlayGateway(
            new GatewayOptions { Id = new GatewayId("gw-learner"), Carry = [Tariff], LearnMembers = true, StartupWait = TimeSpan.Zero },
            now);
        var format = MemberReportFormat.Default;

        gateway.HandleNativeDatagram(now, format.Encode(new MembershipReport(42, 1, TimeSpan.FromSeconds(2), [Tariff]), 0));
        var learned = gateway.Interest.ToList();
        gateway.HandleNativeDatagram(now, format.Encode(new MembershipReport(42, 2, TimeSpan.FromSeconds(2), []), 0));

        Assert.Equal([Tariff], learned);
        Assert.Empty(gateway.Interest);
        Assert.Equal(2, gateway.Counters.MemberReports);
    }
}
