using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Adds replies and merges partials of one request, exactly: the result depends on the set of
/// inputs, not on their order or on how they were grouped into partials (a commutative monoid,
/// checked by property tests). No deduplication here: <see cref="RequestAggregator"/> decides
/// what is counted once.
/// </summary>
/// <remarks>
/// Exact because every field is an integer count, an integer sum (<see cref="ValueUnits"/>), a
/// minimum or maximum, or a bounded set that keeps its smallest members: keeping the k smallest
/// of a union equals keeping the k smallest of the unions of the k smallest, so truncating early
/// loses nothing the final truncation would have kept. Collected items are the longest ascending
/// prefix within both the item and the byte limit; each part carries the first item it cut
/// (<see cref="PartialAggregate.CollectCut"/>), and nothing at or beyond the lowest cut is kept,
/// because an item's cumulative size in a union is never smaller than in its own part.
/// </remarks>
public sealed class AggregateAccumulator
{
    private readonly AggregationSpec _spec;
    private readonly ulong[] _histogram;
    private readonly SortedSet<CollectedItem> _items = new(ItemOrder.Instance);
    private readonly SortedSet<ulong> _missingIds = [];
    private readonly SortedSet<GatewayId> _missingSubtrees = [];
    private long _itemBytes;
    private CollectedItem? _cut;

    /// <summary>An empty aggregate for <paramref name="spec"/>.</summary>
    /// <exception cref="ArgumentException">The spec is not valid.</exception>
    public AggregateAccumulator(AggregationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.ThrowIfInvalid();
        _spec = spec;
        _histogram = new ulong[spec.BucketCount];
    }

    /// <summary>The spec the aggregate follows.</summary>
    public AggregationSpec Spec => _spec;

    /// <summary>Members whose replies are in.</summary>
    public ulong Contributors { get; private set; }

    /// <summary>The exact sum in 2^-32 units.</summary>
    public Int128 SumUnits { get; private set; }

    /// <summary>The smallest value so far; +∞ without contributors.</summary>
    public double Min { get; private set; } = double.PositiveInfinity;

    /// <summary>The largest value so far; −∞ without contributors.</summary>
    public double Max { get; private set; } = double.NegativeInfinity;

    /// <summary>Late replies counted.</summary>
    public ulong Late { get; private set; }

    /// <summary>Members known.</summary>
    public ulong MembersKnown { get; private set; }

    /// <summary>Whether every part's membership is known (true while empty: the identity of "and").</summary>
    public bool MembershipKnown { get; private set; } = true;

    /// <summary>Known members that did not answer.</summary>
    public ulong MissingCount { get; private set; }

    /// <summary>Missing subtrees.</summary>
    public uint MissingSubtreeCount { get; private set; }

    /// <summary>Partials folded in, transitively.</summary>
    public uint PartialsMerged { get; private set; }

    /// <summary>Items that did not fit.</summary>
    public ulong CollectOverflow { get; private set; }

    /// <summary>
    /// Adds one member's reply. The caller has checked it (<see cref="Reply.Validate"/>) and counts
    /// each member once.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not finite or out of range.</exception>
    /// <exception cref="OverflowException">More than <see cref="PartialAggregate.MaxContributors"/>.</exception>
    public void Add(Reply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var error = reply.Validate();
        if (error != AggregationError.None)
        {
            throw new ArgumentException($"Reply of member {reply.MemberId} is not valid: {error}.", nameof(reply));
        }

        if (Contributors >= PartialAggregate.MaxContributors)
        {
            throw new OverflowException("An aggregate holds at most 2^40 contributors.");
        }

        // -0.0 and 0.0 are one value here; keeping both would make min and max depend on order.
        var value = reply.Value == 0 ? 0.0 : reply.Value;
        Contributors++;
        SumUnits += ValueUnits.ToUnits(value);
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
        if (_histogram.Length > 0)
        {
            _histogram[_spec.BucketOf(value)]++;
        }

        if (_spec.Collects)
        {
            AddItem(new CollectedItem(reply.MemberId, value, reply.Data));
        }
    }

    /// <summary>Whether <paramref name="partial"/> fits this aggregate's spec and limits; <see cref="AggregationError.None"/> when <see cref="Merge"/> would take it.</summary>
    public AggregationError CheckMergeable(PartialAggregate partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (partial.Histogram.Count != _histogram.Length && !partial.IsLateUpdate)
        {
            return AggregationError.BadBucketCount;
        }

        if ((partial.Items.Count > 0 || partial.CollectCut is not null) && !_spec.Collects)
        {
            return AggregationError.TooManyItems;
        }

        if (partial.Contributors > PartialAggregate.MaxContributors - Contributors)
        {
            return AggregationError.CountOutOfRange;
        }

        return AggregationError.None;
    }

    /// <summary>Merges a partial of the same request, every field (late included).</summary>
    /// <exception cref="ArgumentException">The partial does not fit (<see cref="CheckMergeable"/>).</exception>
    public void Merge(PartialAggregate partial)
    {
        var error = CheckMergeable(partial);
        if (error != AggregationError.None)
        {
            throw new ArgumentException($"The partial of request {partial.RequestId} does not fit this aggregate: {error}.", nameof(partial));
        }

        if (partial.Contributors > 0)
        {
            Contributors += partial.Contributors;
            SumUnits += partial.SumUnits;
            Min = Math.Min(Min, partial.Min);
            Max = Math.Max(Max, partial.Max);
        }

        for (var i = 0; i < partial.Histogram.Count; i++)
        {
            _histogram[i] += partial.Histogram[i];
        }

        Late += partial.Late;
        MembersKnown += partial.MembersKnown;
        MembershipKnown &= partial.MembershipKnown;
        MissingCount += partial.MissingCount;
        foreach (var id in partial.MissingMemberIds)
        {
            AddListed(_missingIds, id, PartialAggregate.MaxListedMissingIds);
        }

        MissingSubtreeCount += partial.MissingSubtreeCount;
        foreach (var gateway in partial.MissingSubtrees)
        {
            AddListed(_missingSubtrees, gateway, PartialAggregate.MaxListedSubtrees);
        }

        PartialsMerged += partial.PartialsMerged;
        CollectOverflow += partial.CollectOverflow;
        if (partial.CollectCut is { } cut)
        {
            LowerCut(cut);
        }

        foreach (var item in partial.Items)
        {
            AddItem(item);
        }
    }

    /// <summary>Counts <paramref name="count"/> late replies.</summary>
    public void AddLate(ulong count) => Late += count;

    /// <summary>Counts <paramref name="count"/> known members, and whether the part they come from has its membership known.</summary>
    public void AddMembers(ulong count, bool known)
    {
        MembersKnown += count;
        MembershipKnown &= known;
    }

    /// <summary>Counts a known member that did not answer; lists its id when the spec asks.</summary>
    public void AddMissingMember(ulong memberId)
    {
        MissingCount++;
        if (_spec.WantMissingIds)
        {
            AddListed(_missingIds, memberId, PartialAggregate.MaxListedMissingIds);
        }
    }

    /// <summary>Counts the subtree of <paramref name="child"/> as missing, and names it.</summary>
    public void AddMissingSubtree(GatewayId child)
    {
        GatewayId.ThrowIfDefault(child, nameof(child));
        MissingSubtreeCount++;
        AddListed(_missingSubtrees, child, PartialAggregate.MaxListedSubtrees);
    }

    /// <summary>Counts <paramref name="count"/> more partials as folded in (a gateway counts its own).</summary>
    public void AddPartials(uint count) => PartialsMerged += count;

    /// <summary>The aggregate so far, for <paramref name="requestId"/>.</summary>
    public PartialAggregate ToPartial(ulong requestId) => new()
    {
        RequestId = requestId,
        MembershipKnown = MembershipKnown,
        Contributors = Contributors,
        SumUnits = SumUnits,
        Min = Contributors == 0 ? 0 : Min,
        Max = Contributors == 0 ? 0 : Max,
        Late = Late,
        MembersKnown = MembersKnown,
        MissingCount = MissingCount,
        MissingMemberIds = [.. _missingIds],
        MissingSubtreeCount = MissingSubtreeCount,
        MissingSubtrees = [.. _missingSubtrees],
        PartialsMerged = PartialsMerged,
        Histogram = [.. _histogram],
        Items = [.. _items],
        CollectOverflow = CollectOverflow,
        CollectCut = _cut,
    };

    private static void AddListed<T>(SortedSet<T> set, T value, int limit)
    {
        if (set.Add(value) && set.Count > limit)
        {
            set.Remove(set.Max!);
        }
    }

    private void AddItem(CollectedItem item)
    {
        // At or beyond the cut the prefix has ended: an item there is never kept, even one that
        // would fit in the bytes left, or the kept items would depend on arrival order.
        if ((_cut is { } cut && PartialAggregateCodec.CompareItems(item, cut) >= 0) || !_items.Add(item))
        {
            // A copy of a kept item (the same reply through two paths) is counted as overflow
            // too, so that items plus overflow still count every collected reply.
            CollectOverflow++;
            return;
        }

        _itemBytes += item.Data.Length;
        while (_items.Count > _spec.CollectMaxItems || _itemBytes > _spec.CollectMaxBytes)
        {
            var last = _items.Max;
            _items.Remove(last);
            _itemBytes -= last.Data.Length;
            CollectOverflow++;
            _cut = last;
        }
    }

    /// <summary>Moves the cut down to <paramref name="cut"/> when it is lower, dropping kept items at or beyond it.</summary>
    private void LowerCut(CollectedItem cut)
    {
        if (_cut is { } current && PartialAggregateCodec.CompareItems(current, cut) <= 0)
        {
            return;
        }

        _cut = cut;
        while (_items.Count > 0 && PartialAggregateCodec.CompareItems(_items.Max, cut) >= 0)
        {
            var last = _items.Max;
            _items.Remove(last);
            _itemBytes -= last.Data.Length;
            CollectOverflow++;
        }
    }

    /// <summary>Member id, then value, then the bytes: a total order, so the kept prefix does not depend on arrival order.</summary>
    private sealed class ItemOrder : IComparer<CollectedItem>
    {
        public static readonly ItemOrder Instance = new();

        public int Compare(CollectedItem x, CollectedItem y) => PartialAggregateCodec.CompareItems(x, y);
    }
}
