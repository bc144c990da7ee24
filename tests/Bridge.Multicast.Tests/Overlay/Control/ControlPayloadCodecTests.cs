using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Control;

/// <summary>
/// The member report and leaf interest layouts (wire-format §5.1.2.1, §5.1.2.2): round trips, the
/// bytes of each, and malformed payloads refused with a named reason, a version 1 (hello-layout)
/// payload among them.
/// </summary>
public sealed class ControlPayloadCodecTests
{
    private static readonly GroupName Tariff = GroupName.Parse("ham:sg:tariff");
    private static readonly GroupName Events = GroupName.Parse("ham:sg:dr.events");

    [Fact]
    public void MemberReport_RoundTrip_BytesAsDocumented()
    {
        var report = new MemberReportPayload(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7), [Tariff]);

        var bytes = MemberReportCodec.Encode(report);

        Assert.Equal([2, 0, 0x07, 0xD0, 0x1B, 0x58, 0, 1, 0, 13, .. "ham:sg:tariff"u8], bytes);
        Assert.True(MemberReportCodec.TryDecode(bytes, out var decoded, out var error), error.ToString());
        Assert.Equal((report.Interval, report.HoldTime), (decoded.Interval, decoded.HoldTime));
        Assert.Equal(report.Groups, decoded.Groups);
    }

    [Fact]
    public void MemberReport_Withdrawal_EightBytes()
    {
        var bytes = MemberReportCodec.Encode(new MemberReportPayload(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), []));

        Assert.Equal(MemberReportCodec.MinEncodedSize, bytes.Length);
        Assert.True(MemberReportCodec.TryDecode(bytes, out var decoded, out _));
        Assert.Empty(decoded.Groups);
    }

    public static TheoryData<string, byte[], HelloError> MalformedReports() => new()
    {
        { "a hello (version 1)", GatewayHelloCodec.Encode(new GatewayHello(new GatewayId("member-1"), 0, true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), [Tariff])), HelloError.UnsupportedVersion },
        { "shorter than the header", [2, 0, 0, 1, 0], HelloError.Truncated },
        { "reserved byte set", [2, 1, 0, 1, 0, 3, 0, 0], HelloError.UnknownFlags },
        { "zero interval", [2, 0, 0, 0, 0, 3, 0, 0], HelloError.ZeroHelloInterval },
        { "hold not above interval", [2, 0, 0, 3, 0, 3, 0, 0], HelloError.HoldTimeNotAboveInterval },
        { "no group count", [2, 0, 0, 1, 0, 3], HelloError.Truncated },
        { "count beyond the bytes", [2, 0, 0, 1, 0, 3, 0, 9, 0, 1, (byte)'x'], HelloError.Truncated },
        { "empty group name", [2, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0], HelloError.BadGroupNameLength },
        { "not a group name", [2, 0, 0, 1, 0, 3, 0, 1, 0, 3, .. "abc"u8], HelloError.BadGroupName },
        { "group twice", [2, 0, 0, 1, 0, 3, 0, 2, 0, 13, .. "ham:sg:tariff"u8, 0, 13, .. "ham:sg:tariff"u8], HelloError.DuplicateGroup },
        { "trailing byte", [2, 0, 0, 1, 0, 3, 0, 0, 9], HelloError.TrailingBytes },
        { "larger than the maximum", new byte[MemberReportCodec.MaxEncodedSize + 1], HelloError.TooLarge },
    };

    [Theory]
    [MemberData(nameof(MalformedReports))]
    public void MemberReport_Malformed_RefusedWithReason(string what, byte[] bytes, HelloError expected)
    {
        Assert.False(MemberReportCodec.TryDecode(bytes, out var report, out var error), what);
        Assert.Null(report);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void MemberReport_Encode_HoldNotAboveInterval_Throws()
    {
        Assert.Throws<ArgumentException>(() => MemberReportCodec.Encode(new MemberReportPayload(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), [])));
    }

    [Fact]
    public void LeafInterest_RoundTrip_BytesAsDocumented()
    {
        var interest = new LeafInterest(new GatewayId("home-1"), [Tariff, Events]);

        var bytes = LeafInterestCodec.Encode(interest);

        Assert.Equal([2, 0, 6, .. "home-1"u8, 0, 2, 0, 13, .. "ham:sg:tariff"u8, 0, 16, .. "ham:sg:dr.events"u8], bytes);
        Assert.True(LeafInterestCodec.TryDecode(bytes, out var decoded, out var error), error.ToString());
        Assert.Equal(interest.Leaf, decoded.Leaf);
        Assert.Equal(interest.Groups, decoded.Groups);
    }

    public static TheoryData<string, byte[], HelloError> MalformedInterests() => new()
    {
        { "a hello (version 1)", GatewayHelloCodec.Encode(new GatewayHello(new GatewayId("home-1"), 100, true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), [Tariff])), HelloError.UnsupportedVersion },
        { "shorter than the header", [2, 0], HelloError.Truncated },
        { "reserved byte set", [2, 4, 1, (byte)'h', 0, 0], HelloError.UnknownFlags },
        { "empty id", [2, 0, 0, 0, 0], HelloError.EmptyGatewayId },
        { "id beyond the bytes", [2, 0, 9, (byte)'h'], HelloError.Truncated },
        { "id not UTF-8", [2, 0, 1, 0xFF, 0, 0], HelloError.GatewayIdNotUtf8 },
        { "no group count", [2, 0, 1, (byte)'h'], HelloError.Truncated },
        { "trailing byte", [2, 0, 1, (byte)'h', 0, 0, 0], HelloError.TrailingBytes },
    };

    [Theory]
    [MemberData(nameof(MalformedInterests))]
    public void LeafInterest_Malformed_RefusedWithReason(string what, byte[] bytes, HelloError expected)
    {
        Assert.False(LeafInterestCodec.TryDecode(bytes, out var interest, out var error), what);
        Assert.Null(interest);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Hello_AfterSharingTheGroupList_SameBytesAsBefore()
    {
        // The hello's layout did not change when its group list moved to GroupListCodec.
        var hello = new GatewayHello(new GatewayId("gw"), 200, true, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(350), [Tariff]);

        Assert.Equal([1, 1, 200, 2, 0, 100, 1, 94, .. "gw"u8, 0, 1, 0, 13, .. "ham:sg:tariff"u8], GatewayHelloCodec.Encode(hello));
    }
}
