using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks;

/// <summary>
/// Cost of one frame through an <see cref="OverlayGateway"/>, the state machine alone (no links,
/// no sockets, one thread): what bounds a gateway's forwarding rate on one core.
/// </summary>
/// <remarks>
/// <para>
/// Three transit gateways in a line, g1 — g2 — g3, each the only gateway of its own domain and
/// each carrying the measured group. The setup pumps their link-state frames between them by
/// hand, on a virtual clock, until each is designated for the group and g1's tree reaches g2 and
/// g3 through g2; then it checks one frame end to end, so that no benchmark silently measures a
/// drop path.
/// </para>
/// <para>
/// Every operation uses the next sequence number (duplicate suppression would drop a repeat): it
/// is written into the frame's bytes in place (offset 20 of the header, which no checksum covers),
/// so the input is never re-encoded. The relays are decoded once, as an overlay link would hand
/// them over; only their <see cref="GridCastFrame.Sequence"/> is replaced per operation.
/// </para>
/// <para>BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.</para>
/// </remarks>
[MemoryDiagnoser]
public class GatewayForwardingBenchmarks
{
    private const int PayloadSize = 100;
    private const int SequenceOffset = 20;
    private const ulong Source = 0x0123_4567_89AB_CDEF;
    private const int MaxRelaySize = FrameCodec.DefaultMaxFrameSize + RelayCodec.MaxOverhead;

    private static readonly GroupName Group = GroupName.Parse("ham:ip:239.192.0.7:5000");
    private static readonly GatewayId G1 = new("g1");
    private static readonly GatewayId G2 = new("g2");
    private static readonly GatewayId G3 = new("g3");

    private readonly byte[] _native = new byte[FrameCodec.GetEncodedSize(Group.WireName.Length, PayloadSize)];
    private OverlayGateway _g1 = null!;
    private OverlayGateway _g2 = null!;
    private OverlayGateway _g3 = null!;
    private TimeSpan _now;
    private ulong _sequence;
    private byte[] _relayBytes = [];
    private GridCastFrame _relay;
    private int _innerSequenceOffset;

    [GlobalSetup]
    public void Setup()
    {
        _now = TimeSpan.FromSeconds(1);
        _g1 = NewGateway(G1, 1);
        _g2 = NewGateway(G2, 2);
        _g3 = NewGateway(G3, 3);
        Connect(_g1, _g2);
        Connect(_g2, _g3);
        Converge();

        FrameCodec.Encode(
            new GridCastFrame
            {
                Type = FrameType.Data,
                ContentType = ContentType.Raw,
                Group = System.Text.Encoding.UTF8.GetBytes(Group.WireName),
                SourceId = Source,
                Sequence = 1,
                TimestampMicroseconds = 1_700_000_000_000_000,
                Payload = new byte[PayloadSize],
            },
            _native,
            _native.Length);
        if (!FrameCodec.TryDecodeDatagram(_native, out var inner, out var error))
        {
            throw new InvalidOperationException($"the native frame does not decode: {error}");
        }

        // The relay g1 sends for a frame it took from its domain, decoded as g2's link would hand it over.
        _relayBytes = RelayCodec.Encode(G1, inner, _native);
        if (!FrameCodec.TryDecodeDatagram(_relayBytes, out _relay, out error, MaxRelaySize))
        {
            throw new InvalidOperationException($"the relay does not decode: {error}");
        }

        _innerSequenceOffset = _relayBytes.Length - _native.Length + SequenceOffset;
        Check();
    }

    /// <summary>g1 takes a frame from its domain into the overlay: one relay, to g2.</summary>
    [Benchmark]
    public int NativeToOverlay()
    {
        BinaryPrimitives.WriteUInt64BigEndian(_native.AsSpan(SequenceOffset), ++_sequence);
        _g1.HandleNativeDatagram(_now, _native);
        return Drain(_g1);
    }

    /// <summary>g3, a leaf of g1's tree, takes a relay from g2 into its domain: one datagram, no relay.</summary>
    [Benchmark]
    public int OverlayToNative() => HandleRelay(_g3, G2);

    /// <summary>g2, in the middle of g1's tree, takes a relay from g1: one relay on to g3 and one datagram into its domain.</summary>
    [Benchmark]
    public int OverlayTransit() => HandleRelay(_g2, G1);

    private int HandleRelay(OverlayGateway gateway, GatewayId from)
    {
        var sequence = ++_sequence;
        BinaryPrimitives.WriteUInt64BigEndian(_relayBytes.AsSpan(SequenceOffset), sequence);
        BinaryPrimitives.WriteUInt64BigEndian(_relayBytes.AsSpan(_innerSequenceOffset), sequence);
        gateway.HandlePeerFrame(_now, from, _relay with { Sequence = sequence });
        return Drain(gateway);
    }

    private static int Drain(OverlayGateway gateway)
    {
        var bytes = 0;
        while (gateway.TryPollTransmit(out var transmit))
        {
            bytes += transmit.Frame.Length;
        }

        while (gateway.TryPollEvent(out _))
        {
        }

        return bytes;
    }

    private OverlayGateway NewGateway(GatewayId id, ulong sourceId) => new(
        new GatewayOptions
        {
            Id = id,
            Carry = [Group],
            SourceId = sourceId,
            StartupWait = TimeSpan.FromMilliseconds(350),
            Flooding = new FloodingOptions(),
        },
        _now);

    private void Connect(OverlayGateway a, OverlayGateway b)
    {
        a.PeerUp(_now, b.Id, PeerKind.Gateway, 100);
        b.PeerUp(_now, a.Id, PeerKind.Gateway, 100);
    }

    /// <summary>
    /// Runs the three on a virtual clock, 10 ms a step, handing every frame for a peer to that
    /// peer and dropping what goes into the domains (each gateway is alone in its domain), until
    /// all three are designated and agree on a database of three gateways that all want the group.
    /// </summary>
    private void Converge()
    {
        OverlayGateway[] all = [_g1, _g2, _g3];
        for (var step = 0; step < 1000; step++)
        {
            var moved = true;
            while (moved)
            {
                moved = false;
                foreach (var gateway in all)
                {
                    while (gateway.TryPollTransmit(out var transmit))
                    {
                        if (transmit.Peer is { } peer)
                        {
                            moved = true;
                            if (!FrameCodec.TryDecodeDatagram(transmit.Frame, out var frame, out var error))
                            {
                                throw new InvalidOperationException($"{gateway.Id} sent a frame that does not decode: {error}");
                            }

                            all.Single(g => g.Id == peer).HandlePeerFrame(_now, gateway.Id, frame);
                        }
                    }

                    while (gateway.TryPollEvent(out var gatewayEvent))
                    {
                        if (gatewayEvent is InputRejected rejected)
                        {
                            throw new InvalidOperationException($"{gateway.Id} rejected input: {rejected.Reason}");
                        }
                    }
                }
            }

            if (all.All(Settled))
            {
                return;
            }

            _now += TimeSpan.FromMilliseconds(10);
            foreach (var gateway in all)
            {
                if (gateway.PollTimeout() is { } due && due <= _now)
                {
                    gateway.HandleTimeout(_now);
                }
            }
        }

        throw new InvalidOperationException("the gateways did not converge in 10 s of virtual time");

        static bool Settled(OverlayGateway g) =>
            g.IsDesignated(Group) && g.Flooding!.Database.Count == 3 && g.Flooding.Database.Advertisements.All(a => a.Groups.Contains(Group));
    }

    /// <summary>One frame end to end through g1, g2 and g3, counted at each, before anything is measured.</summary>
    private void Check()
    {
        _sequence = 1;
        _g1.HandleNativeDatagram(_now, _native);
        var fromG1 = Transmits(_g1);
        if (fromG1 is not [{ Peer: { } toG2 }] || toG2 != G2 || !FrameCodec.TryDecodeDatagram(fromG1[0].Frame, out var relay, out _, MaxRelaySize))
        {
            throw new InvalidOperationException($"g1 sent {fromG1.Count} frame(s), not one relay to g2");
        }

        _g2.HandlePeerFrame(_now, G1, relay);
        var fromG2 = Transmits(_g2);
        if (fromG2.Count(t => t.Peer == G3) != 1 || fromG2.Count(t => t.Group == Group) != 1 || fromG2.Count != 2)
        {
            throw new InvalidOperationException($"g2 sent {fromG2.Count} frame(s), not one relay to g3 and one datagram into its domain");
        }

        if (!FrameCodec.TryDecodeDatagram(fromG2.Single(t => t.Peer == G3).Frame, out var onward, out _, MaxRelaySize))
        {
            throw new InvalidOperationException("g2's relay to g3 does not decode");
        }

        _g3.HandlePeerFrame(_now, G2, onward);
        var fromG3 = Transmits(_g3);
        if (fromG3 is not [{ Group: { } delivered }] || delivered != Group)
        {
            throw new InvalidOperationException($"g3 sent {fromG3.Count} frame(s), not one datagram into its domain");
        }

        if (OverlayToNative() == 0 || OverlayTransit() == 0 || NativeToOverlay() == 0)
        {
            throw new InvalidOperationException("a measured path sent nothing");
        }

        static List<GatewayTransmit> Transmits(OverlayGateway gateway)
        {
            var transmits = new List<GatewayTransmit>();
            while (gateway.TryPollTransmit(out var transmit))
            {
                transmits.Add(transmit);
            }

            while (gateway.TryPollEvent(out var gatewayEvent))
            {
                if (gatewayEvent is InputRejected rejected)
                {
                    throw new InvalidOperationException($"{gateway.Id} rejected input: {rejected.Reason}");
                }
            }

            return transmits;
        }
    }
}
