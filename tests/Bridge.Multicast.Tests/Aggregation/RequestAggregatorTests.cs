using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Aggregation;

public sealed class RequestAggregatorTests
{
    private static readonly GatewayId Parent = new("gw-parent");
    private static readonly GatewayId ChildA = new("gw-a");
    private static readonly GatewayId ChildB = new("gw-b");
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    private static readonly AggregatorOptions Options = new()
    {
        HopMargin = TimeSpan.FromMilliseconds(200),
        Linger = TimeSpan.FromSeconds(10),
        MaxRequests = 4,
        LateUpdateDelay = TimeSpan.FromMilliseconds(50),
    };

    private static readonly AggregationSpec Spec = new()
    {
        Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Mean | AggregateFunctions.Histogram,
        HistogramBounds = [10],
        WantMissingIds = true,
    };

    [Fact]
    public void HandleRequest_AtGateway_ForwardsTheBudgetLessTheMarginAndSendsByThen()
    {
        var aggregator = new RequestAggregator(Options);

        Assert.True(aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], null));

        Assert.True(aggregator.TryPollForward(out var forward));
        Assert.Equal(TimeSpan.FromMilliseconds(1800), forward.Budget);
        Assert.Equal(1UL, forward.RequestId);
        Assert.Same(Spec, forward.Spec);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(1800), aggregator.PollTimeout());
    }

    [Fact]
    public void HandleRequest_AtSource_KeepsTheWholeBudget()
    {
        var aggregator = new RequestAggregator(Options);

        aggregator.HandleRequest(T0, Request(1, 2000), null, [ChildA], null);

        Assert.True(aggregator.TryPollForward(out var forward));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), forward.Budget);
        Assert.Equal(T0 + TimeSpan.FromSeconds(2), aggregator.PollTimeout());
    }

    [Fact]
    public void HandleRequest_BudgetNotAboveTheMargin_IsRefusedAsBudgetTooSmall()
    {
        var aggregator = new RequestAggregator(Options);

        Assert.False(aggregator.HandleRequest(T0, Request(1, 200), Parent, [], []));

        Assert.False(aggregator.TryPollForward(out _));
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.BudgetTooSmall));
        Assert.True(aggregator.TryPollEvent(out var e));
        Assert.Equal(AggregationDropReason.BudgetTooSmall, Assert.IsType<AggregationInputRejected>(e).Reason);
        Assert.Equal(0, aggregator.RequestCount);
    }

    [Fact]
    public void HandleRequest_SameIdTwice_IsTakenOnceAndForwardedOnce()
    {
        var aggregator = new RequestAggregator(Options);

        Assert.True(aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], null));
        Assert.False(aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], null));

        Assert.True(aggregator.TryPollForward(out _));
        Assert.False(aggregator.TryPollForward(out _));
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicateRequest));
        Assert.False(aggregator.TryPollEvent(out _));
    }

    [Fact]
    public void HandleRequest_WhenFull_ForgetsTheOldestFinishedOrRefuses()
    {
        var aggregator = new RequestAggregator(Options);
        for (ulong id = 1; id <= 4; id++)
        {
            aggregator.HandleRequest(T0, Request(id, 2000), Parent, [ChildA], []);
        }

        Assert.False(aggregator.HandleRequest(T0, Request(5, 2000), Parent, [ChildA], []));
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.TooManyRequests));

        aggregator.HandleChildLost(T0, ChildA);
        Assert.True(aggregator.HandleRequest(T0, Request(5, 2000), Parent, [ChildA], []));

        Assert.Equal(4, aggregator.RequestCount);
        Assert.Equal(1, aggregator.Counters.RequestsForgotten);
    }

    [Fact]
    public void HandleReply_EveryKnownMemberAnswers_SendsTheExactPartialAtOnce()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [], [1, 2, 3]);

        aggregator.HandleReply(T0, new Reply(1, 1, 2.5));
        aggregator.HandleReply(T0, new Reply(1, 2, 20));
        Assert.False(aggregator.TryPollPartial(out _));
        aggregator.HandleReply(T0 + TimeSpan.FromMilliseconds(3), new Reply(1, 3, 7.5));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(Parent, sent.Parent);
        var p = sent.Partial;
        Assert.Equal(3UL, p.Count);
        Assert.Equal(30, p.Sum);
        Assert.Equal(10, p.Mean);
        Assert.Equal([2UL, 1UL], p.Histogram);
        Assert.True(p.MembershipKnown);
        Assert.Equal(3UL, p.MembersKnown);
        Assert.Equal(0UL, p.MissingCount);
        Assert.Equal(1U, p.PartialsMerged);
        Assert.True(aggregator.IsFinished(1));
        Assert.Equal(0, aggregator.Counters.FinishedAtDeadline);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(3) + Options.Linger, aggregator.PollTimeout());
    }

    [Fact]
    public void HandleReply_SameMemberTwice_IsCountedOnce()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [], [1, 2]);

        aggregator.HandleReply(T0, new Reply(1, 1, 5));
        aggregator.HandleReply(T0, new Reply(1, 1, 5));
        aggregator.HandleReply(T0, new Reply(1, 1, 9));
        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1800));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(1UL, sent.Partial.Count);
        Assert.Equal(5, sent.Partial.Sum);
        Assert.Equal(2, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicateReply));
        Assert.False(aggregator.TryPollEvent(out _));
    }

    [Fact]
    public void HandleTimeout_AtTheDeadline_CountsAndListsTheMembersThatDidNotAnswer()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [], [9, 4, 7, 1]);
        aggregator.HandleReply(T0, new Reply(1, 4, 1));
        aggregator.HandleReply(T0, new Reply(1, 50, 1));

        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1799));
        Assert.False(aggregator.TryPollPartial(out _));
        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1800));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(2UL, sent.Partial.Count);
        Assert.Equal(3UL, sent.Partial.MissingCount);
        Assert.Equal([1UL, 7, 9], sent.Partial.MissingMemberIds);
        Assert.Equal(5UL, sent.Partial.MembersKnown);
        Assert.True(sent.Partial.MembershipKnown);
        Assert.Equal(1, aggregator.Counters.FinishedAtDeadline);
    }

    [Fact]
    public void HandleReply_UnknownMembership_WaitsForTheDeadline()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [], null);

        aggregator.HandleReply(T0, new Reply(1, 1, 1));

        Assert.False(aggregator.TryPollPartial(out _));
        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1800));
        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.False(sent.Partial.MembershipKnown);
        Assert.Equal(0UL, sent.Partial.MissingCount);
    }

    [Fact]
    public void HandleReply_AfterThePartialWasSent_IsCountedLateOnceAndNeverFolded()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [], [1]);
        aggregator.HandleReply(T0, new Reply(1, 1, 5));
        Assert.True(aggregator.TryPollPartial(out var first));

        var later = T0 + TimeSpan.FromMilliseconds(10);
        aggregator.HandleReply(later, new Reply(1, 2, 100));
        aggregator.HandleReply(later, new Reply(1, 2, 100));
        aggregator.HandleReply(later, new Reply(1, 1, 5));

        Assert.False(aggregator.TryPollPartial(out _));
        Assert.Equal(later + Options.LateUpdateDelay, aggregator.PollTimeout());
        aggregator.HandleTimeout(later + Options.LateUpdateDelay);
        Assert.True(aggregator.TryPollPartial(out var update));
        Assert.True(update.Partial.IsLateUpdate);
        Assert.Equal(1UL, update.Partial.Late);
        Assert.Equal(0UL, update.Partial.Contributors);
        Assert.Equal(5, first.Partial.Sum);
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.LateReply));
        Assert.Equal(2, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicateReply));
        Assert.False(aggregator.TryPollPartial(out _));
    }

    [Fact]
    public void HandlePartial_EveryChildAnswers_MergesAndSendsAtOnce()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA, ChildB], []);

        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 1, 2, 3));
        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 1, 2, 3));
        Assert.False(aggregator.TryPollPartial(out _));
        aggregator.HandlePartial(T0, ChildB, ChildPartial(1, 30));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(4UL, sent.Partial.Count);
        Assert.Equal(36, sent.Partial.Sum);
        Assert.Equal(9, sent.Partial.Mean);
        Assert.Equal(3U, sent.Partial.PartialsMerged);
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicatePartial));
        Assert.Equal(2, aggregator.Counters.PartialsAccepted);
    }

    [Fact]
    public void HandlePartial_FromAGatewayNotExpected_IsRejectedWithAnEvent()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], []);

        aggregator.HandlePartial(T0, ChildB, ChildPartial(1, 5));

        Assert.True(aggregator.TryPollEvent(out var e));
        var rejected = Assert.IsType<AggregationInputRejected>(e);
        Assert.Equal(AggregationDropReason.UnknownChild, rejected.Reason);
        Assert.Equal(ChildB, rejected.From);
        Assert.False(aggregator.TryPollPartial(out _));
    }

    [Fact]
    public void HandlePartial_OtherBucketCount_IsRejectedAsSpecMismatch()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], []);

        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 5) with { Histogram = [1, 0, 0] });

        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.SpecMismatch));
        Assert.True(aggregator.TryPollEvent(out var e));
        Assert.Equal(AggregationError.BadBucketCount, Assert.IsType<AggregationInputRejected>(e).Error);
        Assert.False(aggregator.TryPollPartial(out _));
    }

    [Fact]
    public void HandleChildLost_CountsItsSubtreeMissingAndNamesItNeverAsZeroes()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA, ChildB], []);
        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 4, 6));

        aggregator.HandleChildLost(T0 + TimeSpan.FromMilliseconds(5), ChildB);

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(2UL, sent.Partial.Count);
        Assert.Equal(4, sent.Partial.Min);
        Assert.Equal(5, sent.Partial.Mean);
        Assert.Equal(1U, sent.Partial.MissingSubtreeCount);
        Assert.Equal([ChildB], sent.Partial.MissingSubtrees);
        Assert.False(sent.Partial.MembershipKnown);
        Assert.Equal(1, aggregator.Counters.SubtreesMissing);
    }

    [Fact]
    public void HandlePartial_FromALostChildBeforeTheDeadline_IsMergedAndNotMissing()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA, ChildB], null);
        aggregator.HandleChildLost(T0, ChildB);

        aggregator.HandlePartial(T0, ChildB, ChildPartial(1, 8));
        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1800));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(1UL, sent.Partial.Count);
        Assert.Equal([ChildA], sent.Partial.MissingSubtrees);
    }

    [Fact]
    public void HandlePartial_SilentChildAtTheDeadline_IsAMissingSubtree()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], []);

        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1800));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(0UL, sent.Partial.Count);
        Assert.Equal([ChildA], sent.Partial.MissingSubtrees);
    }

    [Fact]
    public void HandlePartial_AfterThePartialWasSent_CountsItsContributorsLate()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA], []);
        aggregator.HandleTimeout(T0 + TimeSpan.FromMilliseconds(1800));
        Assert.True(aggregator.TryPollPartial(out _));

        var later = T0 + TimeSpan.FromMilliseconds(1900);
        aggregator.HandlePartial(later, ChildA, ChildPartial(1, 1, 2, 3) with { Late = 2 });
        aggregator.HandlePartial(later, ChildA, ChildPartial(1, 1, 2, 3) with { Late = 2 });
        aggregator.HandleTimeout(later + Options.LateUpdateDelay);

        Assert.True(aggregator.TryPollPartial(out var update));
        Assert.True(update.Partial.IsLateUpdate);
        Assert.Equal(5UL, update.Partial.Late);
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.LatePartial));
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicatePartial));
    }

    [Fact]
    public void HandlePartial_LateUpdatesFromAChild_CountTheLargestOnce()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [ChildA, ChildB], []);
        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 1) with { Late = 1 });

        aggregator.HandlePartial(T0, ChildA, LateUpdate(1, 3));
        aggregator.HandlePartial(T0, ChildA, LateUpdate(1, 2));
        aggregator.HandlePartial(T0, ChildA, LateUpdate(1, 3));
        aggregator.HandlePartial(T0, ChildB, ChildPartial(1, 1));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(3UL, sent.Partial.Late);
        Assert.Equal(2UL, sent.Partial.Count);
        Assert.Equal(3, aggregator.Counters.LateUpdatesReceived);
    }

    [Fact]
    public void HandleRequest_AtSource_RaisesTheResultOnceThenLateCounts()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), null, [ChildA], [1]);
        aggregator.HandleReply(T0, new Reply(1, 1, 3));
        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 5));

        Assert.False(aggregator.TryPollPartial(out _));
        Assert.True(aggregator.TryPollEvent(out var e));
        var completed = Assert.IsType<AggregationCompleted>(e);
        Assert.Equal(2UL, completed.Result.Count);
        Assert.Equal(4, completed.Result.Mean);
        Assert.Equal(1U, completed.Result.PartialsMerged);
        Assert.False(completed.AtDeadline);

        aggregator.HandlePartial(T0, ChildA, LateUpdate(1, 4));
        aggregator.HandleTimeout(T0 + Options.LateUpdateDelay);
        Assert.True(aggregator.TryPollEvent(out var late));
        Assert.Equal(new LateAfterResult(1, 4), late);
        Assert.False(aggregator.TryPollEvent(out _));
    }

    [Fact]
    public void HandleTimeout_AfterTheLinger_ForgetsTheRequest()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), Parent, [], []);
        Assert.True(aggregator.IsFinished(1));

        aggregator.HandleTimeout(T0 + Options.Linger);
        aggregator.HandleReply(T0 + Options.Linger, new Reply(1, 1, 1));

        Assert.False(aggregator.IsHeld(1));
        Assert.Null(aggregator.PollTimeout());
        Assert.Equal(1, aggregator.Counters.RequestsForgotten);
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.UnknownRequest));
    }

    [Fact]
    public void HandleReplyPayload_Malformed_IsCountedUnderItsReasonAndRaised()
    {
        var aggregator = new RequestAggregator(Options);

        aggregator.HandleReplyPayload(T0, WireBuilders.Reply(value: double.NaN));

        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.Malformed));
        Assert.Equal(1, aggregator.Counters.MalformedBy(AggregationError.NonFiniteValue));
        Assert.True(aggregator.TryPollEvent(out var e));
        Assert.Equal(new AggregationInputRejected(AggregationDropReason.Malformed, AggregationError.NonFiniteValue, null, null), e);
    }

    [Fact]
    public void HandlePayloads_WellFormed_AreHandledLikeValues()
    {
        var aggregator = new RequestAggregator(Options);

        Assert.True(aggregator.HandleRequestPayload(T0, AggregationRequestCodec.Encode(Request(1, 2000)), Parent, [ChildA], [1]));
        aggregator.HandleReplyPayload(T0, ReplyCodec.Encode(new Reply(1, 1, 2)));
        aggregator.HandlePartialPayload(T0, ChildA, PartialAggregateCodec.Encode(ChildPartial(1, 4)));

        Assert.True(aggregator.TryPollPartial(out var sent));
        Assert.Equal(6, sent.Partial.Sum);
    }

    [Fact]
    public void HandlePartialPayload_ContributorsAboveMembers_IsRejected()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(7, 2000), Parent, [ChildA], null);

        aggregator.HandlePartialPayload(T0, ChildA, WireBuilders.Partial(flags: 0x01, members: 2));

        Assert.Equal(1, aggregator.Counters.MalformedBy(AggregationError.ContributorsExceedMembers));
        Assert.True(aggregator.TryPollEvent(out var e));
        Assert.Equal(ChildA, Assert.IsType<AggregationInputRejected>(e).From);
    }

    [Fact]
    public void HandlePartial_OpenChildren_TakesGatewaysNotNamedOnceEachAndNoneIsMissing()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), null, [], null, openChildren: true);
        aggregator.HandleReply(T0, new Reply(1, 7, 1));

        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 5, 6));
        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 5, 6));
        aggregator.HandlePartial(T0, ChildB, ChildPartial(1, 20));
        aggregator.HandleTimeout(T0 + TimeSpan.FromSeconds(2));

        Assert.True(aggregator.TryPollEvent(out var e));
        var result = Assert.IsType<AggregationCompleted>(e).Result;
        Assert.Equal((4UL, 32.0), (result.Contributors, result.Sum));
        Assert.Equal(0u, result.MissingSubtreeCount);
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicatePartial));
        Assert.Equal(2, aggregator.Counters.PartialsAccepted);
    }

    [Fact]
    public void HandlePartial_OpenChildAfterTheResult_CountedLateOnce()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), null, [], null, openChildren: true);
        aggregator.HandleTimeout(T0 + TimeSpan.FromSeconds(2));
        Assert.True(aggregator.TryPollEvent(out _));

        aggregator.HandlePartial(T0 + TimeSpan.FromSeconds(3), ChildA, ChildPartial(1, 5, 6));
        aggregator.HandlePartial(T0 + TimeSpan.FromSeconds(3), ChildA, ChildPartial(1, 5, 6));
        aggregator.HandleTimeout(aggregator.PollTimeout()!.Value);

        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.LatePartial));
        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.DuplicatePartial));
        Assert.True(aggregator.TryPollEvent(out var e));
        Assert.Equal(2UL, Assert.IsType<LateAfterResult>(e).Late);
    }

    [Fact]
    public void HandlePartial_ClosedChildren_StillRejectsGatewaysNotNamed()
    {
        var aggregator = new RequestAggregator(Options);
        aggregator.HandleRequest(T0, Request(1, 2000), null, [], null);

        aggregator.HandlePartial(T0, ChildA, ChildPartial(1, 5));

        Assert.Equal(1, aggregator.Counters.DroppedBy(AggregationDropReason.UnknownChild));
    }

    private static AggregationRequest Request(ulong id, int budgetMs) => new(id, Spec, TimeSpan.FromMilliseconds(budgetMs));

    private static PartialAggregate ChildPartial(ulong requestId, params double[] values)
    {
        var accumulator = new AggregateAccumulator(Spec);
        ulong member = 1000;
        foreach (var value in values)
        {
            accumulator.Add(new Reply(requestId, member++, value));
        }

        accumulator.AddMembers((ulong)values.Length, known: true);
        accumulator.AddPartials(1);
        return accumulator.ToPartial(requestId);
    }

    private static PartialAggregate LateUpdate(ulong requestId, ulong late) => new() { RequestId = requestId, IsLateUpdate = true, Late = late };
}
