using System.Security.Cryptography;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// Driving one <see cref="OverlayGateway"/> by hand: frames to give it, and what it sent and
/// reported, for the tests that call its inputs directly rather than through the simulator.
/// </summary>
internal static class GatewayInputs
{
    public static readonly byte[] GroupWire = Encoding.UTF8.GetBytes(GatewayWorld.Group.WireName);

    /// <summary>A gateway alone in its domain, driven by its own timeouts until it is designated for the group.</summary>
    public static (OverlayGateway Gateway, TimeSpan Now) Designated(GatewayOptions options)
    {
        var now = TimeSpan.Zero;
        var gateway = new OverlayGateway(options, now);
        for (var i = 0; i < 100 && !gateway.IsDesignated(GatewayWorld.Group); i++)
        {
            now = gateway.PollTimeout()!.Value;
            gateway.HandleTimeout(now);
        }

        Assert.True(gateway.IsDesignated(GatewayWorld.Group));
        Drain(gateway);
        Events(gateway);
        return (gateway, now);
    }

    public static List<GatewayTransmit> Drain(OverlayGateway gateway)
    {
        var list = new List<GatewayTransmit>();
        while (gateway.TryPollTransmit(out var transmit))
        {
            list.Add(transmit);
        }

        return list;
    }

    public static List<GatewayEvent> Events(OverlayGateway gateway)
    {
        var list = new List<GatewayEvent>();
        while (gateway.TryPollEvent(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>A Data frame of <paramref name="group"/> (<see cref="GatewayWorld.Group"/> when null) whose payload is its sequence number.</summary>
    public static byte[] DataFrame(ulong source, ulong sequence, GroupName? group = null)
        => Frame(FrameType.Data, group is null ? GroupWire : Encoding.UTF8.GetBytes(group.WireName), BitConverter.GetBytes(sequence), source, sequence);

    public static byte[] Frame(FrameType type, byte[] group, byte[] payload, ulong source = 77, ulong sequence = 1)
    {
        var frame = new GridCastFrame { Type = type, Group = group, SourceId = source, Sequence = sequence, Payload = payload };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }

    /// <summary>
    /// A member report (wire-format §5.1.2.1) of receiver <paramref name="member"/> naming
    /// <paramref name="groups"/>, held for 3.5 s. The member is the frame's source id, drawn from
    /// the name (<see cref="MemberSource"/>), so each name is one member.
    /// </summary>
    public static byte[] MemberReport(string member, ulong sequence, IReadOnlyList<GroupName> groups)
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.Membership,
            Group = Encoding.UTF8.GetBytes(GatewayOptions.DefaultMembersGroup.WireName),
            SourceId = MemberSource(member),
            Sequence = sequence,
            Payload = MemberReportCodec.Encode(new MemberReportPayload(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(3500), groups)),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }

    /// <summary>
    /// The source id a test member called <paramref name="member"/> reports from: the id itself for
    /// <c>member-</c> and 16 hexadecimal digits (as gateways name members), otherwise the first 8
    /// bytes of the name's SHA-256, the same in every run.
    /// </summary>
    public static ulong MemberSource(string member)
        => member.Length == 23 && member.StartsWith("member-", StringComparison.Ordinal)
            && ulong.TryParse(member.AsSpan(7), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(member)));

    public static GridCastFrame Decode(ReadOnlyMemory<byte> bytes)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(bytes, out var frame, out var error), error.ToString());
        return frame;
    }

    /// <summary>The Relay frame in which <paramref name="ingress"/> carries <paramref name="inner"/>, decoded as a link delivers it.</summary>
    public static GridCastFrame Relay(GatewayId ingress, byte[] inner) => Decode(RelayCodec.Encode(ingress, Decode(inner), inner));

    /// <summary>The groups of each interest (a leaf's Membership frame) in <paramref name="sent"/> to <paramref name="peer"/>, in order.</summary>
    public static List<IReadOnlyList<GroupName>> InterestsTo(IEnumerable<GatewayTransmit> sent, GatewayId peer)
    {
        var interests = new List<IReadOnlyList<GroupName>>();
        foreach (var transmit in sent.Where(t => t.Peer == peer))
        {
            var frame = Decode(transmit.Frame);
            if (frame.Type == FrameType.Membership)
            {
                Assert.True(LeafInterestCodec.TryDecode(frame.Payload.Span, out var interest, out var error), error.ToString());
                interests.Add(interest.Groups);
            }
        }

        return interests;
    }

    /// <summary>How many Relay frames in <paramref name="sent"/> went to <paramref name="peer"/>.</summary>
    public static int RelaysTo(IEnumerable<GatewayTransmit> sent, GatewayId peer)
        => sent.Count(t => t.Peer == peer && t.Frame.Span[3] == (byte)FrameType.Relay);
}
