using System.Buffers;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Flooding;

/// <summary>One <see cref="LinkStateFlooding"/> fed by hand, message by message.</summary>
public sealed class LinkStateFloodingTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId A = new("a");
    private static readonly GatewayId B = new("b");
    private static readonly GatewayId C = new("c");
    private static readonly GatewayId X = new("x");

    private static readonly FloodingOptions Options = new()
    {
        RetransmitInterval = 100 * Ms,
        RefreshInterval = TimeSpan.FromSeconds(10),
        MaxAge = TimeSpan.FromSeconds(30),
    };

    public static TheoryData<byte[]> Garbage() => new()
    {
        Array.Empty<byte>(),
        new byte[] { 7 },
        new byte[] { 1, 0, 0, 0, 0, 0 },
        new byte[] { 1, 0, 0, 0, 0, 1, (byte)'x', 0 },
        new byte[] { 2, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void HandleMessage_Garbage_IsCountedAndDroppedWithoutThrowing(byte[] garbage)
    {
        var a = Started(A, B);

        a.HandleMessage(Ms, B, garbage);

        Assert.Equal(1, a.Counters.Malformed);
        Assert.False(a.TryPollTransmit(out _));
        Assert.Equal(1, a.Database.Count);
    }

    [Fact]
    public void HandleMessage_FromGatewayThatIsNotANeighbor_IsDropped()
    {
        var a = Started(A, B);

        a.HandleMessage(Ms, C, Advertisement(Lsa(C, 1, A), age: 0));

        Assert.Equal(1, a.Counters.FromNonNeighbor);
        Assert.False(a.Database.TryGet(C, out _));
    }

    [Fact]
    public void HandleMessage_NewAdvertisement_IsInstalledAckedAndFloodedToTheOtherNeighbors()
    {
        var a = Started(A, B, C);

        a.HandleMessage(Ms, B, Advertisement(Lsa(X, 5, B), age: 0));

        Assert.True(a.Database.TryGet(X, out var held));
        Assert.Equal(5UL, held.Sequence);
        var sent = Drain(a);
        Assert.Contains(sent, s => s.To == B && s.Message.Kind == FloodingMessageKind.Ack && s.Message.Origin == X && s.Message.Sequence == 5);
        Assert.Contains(sent, s => s.To == C && s.Message.Kind == FloodingMessageKind.Advertisement && s.Message.Origin == X);
        Assert.DoesNotContain(sent, s => s.To == B && s.Message.Kind == FloodingMessageKind.Advertisement);
        Assert.True(a.TryPollEvent(out var raised));
        Assert.Equal(X, Assert.IsType<DatabaseChanged>(raised).Origin);
    }

    [Fact]
    public void HandleMessage_OlderAdvertisement_IsAnsweredWithTheNewerCopy()
    {
        var a = Started(A, B);
        a.HandleMessage(Ms, B, Advertisement(Lsa(X, 5, B), age: 0));
        Drain(a);

        a.HandleMessage(2 * Ms, B, Advertisement(Lsa(X, 3, B), age: 0));

        var (to, message) = Assert.Single(Drain(a));
        Assert.Equal(B, to);
        Assert.Equal((FloodingMessageKind.Advertisement, X, 5UL), (message.Kind, message.Origin, message.Sequence));
    }

    [Fact]
    public void HandleTimeout_NoAck_RetransmitsAfterTheIntervalUntilAcked()
    {
        var a = Started(A, B);
        // B came up within the minimum interval of the first issue: the re-issue that adds it waits.
        Assert.Equal(Options.MinOriginationInterval, a.PollTimeout());
        a.HandleTimeout(Options.MinOriginationInterval);
        var issued = Assert.Single(Drain(a)).Message;
        var sentAt = Options.MinOriginationInterval;
        Assert.Equal(sentAt + (100 * Ms), a.PollTimeout());

        a.HandleTimeout(sentAt + (100 * Ms));
        var (to, message) = Assert.Single(Drain(a));
        Assert.Equal((B, FloodingMessageKind.Advertisement, A, issued.Sequence), (to, message.Kind, message.Origin, message.Sequence));
        Assert.Equal(1, a.Counters.Retransmissions);
        Assert.Equal(sentAt + (300 * Ms), a.PollTimeout()); // the wait doubles

        a.HandleMessage(sentAt + (150 * Ms), B, Ack(A, message.Sequence));
        Assert.Equal(0, a.PendingCount);
        Assert.Equal(sentAt + Options.RefreshInterval, a.PollTimeout());
    }

    [Fact]
    public void HandleTimeout_AfterMaxAge_RemovesAndRefusesAnOldCopy()
    {
        var a = Started(A, B);
        a.HandleMessage(Ms, B, Advertisement(Lsa(X, 5, B), age: 1000));
        Drain(a);
        Ack(a, B);

        var expiry = Ms - TimeSpan.FromSeconds(1) + Options.MaxAge;
        a.HandleTimeout(expiry);
        Assert.False(a.Database.TryGet(X, out _));

        a.HandleMessage(expiry + Ms, B, Advertisement(Lsa(X, 5, B), age: 0));
        Assert.False(a.Database.TryGet(X, out _));
        Assert.Equal(1, a.Counters.Expired);

        a.HandleMessage(expiry + (2 * Ms), B, Advertisement(Lsa(X, 6, B), age: 0));
        Assert.True(a.Database.TryGet(X, out _), "a newer advertisement is welcome");
    }

    [Fact]
    public void HandleMessage_CopyOfOurOwnNumberedHigher_JumpsPastIt()
    {
        var a = Started(A, B);

        a.HandleMessage(Ms, B, Advertisement(Lsa(A, 40, B), age: 0));

        Assert.Equal(41UL, a.OwnSequence);
        Assert.True(a.Database.TryGet(A, out var own));
        Assert.Equal(41UL, own.Sequence);
        Assert.Contains(Drain(a), s => s.To == B && s.Message.Kind == FloodingMessageKind.Advertisement && s.Message.Sequence == 41);
    }

    [Fact]
    public void NeighborUp_SendsTheWholeDatabase()
    {
        var a = Started(A, B);
        a.HandleMessage(Ms, B, Advertisement(Lsa(X, 5, B), age: 0));
        Drain(a);

        a.NeighborUp(2 * Ms, C, 10);

        // The others' advertisements at once; ours, which must now list C, when the minimum interval ends.
        Assert.Equal([X], Drain(a).Where(s => s.To == C).Select(s => s.Message.Origin).ToList());
        a.HandleTimeout(Options.MinOriginationInterval);
        var (to, own) = Assert.Single(Drain(a), s => s.To == C);
        Assert.Equal((A, a.OwnSequence), (own.Origin, own.Sequence));
        Assert.Contains(own.Advertisement!.Links, l => l.Neighbor == C);
    }

    [Fact]
    public void SetGroups_Changed_ReissuesWithAHigherNumber_UnchangedDoesNothing()
    {
        var a = Started(A, B);
        var before = a.OwnSequence;
        var tariff = GroupName.Parse("ham:sg:ami.tariff.rtp");

        a.SetGroups(Ms, [tariff]);
        a.SetGroups(2 * Ms, [tariff]);
        a.HandleTimeout(Options.MinOriginationInterval); // the change waits out the minimum interval

        Assert.Equal(before + 1, a.OwnSequence);
        Assert.Equal([A], a.Database.InterestedIn(tariff));
    }

    [Fact]
    public void Changes_WithinMinOriginationInterval_AreIssuedOnceWhenItEnds()
    {
        var a = new LinkStateFlooding(A, TimeSpan.Zero, Options);
        var first = a.OwnSequence;
        var tariff = GroupName.Parse("ham:sg:ami.tariff.rtp");

        a.NeighborUp(10 * Ms, B, 10);
        a.NeighborUp(20 * Ms, C, 10);
        a.SetGroups(30 * Ms, [tariff]);

        // Nothing is issued yet: the held copy lacks the new links, so the new neighbours get ours with the batch.
        Assert.Empty(Drain(a));
        Assert.Equal(first, a.OwnSequence);
        Assert.Equal(Options.MinOriginationInterval, a.PollTimeout());

        a.HandleTimeout(Options.MinOriginationInterval);

        Assert.Equal(first + 1, a.OwnSequence);
        Assert.True(a.Database.TryGet(A, out var own));
        Assert.Equal([B, C], own.Links.Select(l => l.Neighbor).Order().ToList());
        Assert.Equal([A], a.Database.InterestedIn(tariff));
        var issued = Drain(a);
        Assert.Equal([B, C], issued.Select(s => s.To).Order().ToList());
        Assert.All(issued, s => Assert.Equal((A, first + 1), (s.Message.Origin, s.Message.Sequence)));
    }

    [Fact]
    public void Change_LongAfterTheLastIssue_IsIssuedAtOnce()
    {
        var a = Started(A, B);
        a.HandleTimeout(Options.MinOriginationInterval);
        Drain(a);
        var before = a.OwnSequence;

        a.SetGroups(TimeSpan.FromSeconds(1), [GroupName.Parse("ham:sg:vpp.schedule")]);

        Assert.Equal(before + 1, a.OwnSequence);
        Assert.Contains(Drain(a), s => s.To == B && s.Message.Origin == A && s.Message.Sequence == before + 1);
    }

    [Fact]
    public void Change_WithZeroMinOriginationInterval_IsIssuedAtOnce()
    {
        var a = new LinkStateFlooding(A, TimeSpan.Zero, Options with { MinOriginationInterval = TimeSpan.Zero });

        a.NeighborUp(TimeSpan.Zero, B, 10);
        a.NeighborUp(TimeSpan.Zero, C, 10);

        Assert.Equal(3UL, a.OwnSequence);
        Assert.Equal(100 * Ms, a.PollTimeout());
    }

    [Fact]
    public void HandleMessage_NewOriginBeyondMaxOrigins_IsRefusedCountedAndRaised()
    {
        var a = new LinkStateFlooding(A, TimeSpan.Zero, Options with { MaxOrigins = 2 });
        a.NeighborUp(TimeSpan.Zero, B, 10);
        a.NeighborUp(TimeSpan.Zero, C, 10);
        Drain(a);
        while (a.TryPollEvent(out _))
        {
        }

        a.HandleMessage(Ms, B, Advertisement(Lsa(B, 1, A), age: 0)); // fills the database: A and B
        Drain(a);
        while (a.TryPollEvent(out _))
        {
        }

        a.HandleMessage(2 * Ms, B, Advertisement(Lsa(X, 1, B), age: 0));

        Assert.False(a.Database.TryGet(X, out _));
        Assert.Equal(2, a.Database.Count);
        Assert.Equal(1, a.Counters.RefusedOverMaxOrigins);
        var (to, message) = Assert.Single(Drain(a)); // acknowledged, not flooded to C
        Assert.Equal((B, FloodingMessageKind.Ack, X), (to, message.Kind, message.Origin));
        Assert.True(a.TryPollEvent(out var raised));
        Assert.Equal(new OriginRefused(X, B, 2), raised);
        Assert.False(a.TryPollEvent(out _));

        // A newer advertisement from an origin already held still replaces it.
        a.HandleMessage(3 * Ms, B, Advertisement(Lsa(B, 2, A, C), age: 0));
        Assert.True(a.Database.TryGet(B, out var held));
        Assert.Equal(2UL, held.Sequence);
        Assert.Equal(1, a.Counters.RefusedOverMaxOrigins);
    }

    [Theory]
    [InlineData(-1, 4096)]
    [InlineData(10_000, 4096)]
    [InlineData(50, 0)]
    public void Options_MinOriginationIntervalOrMaxOriginsOutOfRange_Throw(int intervalMs, int maxOrigins)
    {
        var options = Options with { MinOriginationInterval = intervalMs * Ms, MaxOrigins = maxOrigins };

        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkStateFlooding(A, TimeSpan.Zero, options));
    }

    private static LinkStateFlooding Started(GatewayId self, params GatewayId[] neighbors)
    {
        var flooding = new LinkStateFlooding(self, TimeSpan.Zero, Options);
        foreach (var neighbor in neighbors)
        {
            flooding.NeighborUp(TimeSpan.Zero, neighbor, 10);
        }

        Drain(flooding);
        while (flooding.TryPollEvent(out _))
        {
        }

        return flooding;
    }

    /// <summary>Acknowledges everything <paramref name="flooding"/> waits for from <paramref name="neighbor"/>.</summary>
    private static void Ack(LinkStateFlooding flooding, GatewayId neighbor)
    {
        foreach (var advertisement in flooding.Database.Advertisements)
        {
            flooding.HandleMessage(TimeSpan.Zero, neighbor, Ack(advertisement.Origin, advertisement.Sequence));
        }

        Drain(flooding);
    }

    private static List<(GatewayId To, FloodingMessage Message)> Drain(LinkStateFlooding flooding)
    {
        var sent = new List<(GatewayId, FloodingMessage)>();
        while (flooding.TryPollTransmit(out var transmit))
        {
            Assert.True(FloodingMessageCodec.TryDecode(transmit.Bytes.Span, out var message, out var error), error.ToString());
            sent.Add((transmit.To, message));
        }

        return sent;
    }

    private static LinkStateAdvertisement Lsa(GatewayId origin, ulong sequence, params GatewayId[] neighbors) =>
        new(origin, sequence, neighbors.Select(n => new AdvertisedLink(n, 10)), []);

    private static byte[] Advertisement(LinkStateAdvertisement advertisement, uint age)
    {
        var writer = new ArrayBufferWriter<byte>();
        FloodingMessageCodec.EncodeAdvertisement(advertisement, age, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Ack(GatewayId origin, ulong sequence)
    {
        var writer = new ArrayBufferWriter<byte>();
        FloodingMessageCodec.EncodeAck(origin, sequence, writer);
        return writer.WrittenSpan.ToArray();
    }
}
