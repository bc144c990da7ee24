using System.Net;
using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.Tests.Captures;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>R-GOOSE as input: datagrams on a multicast group on loopback, routed into a group as captured GOOSE is.</summary>
public sealed class RGooseInputTests
{
    /// <summary>The APDUs of the third-party publisher's capture (APPID 1000).</summary>
    private static readonly IReadOnlyList<byte[]> CapturedApdus = CapturedFrames.GooseApdus(CaptureFiles.Goose);

    [Fact]
    public void TryRead_SpduOfACapturedApdu_GivesTheApduItsAppIdAndGocbRef()
    {
        var apdus = new List<RGooseReceivedApdu>();

        Assert.True(RGooseInput.TryRead(Spdu(CapturedApdus[0]), apdus, out var reason, out _), reason);

        var apdu = Assert.Single(apdus);
        Assert.Equal(1000, apdu.AppId);
        Assert.Equal(CapturedApdus[0], apdu.Apdu.ToArray());
        Assert.True(GooseCodec.TryDecodeView(CapturedApdus[0], out var view, out _));
        Assert.Equal(view.GetGocbRef(), apdu.GocbRef);
    }

    [Theory]
    [InlineData("truncated", "rgoose_truncated")]
    [InlineData("not-cltp", "rgoose_not_cltp_unit_data")]
    [InlineData("sampled-values", "rgoose_not_goose_session")]
    [InlineData("signed", RGooseInput.SecuredReason)]
    [InlineData("bad-apdu", RGooseInput.MalformedApduReason)]
    public void TryRead_MalformedDatagram_DroppedWithTheCodecsNamedReason(string damage, string expected)
    {
        var apdus = new List<RGooseReceivedApdu>();

        Assert.False(RGooseInput.TryRead(Malformed(damage), apdus, out var reason, out var detail));

        Assert.Equal(expected, reason);
        Assert.NotEmpty(detail);
        Assert.Empty(apdus);
    }

    [Fact]
    public void DropReason_EachRejection_SnakeCaseAfterThePrefix()
    {
        Assert.Equal("rgoose_payload_element_truncated", RGooseInput.DropReason(RGooseRejection.PayloadElementTruncated));
        Assert.Equal("rgoose_initialization_vector_beyond_end", RGooseInput.DropReason(RGooseRejection.InitializationVectorBeyondEnd));
    }

    [Fact]
    public void OwnSource_SendersPortFromAHostAddress_IsOwnAndOtherwiseNot()
    {
        var own = RGooseInput.OwnSource(new IPEndPoint(IPAddress.Any, 40102), [IPAddress.Parse("10.1.0.5"), IPAddress.Loopback]);

        Assert.True(own(new IPEndPoint(IPAddress.Parse("10.1.0.5"), 40102)));
        Assert.True(own(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 40102)));
        Assert.False(own(new IPEndPoint(IPAddress.Parse("10.1.0.6"), 40102)));
        Assert.False(own(new IPEndPoint(IPAddress.Parse("10.1.0.5"), 40103)));
        Assert.False(RGooseInput.OwnSource(null, [IPAddress.Loopback])(new IPEndPoint(IPAddress.Loopback, 40102)));
    }

    [Fact]
    public async Task Receive_RGooseOnTheListenedGroup_ReachesAGroupSubscriberAsTheSameApdu()
    {
        await using var rig = RGooseInputOnLoopback.Start();
        using var publisher = RGooseInputOnLoopback.Publisher();

        // A malformed datagram first: when the good one behind it arrives, the loop has counted it.
        publisher.SendTo(Malformed("not-cltp"), rig.Listen);
        publisher.SendTo(Spdu(CapturedApdus[0]), rig.Listen);

        var message = await rig.Subscriber.FirstAsync();
        Assert.Equal(CapturedApdus[0], message.Payload.ToArray());
        Assert.Equal(ContentType.GooseApdu, message.ContentType);
        Assert.Equal(1, rig.Input.Received);
        Assert.Equal(1, rig.Input.Dropped["rgoose_not_cltp_unit_data"]);
    }

    [Fact]
    public async Task Receive_DatagramFromTheSidesOwnSender_NeverReachesTheGroup()
    {
        using var ownSender = RGooseInputOnLoopback.Publisher();
        using var other = RGooseInputOnLoopback.Publisher();
        await using var rig = RGooseInputOnLoopback.Start(RGooseInput.OwnSource((IPEndPoint)ownSender.LocalEndPoint!, [IPAddress.Loopback]));

        ownSender.SendTo(Spdu(CapturedApdus[0]), rig.Listen);
        other.SendTo(Spdu(CapturedApdus[3]), rig.Listen);

        // Datagrams on loopback arrive in order: the first message is the other sender's.
        var message = await rig.Subscriber.FirstAsync();
        Assert.Equal(CapturedApdus[3], message.Payload.ToArray());
        Assert.Equal(1, rig.Input.Dropped[RGooseInput.OwnReason]);
        Assert.Equal(1, rig.Input.Received);
    }

    [Fact]
    public async Task Receive_AppIdNoRuleTakes_CountedUnroutable()
    {
        await using var rig = RGooseInputOnLoopback.Start();
        using var publisher = RGooseInputOnLoopback.Publisher();

        publisher.SendTo(Spdu(CapturedApdus[1], appId: 2000), rig.Listen);
        publisher.SendTo(Spdu(CapturedApdus[2]), rig.Listen);

        var message = await rig.Subscriber.FirstAsync();
        Assert.Equal(CapturedApdus[2], message.Payload.ToArray());
        Assert.Equal(1, rig.Input.Dropped["unroutable"]);
    }

    private static byte[] Spdu(byte[] apdu, ushort appId = 1000, int signatureLength = 0)
    {
        var header = new RGooseSessionHeader { SpduNumber = 1 };
        var buffer = new byte[RGooseCodec.GetEncodedSize(header, apdu.Length, signatureLength)];
        RGooseCodec.Encode(header, appId, simulation: false, apdu, buffer, signatureLength);
        return buffer;
    }

    private static byte[] Malformed(string damage)
    {
        var good = Spdu(CapturedApdus[0]);
        switch (damage)
        {
            case "truncated":
                return good[..20];
            case "not-cltp":
                good[1] = 0x41;
                return good;
            case "sampled-values":
                good[2] = 0xA2;
                return good;
            case "signed":
                return Spdu(CapturedApdus[0], signatureLength: 16);
            case "bad-apdu":
                // The goosePdu's outer tag changed: the payload element is read by its BER length, the APDU then fails to decode.
                good[RGooseCodec.FixedHeaderSize + 4 + RGooseCodec.PayloadElementHeaderSize] = 0x60;
                return good;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }
}
