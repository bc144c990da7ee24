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
        Assert.Equal(100 * Ms, a.PollTimeout());

        a.HandleTimeout(100 * Ms);
        var (to, message) = Assert.Single(Drain(a));
        Assert.Equal((B, FloodingMessageKind.Advertisement, A), (to, message.Kind, message.Origin));
        Assert.Equal(1, a.Counters.Retransmissions);
        Assert.Equal(300 * Ms, a.PollTimeout()); // the wait doubles

        a.HandleMessage(150 * Ms, B, Ack(A, message.Sequence));
        Assert.Equal(0, a.PendingCount);
        Assert.Equal(Options.RefreshInterval, a.PollTimeout());
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

        var toC = Drain(a).Where(s => s.To == C).Select(s => s.Message.Origin).Order().ToList();
        Assert.Equal([A, X], toC);
    }

    [Fact]
    public void SetGroups_Changed_ReissuesWithAHigherNumber_UnchangedDoesNothing()
    {
        var a = Started(A, B);
        var before = a.OwnSequence;
        var tariff = GroupName.Parse("ham:sg:ami.tariff.rtp");

        a.SetGroups(Ms, [tariff]);
        a.SetGroups(2 * Ms, [tariff]);

        Assert.Equal(before + 1, a.OwnSequence);
        Assert.Equal([A], a.Database.InterestedIn(tariff));
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
