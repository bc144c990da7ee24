using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Tests.Goose;

/// <summary>The publisher's numbering, retransmission scheme and relaying, driven by hand-fed time.</summary>
public sealed class GoosePublisherTests
{
    private const string GocbRef = "IED1LD0/LLN0$GO$gcb1";
    private static readonly UtcTime T1 = new(1_796_392_247, 0x4353f7, 0x0a);
    private static readonly UtcTime T2 = new(1_796_392_250, 0, 0x0a);
    private static readonly GooseRetransmissionOptions Options = new() { FirstInterval = Ms(4), Heartbeat = Ms(100) };

    [Fact]
    public void Publish_ThenTimeouts_RepeatsAtDoublingIntervalsUpToTheHeartbeat()
    {
        var publisher = new GoosePublisher(GocbRef, "IED1LD0/LLN0$ds1", "gcb1", 7, Options);

        publisher.Publish(Ms(1000), T1, [new GooseBoolean(true)]);
        var sent = Drive(publisher, Ms(1000), until: Ms(1500));

        // Sent at 1000, then after 4, 8, 16, 32, 64 and then every 100 ms.
        Assert.Equal([1000, 1004, 1012, 1028, 1060, 1124, 1224, 1324, 1424], sent.Select(s => (int)s.At.TotalMilliseconds));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (uint)i), sent.Select(s => s.Transmit.SqNum));
        Assert.All(sent, s => Assert.Equal(1u, s.Transmit.StNum));
        Assert.Equal(GooseTransmitKind.StateChange, sent[0].Transmit.Kind);
        Assert.All(sent.Skip(1), s => Assert.Equal(GooseTransmitKind.Retransmission, s.Transmit.Kind));
        // timeAllowedtoLive is twice the interval to the next message.
        Assert.Equal([8u, 16, 32, 64, 128, 200, 200, 200, 200], sent.Select(s => s.Transmit.TimeAllowedToLive));
    }

    [Fact]
    public void Publish_AnotherState_IncrementsStNumResetsSqNumAndRestartsTheFastRepeats()
    {
        var publisher = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        publisher.Publish(Ms(0), T1, [new GooseInteger(1)]);
        Drive(publisher, Ms(0), until: Ms(300));

        publisher.Publish(Ms(300), T2, [new GooseInteger(2)]);
        var sent = Drive(publisher, Ms(300), until: Ms(320));

        Assert.Equal([(2u, 0u, 300), (2, 1, 304), (2, 2, 312)], sent.Select(s => (s.Transmit.StNum, s.Transmit.SqNum, (int)s.At.TotalMilliseconds)));
        var apdu = Decode(sent[2].Transmit);
        Assert.Equal(T2, apdu.T);
        Assert.Equal([new GooseInteger(2)], apdu.AllData);
        Assert.Equal(GocbRef, apdu.GocbRef);
        Assert.Null(apdu.GoId);
        Assert.Equal(1u, apdu.ConfRev);
    }

    [Fact]
    public void Stop_EndsTheRepeatsUntilTheNextState()
    {
        var publisher = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        publisher.Publish(Ms(0), T1, [new GooseBoolean(false)]);
        Drive(publisher, Ms(0), until: Ms(50));

        publisher.Stop();

        Assert.Null(publisher.PollTimeout());
        Assert.False(publisher.IsRunning);
        publisher.HandleTimeout(Ms(10_000));
        Assert.False(publisher.TryPollTransmit(out _));
        publisher.Publish(Ms(10_000), T2, [new GooseBoolean(true)]);
        Assert.True(publisher.TryPollTransmit(out var next));
        Assert.Equal((2u, 0u), (next.StNum, next.SqNum));
    }

    [Fact]
    public void Adopt_UpstreamApdus_KeepsTheirNumbersAndFillsTheGapsLocally()
    {
        var upstream = new GoosePublisher(GocbRef, "ds", null, 1, new GooseRetransmissionOptions { FirstInterval = Ms(4), Heartbeat = Ms(1000) });
        var relay = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        upstream.Publish(Ms(0), T1, [new GooseInteger(42)]);
        var upstreamSent = Drive(upstream, Ms(0), until: Ms(3500));
        var relayed = new List<(TimeSpan At, GooseTransmit Transmit)>();

        // The WAN delivers the upstream's frames 20 ms late; the relay's own schedule runs between.
        foreach (var (at, transmit) in upstreamSent)
        {
            relayed.AddRange(Drive(relay, at + Ms(20), until: at + Ms(20)));
            Assert.True(GooseCodec.TryDecodeView(transmit.Apdu, out var view, out _));
            relay.Adopt(at + Ms(20), view);
            relayed.AddRange(Drain(relay, at + Ms(20)));
        }

        // The first adopted APDU goes out as it came; sqNum never goes back within stNum 1; no
        // gap between two local frames exceeds the relay's heartbeat.
        Assert.Equal(upstreamSent[0].Transmit.Apdu.ToArray(), relayed[0].Transmit.Apdu.ToArray());
        Assert.All(relayed, r => Assert.Equal(1u, r.Transmit.StNum));
        Assert.Equal(relayed.Select(r => r.Transmit.SqNum).Order(), relayed.Select(r => r.Transmit.SqNum));
        Assert.Equal(relayed.Count, relayed.Select(r => r.Transmit.SqNum).Distinct().Count());
        Assert.All(relayed.Zip(relayed.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At <= Ms(100), $"{pair.First.At} -> {pair.Second.At}"));
        Assert.Contains(relayed, r => r.Transmit.Kind == GooseTransmitKind.Retransmission);
    }

    [Fact]
    public void Adopt_ANewStNum_IsSentAtOnceAndRestartsTheFastRepeats()
    {
        var relay = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        relay.Adopt(Ms(0), View(stNum: 5, sqNum: 9, value: 1));
        Drive(relay, Ms(0), until: Ms(500));

        var sent = relay.Adopt(Ms(500), View(stNum: 6, sqNum: 0, value: 2));
        var after = Drive(relay, Ms(500), until: Ms(512));

        Assert.True(sent);
        Assert.Equal([(6u, 0u, 500), (6, 1, 504), (6, 2, 512)], after.Select(s => (s.Transmit.StNum, s.Transmit.SqNum, (int)s.At.TotalMilliseconds)));
    }

    [Fact]
    public void Adopt_AnOlderSqNum_IsDropped()
    {
        var relay = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        relay.Adopt(Ms(0), View(stNum: 5, sqNum: 9, value: 1));
        Drive(relay, Ms(0), until: Ms(30)); // local repeats at 4, 12 and 28 ms: sqNum 10, 11, 12

        var sent = relay.Adopt(Ms(30), View(stNum: 5, sqNum: 11, value: 1));

        Assert.False(sent);
        Assert.False(relay.TryPollTransmit(out _));
        Assert.Equal(12u, relay.SqNum);
    }

    [Fact]
    public void Misuse_TimeGoingBackOrAnotherControlBlock_Throws()
    {
        var publisher = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        publisher.Publish(Ms(10), T1, [new GooseBoolean(true)]);

        Assert.Throws<ArgumentOutOfRangeException>(() => publisher.HandleTimeout(Ms(9)));
        Assert.Throws<ArgumentException>(() => new GoosePublisher(GocbRef, "ds", null, 1, new GooseRetransmissionOptions { FirstInterval = Ms(10), Heartbeat = Ms(5) }));
        var other = View(stNum: 1, sqNum: 0, value: 1) with { GocbRef = "other"u8.ToArray() };
        Assert.Throws<ArgumentException>(() => publisher.Adopt(Ms(11), other));
    }

    private static GooseApduView View(uint stNum, uint sqNum, long value)
    {
        var publisher = new GoosePublisher(GocbRef, "ds", null, 1, Options);
        publisher.Publish(TimeSpan.Zero, T1, [new GooseInteger(value)]);
        Assert.True(publisher.TryPollTransmit(out var transmit));
        Assert.True(GooseCodec.TryDecodeView(transmit.Apdu, out var view, out _));
        return view with { StNum = stNum, SqNum = sqNum };
    }

    private static GooseApdu Decode(GooseTransmit transmit)
    {
        Assert.True(GooseCodec.TryDecode(transmit.Apdu, out var apdu, out var rejection), rejection.ToString());
        Assert.Equal((transmit.StNum, transmit.SqNum, transmit.TimeAllowedToLive), (apdu.StNum, apdu.SqNum, apdu.TimeAllowedToLive));
        return apdu;
    }

    // Stamps what the publisher already holds with `now`, then runs its timers up to and
    // including `until`, collecting what it sends and when.
    private static List<(TimeSpan At, GooseTransmit Transmit)> Drive(GoosePublisher publisher, TimeSpan now, TimeSpan until)
    {
        var sent = Drain(publisher, now);
        while (publisher.PollTimeout() is { } due && due <= until)
        {
            publisher.HandleTimeout(due);
            sent.AddRange(Drain(publisher, due));
        }

        return sent;
    }

    private static List<(TimeSpan At, GooseTransmit Transmit)> Drain(GoosePublisher publisher, TimeSpan at)
    {
        var sent = new List<(TimeSpan, GooseTransmit)>();
        while (publisher.TryPollTransmit(out var transmit))
        {
            Decode(transmit);
            sent.Add((at, transmit));
        }

        return sent;
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
