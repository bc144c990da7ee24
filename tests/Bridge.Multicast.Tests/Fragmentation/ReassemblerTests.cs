using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Fragmentation;

/// <summary>
/// <see cref="Reassembler"/>: messages rebuilt whatever the order and duplication of their
/// fragments; the bounds (eviction, refusal, timeout driven only by the <c>now</c> passed in);
/// fragments that contradict each other; every loss reported once; and the memory of ended
/// messages that turns their stragglers into late fragments.
/// </summary>
public sealed class ReassemblerTests
{
    private const int Atomic = 200; // 127 payload bytes per fragment with the 23-byte name
    private static readonly byte[] GroupA = "ham:ip:239.192.0.7:5000"u8.ToArray();
    private static readonly byte[] GroupB = "ham:ip:239.192.0.8:5000"u8.ToArray();
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    [Property(Arbitrary = [typeof(ReassemblyCases)], MaxTest = 200)]
    public void HandleFragment_AnyOrderWithDuplicates_CompletesEachMessageOnceWithItsPayload(ReassemblyCase test)
    {
        var reassembler = new Reassembler();
        var payloads = test.PayloadLengths.Select((length, m) => Payload(length, seed: m)).ToArray();
        var fragments = payloads.Select((p, m) => Fragments(p, test.AtomicSize, sequence: (ulong)m + 1)).ToArray();
        var seen = payloads.Select(_ => new HashSet<int>()).ToArray();
        var completed = new ReassembledMessage?[payloads.Length];
        var duplicatesBeforeCompletion = 0;
        var lateAfterCompletion = 0;
        var completions = 0;

        foreach (var (m, index) in test.Arrivals)
        {
            var fresh = seen[m].Add(index);
            var accepted = reassembler.HandleFragment(T0, fragments[m][index], out var message);
            completions += message is null ? 0 : 1;
            if (completed[m] is not null)
            {
                // A straggler of a delivered multi-fragment message starts nothing; a whole message comes
                // back again, since de-duplicating whole messages is the caller's job.
                var whole = fragments[m].Length == 1;
                Assert.Equal(whole, accepted);
                Assert.Equal(whole, message is not null);
                lateAfterCompletion += whole ? 0 : 1;
                continue;
            }

            if (!fresh)
            {
                duplicatesBeforeCompletion++;
            }

            Assert.Equal(fresh, accepted);
            Assert.Equal(seen[m].Count == fragments[m].Length, message is not null);
            completed[m] = message;
        }

        for (var m = 0; m < payloads.Length; m++)
        {
            var message = completed[m];
            Assert.NotNull(message);
            Assert.Equal(payloads[m], message.Payload.ToArray());
            Assert.Equal((ulong)m + 1, message.Sequence);
            Assert.Equal(GroupA, message.Group.ToArray());
            Assert.Equal(ContentType.GooseApdu, message.ContentType);
        }

        Assert.Equal(completions, reassembler.Counters.Completed);
        Assert.Equal(duplicatesBeforeCompletion, reassembler.Counters.DuplicateFragments);
        Assert.Equal(lateAfterCompletion, reassembler.Counters.LateFragments);
        Assert.Equal(fragments.Count(f => f.Length > 1), reassembler.RememberedMessages);
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.BufferedBytes);
        Assert.Equal((0L, 0L), (reassembler.Counters.PendingMessages, reassembler.Counters.BufferedBytes));
        Assert.Null(reassembler.PollTimeout());
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_WholeMessage_ComesStraightBackHoldingNothing()
    {
        var reassembler = new Reassembler();
        var frame = Assert.Single(Fragments(Payload(50), Atomic, sequence: 3));

        Assert.True(reassembler.HandleFragment(T0, frame, out var message));

        Assert.NotNull(message);
        Assert.Equal(Payload(50), message.Payload.ToArray());
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Null(reassembler.PollTimeout());
        Assert.Equal(1, reassembler.Counters.Completed);
    }

    [Fact]
    public void HandleFragment_FirstFragment_ReservesWholeLengthAndArmsTimeoutFromItsArrival()
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(1000), Atomic, sequence: 1);

        Assert.True(reassembler.HandleFragment(T0, fragments[3], out var message));

        Assert.Null(message);
        Assert.Equal(1, reassembler.PendingMessages);
        Assert.Equal(1000, reassembler.BufferedBytes);
        Assert.Equal((1L, 1000L), (reassembler.Counters.PendingMessages, reassembler.Counters.BufferedBytes));
        Assert.Equal(T0 + reassembler.Options.Timeout, reassembler.PollTimeout());
    }

    [Fact]
    public void HandleFragment_OutputPayload_IsOwnedCopy()
    {
        var reassembler = new Reassembler();
        var datagrams = Datagrams(Payload(300), Atomic, sequence: 1);
        ReassembledMessage? message = null;
        foreach (var datagram in datagrams)
        {
            Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var frame, out _));
            reassembler.HandleFragment(T0, frame, out message);
        }

        foreach (var datagram in datagrams)
        {
            Array.Clear(datagram);
        }

        Assert.NotNull(message);
        Assert.Equal(Payload(300), message.Payload.ToArray());
        Assert.Equal(GroupA, message.Group.ToArray());
    }

    [Fact]
    public void HandleTimeout_BeforeDeadline_KeepsMessage()
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(1000), Atomic, sequence: 1);
        reassembler.HandleFragment(T0, fragments[0], out _);

        reassembler.HandleTimeout(T0 + reassembler.Options.Timeout - TimeSpan.FromTicks(1));

        Assert.Equal(1, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.Counters.Expired);
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleTimeout_AtDeadline_ExpiresMessageAndReportsItLost()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { Timeout = TimeSpan.FromMilliseconds(500) });
        var fragments = Fragments(Payload(1000), Atomic, sequence: 9);
        reassembler.HandleFragment(T0, fragments[0], out _);
        reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(400), fragments[1], out _);

        reassembler.HandleTimeout(T0 + TimeSpan.FromMilliseconds(500));

        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.BufferedBytes);
        Assert.Null(reassembler.PollTimeout());
        Assert.Equal(1, reassembler.Counters.Expired);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal(new LostMessage(lost.Group, 0xABCDEF, 9, ReassemblyLoss.Expired, 2, fragments.Length), lost);
        Assert.Equal(GroupA, lost.Group.ToArray());
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_LastFragmentAtDeadline_DoesNotCompleteExpiredMessageNorRestartIt()
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(300), Atomic, sequence: 1);
        reassembler.HandleFragment(T0, fragments[0], out _);
        reassembler.HandleFragment(T0, fragments[1], out _);

        // No HandleTimeout call: the fragment's own arrival time decides.
        var accepted = reassembler.HandleFragment(T0 + reassembler.Options.Timeout, fragments[2], out var message);

        Assert.False(accepted);
        Assert.Null(message);
        Assert.Equal(1, reassembler.Counters.Expired);
        Assert.Equal(1, reassembler.Counters.LateFragments);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal(ReassemblyLoss.Expired, lost.Reason);
        Assert.False(reassembler.TryPollLost(out _));
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Null(reassembler.PollTimeout());
    }

    [Fact]
    public void HandleFragment_ExpiredMessage_IsRememberedForTimeoutAfterItsDeadlineWhenEverHandleTimeoutCame()
    {
        var timeout = TimeSpan.FromMilliseconds(500);
        var reassembler = new Reassembler(new ReassemblyOptions { Timeout = timeout });
        var fragments = Fragments(Payload(1000), Atomic, sequence: 1);
        var deadline = T0 + timeout;
        reassembler.HandleFragment(T0, fragments[0], out _);

        // The driver's timer fires late; the message still ended at its deadline.
        reassembler.HandleTimeout(deadline + TimeSpan.FromMilliseconds(300));
        var lateJustBefore = reassembler.HandleFragment(deadline + timeout - TimeSpan.FromTicks(1), fragments[1], out _);
        var freshAtForgetTime = reassembler.HandleFragment(deadline + timeout, fragments[2], out _);

        Assert.False(lateJustBefore);
        Assert.True(freshAtForgetTime);
        Assert.Equal(1, reassembler.Counters.LateFragments);
        Assert.Equal(1, reassembler.PendingMessages);
        Assert.Equal(deadline + timeout + timeout, reassembler.PollTimeout());
        Assert.True(reassembler.TryPollLost(out _));
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void PollTimeout_OldestCompletes_IsNextOldestDeadline()
    {
        var reassembler = new Reassembler();
        var first = Fragments(Payload(300), Atomic, sequence: 1);
        var second = Fragments(Payload(300), Atomic, sequence: 2);
        reassembler.HandleFragment(T0, first[0], out _);
        reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(10), second[0], out _);

        reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(20), first[1], out _);
        reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(20), first[2], out var message);

        Assert.NotNull(message);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(10) + reassembler.Options.Timeout, reassembler.PollTimeout());
    }

    [Fact]
    public void HandleFragment_MorePendingThanAllowed_EvictsOldestAndReportsIt()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxPendingMessages = 2 });
        var messages = Enumerable.Range(1, 3).Select(s => Fragments(Payload(300), Atomic, sequence: (ulong)s)).ToArray();
        reassembler.HandleFragment(T0, messages[0][0], out _);
        reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(1), messages[1][0], out _);

        Assert.True(reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(2), messages[2][0], out _));

        Assert.Equal(2, reassembler.PendingMessages);
        Assert.Equal(1, reassembler.Counters.Evicted);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal((1UL, ReassemblyLoss.Evicted), (lost.Sequence, lost.Reason));
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(1) + reassembler.Options.Timeout, reassembler.PollTimeout());

        // The evicted message's remaining fragments cannot complete it, since its first one is
        // gone, and must not start it again, which would evict another.
        Assert.False(reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(3), messages[0][1], out var first));
        Assert.False(reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(3), messages[0][2], out first));
        Assert.Null(first);
        Assert.Equal(2, reassembler.Counters.LateFragments);
        Assert.Equal(1, reassembler.Counters.Evicted);
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_StragglersOfEvictedMessageUnderOverload_NeitherThrashNorReportItAgain()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxPendingMessages = 1 });
        var first = Fragments(Payload(300, seed: 1), Atomic, sequence: 1);
        var second = Fragments(Payload(300, seed: 2), Atomic, sequence: 2);
        var completed = new List<ulong>();
        var losses = new List<(ulong, ReassemblyLoss)>();

        // Two messages' fragments interleaved, with room for one.
        for (var i = 0; i < first.Length; i++)
        {
            foreach (var fragment in new[] { first[i], second[i] })
            {
                reassembler.HandleFragment(T0, fragment, out var message);
                if (message is not null)
                {
                    completed.Add(message.Sequence);
                }

                while (reassembler.TryPollLost(out var lost))
                {
                    losses.Add((lost.Sequence, lost.Reason));
                }
            }
        }

        reassembler.HandleTimeout(T0 + TimeSpan.FromHours(1));
        while (reassembler.TryPollLost(out var lost))
        {
            losses.Add((lost.Sequence, lost.Reason));
        }

        Assert.Equal([2UL], completed);
        Assert.Equal([(1UL, ReassemblyLoss.Evicted)], losses);
        Assert.Equal(1, reassembler.Counters.Evicted);
        Assert.Equal(2, reassembler.Counters.LateFragments);
    }

    [Fact]
    public void HandleFragment_StragglerOfCompletedMessage_IsLateAndNeverExpiresAsFalseLoss()
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(300), Atomic, sequence: 1);
        foreach (var fragment in fragments)
        {
            reassembler.HandleFragment(T0, fragment, out _);
        }

        var accepted = reassembler.HandleFragment(T0 + TimeSpan.FromMilliseconds(50), fragments[1], out var message);
        reassembler.HandleTimeout(T0 + TimeSpan.FromHours(1));

        Assert.False(accepted);
        Assert.Null(message);
        Assert.Equal(1, reassembler.Counters.LateFragments);
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.Counters.Expired);
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_MoreMessagesEndThanRemembered_ForgetsThoseThatEndedFirst()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxRememberedMessages = 2 });
        var messages = Enumerable.Range(1, 3).Select(s => Fragments(Payload(300), Atomic, sequence: (ulong)s)).ToArray();
        foreach (var message in messages)
        {
            reassembler.HandleFragment(T0, message[0], out _);
            reassembler.HandleFragment(T0, message[1], out _);
            reassembler.HandleFragment(T0, message[2], out _);
        }

        Assert.Equal(2, reassembler.RememberedMessages);
        Assert.Equal(2L, reassembler.Counters.RememberedMessages);
        Assert.True(reassembler.HandleFragment(T0, messages[0][0], out _)); // forgotten: starts afresh
        Assert.False(reassembler.HandleFragment(T0, messages[2][0], out _)); // remembered: late
        Assert.Equal(2, reassembler.RememberedMessages);
    }

    [Fact]
    public void HandleFragment_MoreBytesThanAllowed_EvictsOldestUntilNewMessageFits()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxBufferedBytes = 2500 });
        var messages = Enumerable.Range(1, 3).Select(s => Fragments(Payload(1000), Atomic, sequence: (ulong)s)).ToArray();
        reassembler.HandleFragment(T0, messages[0][0], out _);
        reassembler.HandleFragment(T0, messages[1][0], out _);
        Assert.Equal(2000, reassembler.BufferedBytes);

        reassembler.HandleFragment(T0, messages[2][0], out _);

        Assert.Equal(2000, reassembler.BufferedBytes);
        Assert.Equal(2000, reassembler.Counters.BufferedBytes);
        Assert.Equal(1, reassembler.Counters.Evicted);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal(1UL, lost.Sequence);
    }

    [Fact]
    public void HandleFragment_MessageLongerThanMaxBufferedBytes_IsRefusedAndReportedLostOnceAsTooLarge()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxBufferedBytes = 999 });
        var fragments = Fragments(Payload(1000), Atomic, sequence: 4);

        foreach (var fragment in fragments.Reverse())
        {
            Assert.False(reassembler.HandleFragment(T0, fragment, out var message));
            Assert.Null(message);
        }

        Assert.Equal(1, reassembler.Counters.Refused);
        Assert.Equal(fragments.Length - 1, reassembler.Counters.LateFragments);
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.BufferedBytes);
        Assert.Null(reassembler.PollTimeout());
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal(new LostMessage(lost.Group, 0xABCDEF, 4, ReassemblyLoss.TooLarge, 1, fragments.Length), lost);
        Assert.Equal(GroupA, lost.Group.ToArray());
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_MessageLongerThanMaxBufferedBytes_EvictsNothingAlreadyHeld()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxBufferedBytes = 999, MaxPendingMessages = 1 });
        var held = Fragments(Payload(300), Atomic, sequence: 1);
        reassembler.HandleFragment(T0, held[0], out _);

        reassembler.HandleFragment(T0, Fragments(Payload(1000), Atomic, sequence: 2)[0], out _);
        reassembler.HandleFragment(T0, held[1], out _);
        reassembler.HandleFragment(T0, held[2], out var message);

        Assert.NotNull(message);
        Assert.Equal(0, reassembler.Counters.Evicted);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal((2UL, ReassemblyLoss.TooLarge), (lost.Sequence, lost.Reason));
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_MessageOfExactlyMaxBufferedBytes_IsReassembled()
    {
        var reassembler = new Reassembler(new ReassemblyOptions { MaxBufferedBytes = 1000 });
        ReassembledMessage? message = null;

        foreach (var fragment in Fragments(Payload(1000), Atomic, sequence: 1))
        {
            Assert.True(reassembler.HandleFragment(T0, fragment, out message));
        }

        Assert.NotNull(message);
        Assert.Equal(Payload(1000), message.Payload.ToArray());
    }

    [Fact]
    public void HandleFragment_SameFragmentTwice_SecondIsDuplicateAndMessageStillCompletes()
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(300), Atomic, sequence: 1);
        reassembler.HandleFragment(T0, fragments[1], out _);

        Assert.False(reassembler.HandleFragment(T0, fragments[1], out var duplicate));
        reassembler.HandleFragment(T0, fragments[0], out _);
        reassembler.HandleFragment(T0, fragments[2], out var message);

        Assert.Null(duplicate);
        Assert.Equal(1, reassembler.Counters.DuplicateFragments);
        Assert.NotNull(message);
        Assert.Equal(Payload(300), message.Payload.ToArray());
    }

    /// <summary>A second fragment of message 1, each contradicting the first (fragment 0 of 3, 127 of 300 bytes, GooseApdu, Data).</summary>
    public static TheoryData<string, GridCastFrame> Contradictions()
    {
        var first = Fragments(Payload(300), Atomic, sequence: 1)[0];
        return new TheoryData<string, GridCastFrame>
        {
            { "another fragment count", Fragments(Payload(300), 150, sequence: 1)[1] },
            { "another message length", Fragments(Payload(301), Atomic, sequence: 1)[1] },
            { "another fragment size, same count and length", first with { FragmentIndex = 1, Payload = new byte[100] } },
            { "another frame type", Fragments(Payload(300), Atomic, sequence: 1)[1] with { Type = FrameType.Request } },
            { "another content type", Fragments(Payload(300), Atomic, sequence: 1)[1] with { ContentType = ContentType.Raw } },
            { "the last-value flag only on one", Fragments(Payload(300), Atomic, sequence: 1)[1] with { Flags = FrameFlags.LastValue } },
        };
    }

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void HandleFragment_ContradictsEarlierFragment_DropsWholeMessage(string contradiction, GridCastFrame second)
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(300), Atomic, sequence: 1);
        reassembler.HandleFragment(T0, fragments[0], out _);

        var accepted = reassembler.HandleFragment(T0, second, out var message);

        Assert.False(accepted, contradiction);
        Assert.Null(message);
        Assert.Equal(1, reassembler.Counters.InconsistentFragments);
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.BufferedBytes);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal((1UL, ReassemblyLoss.Inconsistent, 1), (lost.Sequence, lost.Reason, lost.FragmentsReceived));

        // The genuine rest of the message can no longer be trusted either: late, not a new reassembly.
        Assert.False(reassembler.HandleFragment(T0, fragments[2], out _));
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(1, reassembler.Counters.LateFragments);
        Assert.False(reassembler.TryPollLost(out _));
    }

    [Fact]
    public void HandleFragment_OneFragmentIsRepairCopy_CompletesWithRetransmissionFlag()
    {
        var reassembler = new Reassembler();
        var fragments = Fragments(Payload(300), Atomic, sequence: 1);
        reassembler.HandleFragment(T0, fragments[0], out _);
        reassembler.HandleFragment(T0, fragments[1] with { Flags = FrameFlags.Retransmission }, out _);

        reassembler.HandleFragment(T0, fragments[2], out var message);

        Assert.NotNull(message);
        Assert.Equal(FrameFlags.Retransmission, message.Flags);
        Assert.Equal(0, reassembler.Counters.InconsistentFragments);
    }

    [Fact]
    public void HandleFragment_SameSequenceOtherSourceOrGroup_AreSeparateMessages()
    {
        var reassembler = new Reassembler();
        var fromA = Fragments(Payload(300, seed: 1), Atomic, sequence: 5);
        var fromOtherSource = Fragments(Payload(300, seed: 2), Atomic, sequence: 5, sourceId: 0x1234);
        var toOtherGroup = Fragments(Payload(300, seed: 3), Atomic, sequence: 5, group: GroupB);
        var completed = new List<ReassembledMessage>();

        for (var i = 0; i < fromA.Length; i++)
        {
            foreach (var fragment in new[] { fromA[i], fromOtherSource[i], toOtherGroup[i] })
            {
                Assert.True(reassembler.HandleFragment(T0, fragment, out var message));
                if (message is not null)
                {
                    completed.Add(message);
                }
            }
        }

        Assert.Equal([Payload(300, seed: 1), Payload(300, seed: 2), Payload(300, seed: 3)], completed.Select(m => m.Payload.ToArray()));
        Assert.Equal(0, reassembler.Counters.InconsistentFragments);
    }

    [Fact]
    public void Discard_Group_ForgetsThatGroupsEndedMessagesOnly()
    {
        var reassembler = new Reassembler();
        var inA = Fragments(Payload(300), Atomic, sequence: 1);
        var inB = Fragments(Payload(300), Atomic, sequence: 1, group: GroupB);
        foreach (var fragment in inA.Concat(inB))
        {
            reassembler.HandleFragment(T0, fragment, out _);
        }

        reassembler.Discard(GroupA);

        Assert.Equal(1, reassembler.RememberedMessages);
        Assert.True(reassembler.HandleFragment(T0, inA[0], out _));
        Assert.False(reassembler.HandleFragment(T0, inB[0], out _));
    }

    [Fact]
    public void Discard_Group_ForgetsOnlyThatGroupsMessagesUnreported()
    {
        var reassembler = new Reassembler();
        reassembler.HandleFragment(T0, Fragments(Payload(300), Atomic, sequence: 1)[0], out _);
        reassembler.HandleFragment(T0, Fragments(Payload(500), Atomic, sequence: 1, group: GroupB)[0], out _);
        reassembler.HandleFragment(T0, Fragments(Payload(300), Atomic, sequence: 2)[0], out _);

        var discarded = reassembler.Discard(GroupA);

        Assert.Equal(2, discarded);
        Assert.Equal(1, reassembler.PendingMessages);
        Assert.Equal(500, reassembler.BufferedBytes);
        Assert.Equal((1L, 500L), (reassembler.Counters.PendingMessages, reassembler.Counters.BufferedBytes));
        Assert.False(reassembler.TryPollLost(out _));
        reassembler.HandleTimeout(T0 + reassembler.Options.Timeout);
        Assert.True(reassembler.TryPollLost(out var lost));
        Assert.Equal(GroupB, lost.Group.ToArray());
    }

    [Fact]
    public void HandleFragment_FieldsTheDecoderRejects_ThrowsArgumentException()
    {
        var reassembler = new Reassembler();
        var invalid = Fragments(Payload(300), Atomic, sequence: 1)[0] with { FragmentCount = 0 };

        var exception = Assert.Throws<ArgumentException>(() => reassembler.HandleFragment(T0, invalid, out _));

        Assert.Equal("fragment", exception.ParamName);
    }

    [Theory]
    [InlineData(0L, 1, 1000, 1)]
    [InlineData(1L, 0, 1000, 1)]
    [InlineData(1L, 1, 0, 1)]
    [InlineData(1L, 1, -1, 1)]
    [InlineData(1L, 1, 1000, 0)]
    public void Constructor_BoundNotPositive_Throws(long maxBytes, int maxPending, int timeoutMs, int maxRemembered)
    {
        var options = new ReassemblyOptions
        {
            MaxBufferedBytes = maxBytes,
            MaxPendingMessages = maxPending,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            MaxRememberedMessages = maxRemembered,
        };

        Assert.Throws<ArgumentOutOfRangeException>(() => new Reassembler(options));
    }

    internal static byte[] Payload(int length, int seed = 0) =>
        [.. Enumerable.Range(0, length).Select(i => (byte)((i * 7) + (seed * 13)))];

    /// <summary>The encoded fragments of a message, as a sender would transmit them.</summary>
    internal static byte[][] Datagrams(byte[] payload, int atomic, ulong sequence, ulong sourceId = 0xABCDEF, byte[]? group = null)
    {
        var message = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.GooseApdu,
            Group = group ?? GroupA,
            SourceId = sourceId,
            Sequence = sequence,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = payload,
        };
        return [.. MessageFragmenter.Split(message, atomic).Select(f =>
        {
            var datagram = new byte[FrameCodec.GetEncodedSize(f)];
            FrameCodec.Encode(f, datagram);
            return datagram;
        })];
    }

    /// <summary>The fragments of a message as a receiver decodes them, each over its own datagram.</summary>
    internal static GridCastFrame[] Fragments(byte[] payload, int atomic, ulong sequence, ulong sourceId = 0xABCDEF, byte[]? group = null) =>
        [.. Datagrams(payload, atomic, sequence, sourceId, group).Select(d =>
        {
            Assert.True(FrameCodec.TryDecodeDatagram(d, out var frame, out var error), $"rejected: {error}");
            return frame;
        })];
}

/// <summary>Messages (their payload lengths), the atomic size, and the order fragments arrive in (message, fragment), duplicates included.</summary>
public sealed record ReassemblyCase(int[] PayloadLengths, int AtomicSize, (int Message, int Fragment)[] Arrivals)
{
    public override string ToString() =>
        $"payloads [{string.Join(", ", PayloadLengths)}], atomic {AtomicSize}, arrivals {string.Join(" ", Arrivals.Select(a => $"{a.Message}:{a.Fragment}"))}";
}

/// <summary>FsCheck generators for <see cref="ReassemblerTests"/>.</summary>
public static class ReassemblyCases
{
    public static Arbitrary<ReassemblyCase> Cases() => Arb.From(
        from atomic in Gen.Choose(74, 1500)
        let capacity = atomic - FrameCodec.HeaderSize - 23
        from messageCount in Gen.Choose(1, 3)
        from lengths in Gen.Frequency(
            (1, Gen.Elements(0, 1, capacity, capacity + 1)),
            (4, Gen.Choose(0, Math.Min(30_000, capacity * 300)))).ArrayOf(messageCount)
        let counts = lengths.Select(l => Math.Max(1, (l + capacity - 1) / capacity)).ToArray()
        let all = counts.SelectMany((c, m) => Enumerable.Range(0, c).Select(i => (m, i))).ToArray()
        from duplicateCount in Gen.Choose(0, Math.Min(20, all.Length))
        from duplicates in Gen.Elements(all).ArrayOf(duplicateCount)
        let arrivals = all.Concat(duplicates).ToArray()
        from keys in Gen.Choose(0, int.MaxValue).ArrayOf(arrivals.Length)
        select new ReassemblyCase(lengths, atomic, [.. arrivals.Zip(keys).OrderBy(p => p.Second).Select(p => p.First)]));
}
