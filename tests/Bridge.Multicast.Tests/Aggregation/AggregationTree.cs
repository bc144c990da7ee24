using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Aggregation;

/// <summary>
/// A deterministic discrete-event simulation of one request over a tree of aggregators: the
/// source at the root, gateways below it, members in every domain. Links delay, duplicate,
/// reorder and lose replies and partials from a seeded <see cref="Random"/>; a gateway can be
/// killed. Beside the aggregators, it keeps its own record of which replies and partials reached
/// each node before that node sent its partial: the oracle the results are checked against.
/// </summary>
internal sealed class AggregationTree
{
    private readonly PriorityQueue<Action, (TimeSpan At, long Seq)> _queue = new();
    private readonly Random _random;
    private long _seq;

    public AggregationTree(int seed, int gatewayCount, int memberCount, AggregatorOptions options, Func<int, int> parentOf)
    {
        _random = new Random(seed);
        Options = options;
        Nodes.Add(new Node(0, null, new GatewayId("source"), new RequestAggregator(options)));
        for (var i = 1; i <= gatewayCount; i++)
        {
            var parent = Nodes[parentOf(i)];
            var node = new Node(i, parent, new GatewayId($"gw-{i:D2}"), new RequestAggregator(options));
            parent.Children.Add(node);
            Nodes.Add(node);
        }

        for (var m = 0; m < memberCount; m++)
        {
            Nodes[m % Nodes.Count].Members.Add((ulong)(1_000_000 + m));
        }
    }

    public AggregatorOptions Options { get; }

    public List<Node> Nodes { get; } = [];

    public TimeSpan Now { get; private set; }

    public double ReplyLoss { get; init; }

    public double PartialLoss { get; init; }

    public double DuplicateChance { get; init; }

    public double LateMemberChance { get; init; }

    public TimeSpan LateReplyDelay { get; init; } = TimeSpan.FromMilliseconds(2500);

    public List<AggregationCompleted> Results { get; } = [];

    public List<LateAfterResult> LateReports { get; } = [];

    public List<AggregationEvent> Rejections { get; } = [];

    public TimeSpan? CompletedAt { get; private set; }

    public static double ValueOf(ulong member) => ((long)(member % 997) - 300) * 0.25;

    public void Start(AggregationRequest request)
    {
        At(TimeSpan.Zero, () => Deliver(Nodes[0], request));
    }

    public void Kill(int node, TimeSpan at, TimeSpan detection)
    {
        At(at, () =>
        {
            var dead = Nodes[node];
            dead.Dead = true;
            At(Now + detection, () => Handle(dead.Parent!, a => a.HandleChildLost(Now, dead.Id)));
        });
    }

    public void Run(TimeSpan until)
    {
        while (_queue.TryDequeue(out var action, out var key))
        {
            if (key.At > until)
            {
                break;
            }

            Now = key.At;
            action();
        }
    }

    private void At(TimeSpan at, Action action) => _queue.Enqueue(action, (at, _seq++));

    private TimeSpan LinkDelay() => TimeSpan.FromMilliseconds(1 + _random.Next(30));

    /// <summary>One send over a lossy link: one or two copies, each delayed on its own (so they reorder), each lost on its own.</summary>
    private void SendLossy(double loss, Action deliver)
    {
        var copies = _random.NextDouble() < DuplicateChance ? 2 : 1;
        for (var c = 0; c < copies; c++)
        {
            var delay = LinkDelay();
            if (_random.NextDouble() >= loss)
            {
                At(Now + delay, deliver);
            }
        }
    }

    private void Deliver(Node node, AggregationRequest request)
    {
        if (node.Dead)
        {
            return;
        }

        Handle(node, a => a.HandleRequest(Now, request, node.Parent?.Id, node.Children.Select(c => c.Id).ToList(), node.Members));
    }

    private void Handle(Node node, Action<RequestAggregator> input)
    {
        if (node.Dead)
        {
            return;
        }

        input(node.Aggregator);
        Drain(node);
        if (node.Aggregator.PollTimeout() is { } due && due != node.ArmedFor)
        {
            node.ArmedFor = due;
            At(due < Now ? Now : due, () =>
            {
                if (node.ArmedFor == due)
                {
                    node.ArmedFor = null;
                    Handle(node, a => a.HandleTimeout(Now));
                }
            });
        }
    }

    private void Drain(Node node)
    {
        while (node.Aggregator.TryPollForward(out var forward))
        {
            foreach (var child in node.Children)
            {
                At(Now + LinkDelay(), () => Deliver(child, forward));
            }

            foreach (var member in node.Members)
            {
                var late = _random.NextDouble() < LateMemberChance;
                var delay = late ? LateReplyDelay : TimeSpan.FromMilliseconds(_random.Next(100));
                var reply = new Reply(forward.RequestId, member, ValueOf(member));
                At(Now + delay, () => SendLossy(ReplyLoss, () => ReplyArrives(node, reply)));
            }
        }

        while (node.Aggregator.TryPollPartial(out var outgoing))
        {
            var parent = node.Parent!;
            if (outgoing.Partial.IsLateUpdate)
            {
                // Late updates go over the same link but are not lost here, so the late count
                // at the source can be checked exactly.
                At(Now + LinkDelay(), () => PartialArrives(parent, node, outgoing.Partial));
            }
            else
            {
                node.SentAt = Now;
                node.Sent = outgoing.Partial;
                SendLossy(PartialLoss, () => PartialArrives(parent, node, outgoing.Partial));
            }
        }

        while (node.Aggregator.TryPollEvent(out var e))
        {
            switch (e)
            {
                case AggregationCompleted completed:
                    Results.Add(completed);
                    CompletedAt = Now;
                    node.SentAt = Now;
                    break;
                case LateAfterResult late:
                    LateReports.Add(late);
                    break;
                default:
                    Rejections.Add(e);
                    break;
            }
        }
    }

    private void ReplyArrives(Node node, Reply reply)
    {
        if (node.Dead)
        {
            return;
        }

        // The oracle: the first copy decides, before the node has sent its partial or after.
        if (!node.Counted.Contains(reply.MemberId) && !node.LateMembers.Contains(reply.MemberId))
        {
            if (node.SentAt is null)
            {
                node.Counted.Add(reply.MemberId);
            }
            else
            {
                node.LateMembers.Add(reply.MemberId);
            }
        }

        Handle(node, a => a.HandleReply(Now, reply));
    }

    private void PartialArrives(Node parent, Node child, PartialAggregate partial)
    {
        if (parent.Dead)
        {
            return;
        }

        if (!partial.IsLateUpdate && !parent.ChildrenHeard.Contains(child.Index))
        {
            parent.ChildrenHeard.Add(child.Index);
            if (parent.SentAt is null)
            {
                parent.ChildrenMerged.Add(child.Index);
            }
            else
            {
                parent.LateChildContributors += child.Sent!.Contributors;
            }
        }

        Handle(parent, a => a.HandlePartial(Now, child.Id, partial));
    }

    /// <summary>The members whose replies the oracle says are in <paramref name="node"/>'s partial.</summary>
    public IEnumerable<ulong> OracleMembers(Node node) =>
        node.Counted.Concat(node.ChildrenMerged.SelectMany(c => OracleMembers(Nodes[c])));

    /// <summary>The missing subtrees the oracle says <paramref name="node"/>'s partial names.</summary>
    public IEnumerable<GatewayId> OracleMissingSubtrees(Node node) =>
        node.Children.Where(c => !node.ChildrenMerged.Contains(c.Index)).Select(c => c.Id)
            .Concat(node.ChildrenMerged.SelectMany(c => OracleMissingSubtrees(Nodes[c])));

    /// <summary>The known members that the oracle says did not answer in time, in <paramref name="node"/>'s partial.</summary>
    public ulong OracleMissingMembers(Node node) =>
        (ulong)node.Members.Count(m => !node.Counted.Contains(m)) + node.ChildrenMerged.Aggregate(0UL, (sum, c) => sum + OracleMissingMembers(Nodes[c]));

    /// <summary>Every late reply and late child contributor anywhere in the tree.</summary>
    public ulong OracleLate() => (ulong)Nodes.Sum(n => (long)n.LateMembers.Count + (long)n.LateChildContributors);

    internal sealed class Node(int index, Node? parent, GatewayId id, RequestAggregator aggregator)
    {
        public int Index { get; } = index;

        public Node? Parent { get; } = parent;

        public GatewayId Id { get; } = id;

        public RequestAggregator Aggregator { get; } = aggregator;

        public List<Node> Children { get; } = [];

        public List<ulong> Members { get; } = [];

        public bool Dead { get; set; }

        public TimeSpan? ArmedFor { get; set; }

        public TimeSpan? SentAt { get; set; }

        public PartialAggregate? Sent { get; set; }

        public HashSet<ulong> Counted { get; } = [];

        public HashSet<ulong> LateMembers { get; } = [];

        public HashSet<int> ChildrenHeard { get; } = [];

        public HashSet<int> ChildrenMerged { get; } = [];

        public ulong LateChildContributors { get; set; }
    }
}
