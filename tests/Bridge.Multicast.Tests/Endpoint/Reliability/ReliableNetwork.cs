using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Endpoint.Reliability;

/// <summary>
/// One sender and some receivers of a reliable group on a hand-driven multicast link with virtual
/// time: every transmit reaches every other endpoint (or the one it is unicast to) unless
/// <see cref="Drop"/> says the link lost it for that receiver.
/// </summary>
internal sealed class ReliableNetwork
{
    public static readonly GroupName Group = GroupName.Parse("ham:sg:dr.commands");
    public static readonly DateTimeOffset WallClock = Security.Keys.TestKeys.Start.AddDays(5);

    public ReliableNetwork(int receivers, ReliableGroupOptions options, int seed = 7, Action<GroupEndpoint>? prepare = null)
    {
        Sender = Make(0x5E4D, options, seed, prepare);
        for (var i = 0; i < receivers; i++)
        {
            var receiver = Make(0x1000UL + (ulong)i, options, seed + i + 1, prepare);
            receiver.Join(Group);
            Receivers.Add(receiver);
            Delivered.Add([]);
            Lost.Add([]);
        }
    }

    public GroupEndpoint Sender { get; }

    public List<GroupEndpoint> Receivers { get; } = [];

    /// <summary>Per receiver, the sequence numbers delivered, in delivery order.</summary>
    public List<List<ulong>> Delivered { get; } = [];

    /// <summary>Per receiver, the unrecoverable losses reported.</summary>
    public List<List<UnrecoverableLoss>> Lost { get; } = [];

    /// <summary>Whether receiver i (index into <see cref="Receivers"/>; -1 for the sender) misses this frame.</summary>
    public Func<int, GridCastFrame, bool> Drop { get; set; } = (_, _) => false;

    public TimeSpan Now { get; private set; } = TimeSpan.FromSeconds(1);

    public long NackFrames { get; private set; }

    public void Send(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Sender.Send(Now, Micros(WallClock + Now), Group, BitConverter.GetBytes(i), ContentType.Raw);
            Pump();
            var next = Now + TimeSpan.FromMilliseconds(1);
            Run(next);
            Now = next;
        }
    }

    /// <summary>Delivers everything queued and fires timers until nothing is left to do or <paramref name="until"/> passes.</summary>
    public void Run(TimeSpan until)
    {
        Pump();
        while (true)
        {
            var next = All().Select(e => e.PollTimeout()).Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            if (next == TimeSpan.MaxValue || next > until)
            {
                return;
            }

            Now = next > Now ? next : Now;
            foreach (var endpoint in All())
            {
                endpoint.HandleTimeout(Now);
            }

            Pump();
        }
    }

    private IEnumerable<GroupEndpoint> All() => Receivers.Prepend(Sender);

    private void Pump()
    {
        var busy = true;
        while (busy)
        {
            busy = false;
            for (var from = -1; from < Receivers.Count; from++)
            {
                var endpoint = from < 0 ? Sender : Receivers[from];
                while (endpoint.TryPollTransmit(out var transmit))
                {
                    busy = true;
                    Assert.True(FrameCodec.TryDecodeDatagram(transmit.Datagram, out var frame, out _));
                    if (frame.Type == FrameType.RepairRequest && RepairMessage.TryDecode(frame.Payload.Span, out var message, out _) && message.Kind == RepairMessageKind.Nack)
                    {
                        NackFrames++;
                    }

                    for (var to = -1; to < Receivers.Count; to++)
                    {
                        var target = to < 0 ? Sender : Receivers[to];
                        if (to == from || (transmit.UnicastTo is { } only && target.SourceId != only) || Drop(to, frame))
                        {
                            continue;
                        }

                        target.HandleDatagram(Now, WallClock + Now, transmit.Datagram);
                    }
                }
            }

            for (var i = 0; i < Receivers.Count; i++)
            {
                while (Receivers[i].TryPollEvent(out var e))
                {
                    switch (e)
                    {
                        case MessageReceived received:
                            Delivered[i].Add(received.Message.Sequence);
                            break;
                        case UnrecoverableLoss loss:
                            Lost[i].Add(loss);
                            break;
                    }
                }
            }

            while (Sender.TryPollEvent(out _))
            {
            }
        }
    }

    private static GroupEndpoint Make(ulong sourceId, ReliableGroupOptions options, int seed, Action<GroupEndpoint>? prepare)
    {
        var endpoint = new GroupEndpoint(new GroupEndpointOptions { SourceId = sourceId, Random = new Random(seed) });
        prepare?.Invoke(endpoint);
        endpoint.MakeReliable(Group, options);
        return endpoint;
    }

    public static long Micros(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
}
