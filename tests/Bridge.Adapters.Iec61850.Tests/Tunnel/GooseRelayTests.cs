using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>The far end of the tunnel with hand-fed time: adoption, local repeats, the upstream's lapse.</summary>
public sealed class GooseRelayTests
{
    private const string GocbRef = "SUBA1LD0/LLN0$GO$gcbTrip";
    private static readonly GooseAddress Target = new(0x1001, MacAddress.Goose(0x0001), null);
    private static readonly GooseRetransmissionOptions Local = new() { FirstInterval = TimeSpan.FromMilliseconds(4), Heartbeat = TimeSpan.FromMilliseconds(150) };

    [Fact]
    public void HandleApdu_FirstApdu_SentAtOnceWithTheUpstreamsNumbersAndBytes()
    {
        var relay = new GooseRelay(Local);
        var apdu = Upstream(stNum: 5, sqNum: 3, talMs: 200);

        var outcome = relay.HandleApdu(TimeSpan.Zero, Target, View(apdu));

        Assert.Equal(GooseRelayOutcome.Sent, outcome);
        Assert.True(relay.TryPollTransmit(out var sent));
        Assert.Equal((5u, 3u), (sent.Transmit.StNum, sent.Transmit.SqNum));
        Assert.Equal(apdu, sent.Transmit.Apdu.ToArray());
        Assert.Equal(Target, sent.Target);
    }

    [Fact]
    public void HandleTimeout_UpstreamFallsSilent_RepeatsLocallyUntilItsTimeAllowedToLiveLapsesThenStops()
    {
        var relay = new GooseRelay(Local);
        relay.HandleApdu(TimeSpan.Zero, Target, View(Upstream(stNum: 5, sqNum: 0, talMs: 200)));
        var sent = new List<(TimeSpan At, uint SqNum)>();
        var now = TimeSpan.Zero;
        Drain(relay, now, sent);
        while (relay.PollTimeout() is { } due)
        {
            now = due;
            relay.HandleTimeout(now);
            Drain(relay, now, sent);
        }

        // Repeats at 4, 12, 28, 60 and 124 ms (doubling from T1); the next (252 ms) is after the
        // upstream's deadline (200 ms), when the stream is stopped.
        Assert.Equal([0u, 1, 2, 3, 4, 5], sent.Select(s => s.SqNum));
        Assert.Equal([0, 4, 12, 28, 60, 124], sent.Select(s => (int)s.At.TotalMilliseconds));
        Assert.True(relay.TryPollEvent(out var lapse));
        Assert.Equal(GooseSupervisionEventKind.Lost, lapse.Supervision.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(200), lapse.Supervision.At);
        Assert.Equal(0, relay.RunningCount);
    }

    [Fact]
    public void HandleTimeout_UpstreamHeartbeatsThenSilence_OneLocalRepeatBeforeTheLapse()
    {
        var slow = new GooseRetransmissionOptions { FirstInterval = TimeSpan.FromMilliseconds(150), Heartbeat = TimeSpan.FromMilliseconds(150) };
        var relay = new GooseRelay(slow);
        var sent = new List<(TimeSpan At, uint SqNum)>();
        for (var sq = 0u; sq <= 3; sq++)
        {
            var at = TimeSpan.FromMilliseconds(100 * sq);
            if (relay.PollTimeout() is { } due && due <= at)
            {
                relay.HandleTimeout(due);
                Drain(relay, due, sent);
            }

            relay.HandleApdu(at, Target, View(Upstream(stNum: 4, sqNum: sq, talMs: 200)));
            Drain(relay, at, sent);
        }

        while (relay.PollTimeout() is { } next)
        {
            relay.HandleTimeout(next);
            Drain(relay, next, sent);
        }

        // A's last message at 300 ms; B repeats it once at 450 ms and stops at 500 ms.
        Assert.Equal([(0, 0u), (100, 1), (200, 2), (300, 3), (450, 4)], sent.Select(s => ((int)s.At.TotalMilliseconds, s.SqNum)));
    }

    [Fact]
    public void HandleApdu_UpstreamRepeatTheLocalScheduleAlreadySent_NotSentAgainButALaterOneIs()
    {
        var relay = new GooseRelay(Local);
        relay.HandleApdu(TimeSpan.Zero, Target, View(Upstream(stNum: 2, sqNum: 0, talMs: 200)));
        relay.HandleTimeout(TimeSpan.FromMilliseconds(4)); // local repeat with sqNum 1

        var behind = relay.HandleApdu(TimeSpan.FromMilliseconds(5), Target, View(Upstream(stNum: 2, sqNum: 1, talMs: 200)));
        var ahead = relay.HandleApdu(TimeSpan.FromMilliseconds(6), Target, View(Upstream(stNum: 2, sqNum: 2, talMs: 200)));

        Assert.Equal(GooseRelayOutcome.Behind, behind);
        Assert.Equal(GooseRelayOutcome.Sent, ahead);
        var numbers = new List<uint>();
        while (relay.TryPollTransmit(out var t))
        {
            numbers.Add(t.Transmit.SqNum);
        }

        Assert.Equal([0u, 1, 2], numbers);
    }

    [Fact]
    public void HandleApdu_AfterTheUpstreamLapsed_RestoresAndSendsTheNewState()
    {
        var relay = new GooseRelay(Local);
        relay.HandleApdu(TimeSpan.Zero, Target, View(Upstream(stNum: 1, sqNum: 0, talMs: 20)));
        relay.HandleTimeout(TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, relay.RunningCount);

        var outcome = relay.HandleApdu(TimeSpan.FromMilliseconds(500), Target, View(Upstream(stNum: 2, sqNum: 0, talMs: 20)));

        Assert.Equal(GooseRelayOutcome.Sent, outcome);
        Assert.Equal(1, relay.RunningCount);
        var kinds = new List<GooseSupervisionEventKind>();
        while (relay.TryPollEvent(out var e))
        {
            kinds.Add(e.Supervision.Kind);
        }

        Assert.Equal([GooseSupervisionEventKind.Lost, GooseSupervisionEventKind.Restored], kinds);
    }

    [Fact]
    public void HandleApdu_RuleNamesAnotherControlBlock_NotSent()
    {
        var relay = new GooseRelay(Local);

        var outcome = relay.HandleApdu(TimeSpan.Zero, Target with { GocbRef = "OTHER/LLN0$GO$gcb" }, View(Upstream(1, 0, 200)));

        Assert.Equal(GooseRelayOutcome.OtherControlBlock, outcome);
        Assert.False(relay.TryPollTransmit(out _));
        Assert.Equal(0, relay.StreamCount);
    }

    [Fact]
    public void HandleApdu_TwoControlBlocksToOneTarget_RelayedAsTwoStreams()
    {
        var relay = new GooseRelay(Local);

        relay.HandleApdu(TimeSpan.Zero, Target, View(Upstream(1, 0, 200)));
        relay.HandleApdu(TimeSpan.Zero, Target, View(Upstream(7, 0, 200, gocbRef: "SUBA1LD0/LLN0$GO$gcbAlarm")));

        Assert.Equal(2, relay.StreamCount);
        Assert.Equal(2, relay.RunningCount);
    }

    /// <summary>An upstream APDU with these numbers, as a publisher in substation A sends it.</summary>
    internal static byte[] Upstream(uint stNum, uint sqNum, uint talMs, string gocbRef = GocbRef)
    {
        var publisher = new GoosePublisher(gocbRef, "SUBA1LD0/LLN0$Trip", null, 1, new GooseRetransmissionOptions { FixedTimeAllowedToLive = TimeSpan.FromMilliseconds(talMs) });
        publisher.Publish(TimeSpan.Zero, new UtcTime(1_796_392_247, 0, 0x0a), [new GooseBoolean(true), new GooseInteger(42)]);
        Assert.True(publisher.TryPollTransmit(out var first));
        Assert.True(GooseCodec.TryDecodeView(first.Apdu, out var view, out _));
        var changed = view with { StNum = stNum, SqNum = sqNum };
        var bytes = new byte[GooseCodec.GetEncodedSize(changed)];
        GooseCodec.Encode(changed, bytes);
        return bytes;
    }

    private static GooseApduView View(byte[] apdu)
    {
        Assert.True(GooseCodec.TryDecodeView(apdu, out var view, out var rejection), rejection.ToString());
        return view;
    }

    private static void Drain(GooseRelay relay, TimeSpan now, List<(TimeSpan, uint)> sent)
    {
        while (relay.TryPollTransmit(out var t))
        {
            sent.Add((now, t.Transmit.SqNum));
        }
    }
}
