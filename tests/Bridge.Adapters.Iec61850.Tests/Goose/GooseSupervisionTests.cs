using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Tests.Goose;

/// <summary>Subscriber-side supervision: sequence classes and timeAllowedtoLive expiry.</summary>
public sealed class GooseSupervisionTests
{
    [Fact]
    public void HandleFrame_Sequence_IsClassedByStNumAndSqNum()
    {
        var supervision = new GooseSupervision();
        (uint StNum, uint SqNum)[] frames = [(1, 0), (1, 1), (1, 1), (1, 3), (1, 2), (2, 0), (5, 0), (3, 0), (3, uint.MaxValue), (3, 1)];

        var classes = frames.Select((f, i) => supervision.HandleFrame(TimeSpan.FromMilliseconds(i), f.StNum, f.SqNum, 1000)).ToList();

        Assert.Equal(
            [GooseFrameClass.First, GooseFrameClass.Retransmission, GooseFrameClass.Duplicate, GooseFrameClass.SqNumGap, GooseFrameClass.OutOfOrder,
             GooseFrameClass.NewState, GooseFrameClass.StNumGap, GooseFrameClass.StNumBack, GooseFrameClass.OutOfOrder, GooseFrameClass.Retransmission],
            classes);
        Assert.Equal(1, supervision.Counters[GooseFrameClass.Duplicate]);
        Assert.Equal(2, supervision.Counters[GooseFrameClass.OutOfOrder]);
    }

    [Fact]
    public void HandleTimeout_AfterTimeAllowedToLiveWithoutFrames_RaisesLostOnceThenRestored()
    {
        var supervision = new GooseSupervision();
        supervision.HandleFrame(Ms(0), 1, 0, timeAllowedToLive: 8);
        supervision.HandleFrame(Ms(4), 1, 1, timeAllowedToLive: 16);

        Assert.Equal(Ms(20), supervision.PollTimeout());
        supervision.HandleTimeout(Ms(19));
        Assert.True(supervision.IsAlive);
        Assert.False(supervision.TryPollEvent(out _));

        supervision.HandleTimeout(Ms(20));
        supervision.HandleTimeout(Ms(40));

        Assert.False(supervision.IsAlive);
        Assert.Null(supervision.PollTimeout());
        Assert.True(supervision.TryPollEvent(out var lost));
        Assert.Equal(new GooseSupervisionEvent(GooseSupervisionEventKind.Lost, Ms(20), 1, 1), lost);
        Assert.False(supervision.TryPollEvent(out _));
        Assert.Equal(1, supervision.Counters.Lost);

        Assert.Equal(GooseFrameClass.First, supervision.HandleFrame(Ms(50), 1, 7, 100));
        Assert.True(supervision.IsAlive);
        Assert.True(supervision.TryPollEvent(out var restored));
        Assert.Equal(GooseSupervisionEventKind.Restored, restored.Kind);
    }

    [Fact]
    public void PublisherAndSupervision_TogetherStayAliveWhileRunningAndLoseTheStreamAfterStop()
    {
        var publisher = new GoosePublisher("IED/LLN0$GO$g", "IED/LLN0$ds", null, 1, new GooseRetransmissionOptions { FirstInterval = Ms(2), Heartbeat = Ms(50) });
        var supervision = new GooseSupervision();
        publisher.Publish(Ms(0), new UtcTime(1, 0, 0), [new GooseBoolean(true)]);
        var now = Ms(0);
        var stopAt = Ms(1000);
        TimeSpan? lostAt = null;
        var lastFrameAt = TimeSpan.Zero;

        while (now < Ms(2000) && lostAt is null)
        {
            while (publisher.TryPollTransmit(out var transmit))
            {
                Assert.True(GooseCodec.TryDecodeView(transmit.Apdu, out var view, out _));
                supervision.HandleFrame(now, view);
                lastFrameAt = now;
            }

            if (now >= stopAt && publisher.IsRunning)
            {
                publisher.Stop();
            }

            var next = new[] { publisher.PollTimeout(), supervision.PollTimeout() }.Where(t => t is not null).Min() ?? Ms(2000);
            now = next > now ? next : now;
            publisher.HandleTimeout(now);
            supervision.HandleTimeout(now);
            if (supervision.TryPollEvent(out var e) && e.Kind == GooseSupervisionEventKind.Lost)
            {
                lostAt = e.At;
            }
        }

        // Never lost while the publisher ran; lost one heartbeat's TAL (2 × 50 ms) after its last frame.
        Assert.NotNull(lostAt);
        Assert.InRange(lastFrameAt, stopAt, stopAt + Ms(50));
        Assert.Equal(lastFrameAt + Ms(100), lostAt);
        Assert.Equal(1, supervision.Counters.Lost);
        Assert.Equal(0, supervision.Counters[GooseFrameClass.SqNumGap]);
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
