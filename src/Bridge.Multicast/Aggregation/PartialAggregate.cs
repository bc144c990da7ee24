using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Aggregation;

/// <summary>One member's collected reply: kept when the request collects.</summary>
/// <param name="MemberId">The member that answered.</param>
/// <param name="Value">Its value.</param>
/// <param name="Data">Its opaque bytes, at most <see cref="Reply.MaxDataLength"/>.</param>
public readonly record struct CollectedItem(ulong MemberId, double Value, ReadOnlyMemory<byte> Data);

/// <summary>
/// The aggregate of a subtree's replies: what a gateway sends up, and, at the source, the final
/// result. Built by <see cref="AggregateAccumulator"/>; the sum is exact (<see cref="SumUnits"/>),
/// the mean derived from it (<see cref="Mean"/>).
/// </summary>
/// <remarks>
/// Bounded lists keep the smallest entries in ascending order (member ids, gateway ids in ordinal
/// order, items by member id) and count the rest, so the same replies give the same bytes
/// whatever the order and tree shape they were merged in.
/// </remarks>
public sealed record PartialAggregate
{
    /// <summary>The most contributors one partial may claim, 2^40: keeps the 128-bit sum from overflowing.</summary>
    public const ulong MaxContributors = 1UL << 40;

    /// <summary>The most missing member ids listed.</summary>
    public const int MaxListedMissingIds = 1024;

    /// <summary>The most missing subtrees listed.</summary>
    public const int MaxListedSubtrees = 64;

    /// <summary>The longest gateway id, in UTF-8 bytes (as an ingress id, wire-format §5.1.4).</summary>
    public const int MaxGatewayIdLength = 128;

    /// <summary>The request answered.</summary>
    public ulong RequestId { get; init; }

    /// <summary>Whether the membership of the whole subtree is known, so <see cref="MembersKnown"/> and <see cref="MissingCount"/> are complete.</summary>
    public bool MembershipKnown { get; init; }

    /// <summary>A late-only update: only <see cref="Late"/> counts (docs/aggregation.md, "Late").</summary>
    public bool IsLateUpdate { get; init; }

    /// <summary>Members whose reply is in this aggregate, each once.</summary>
    public ulong Contributors { get; init; }

    /// <summary>The exact sum of the values, in 2^-32 units (<see cref="ValueUnits"/>).</summary>
    public Int128 SumUnits { get; init; }

    /// <summary>The smallest value; 0 without contributors.</summary>
    public double Min { get; init; }

    /// <summary>The largest value; 0 without contributors.</summary>
    public double Max { get; init; }

    /// <summary>Replies (and partials' contributors) that arrived after the aggregate they belonged in was sent: never in the values.</summary>
    public ulong Late { get; init; }

    /// <summary>Members known in the subtree (from member reports, plus members that answered unannounced).</summary>
    public ulong MembersKnown { get; init; }

    /// <summary>Known members that did not answer.</summary>
    public ulong MissingCount { get; init; }

    /// <summary>The smallest ids of missing members, ascending, when the request asked; at most <see cref="MaxListedMissingIds"/>.</summary>
    public IReadOnlyList<ulong> MissingMemberIds { get; init; } = [];

    /// <summary>Child gateways whose subtree is missing (failed, or silent by the deadline): counted missing, never as zero-valued replies.</summary>
    public uint MissingSubtreeCount { get; init; }

    /// <summary>The first of them in ordinal order; at most <see cref="MaxListedSubtrees"/>.</summary>
    public IReadOnlyList<GatewayId> MissingSubtrees { get; init; } = [];

    /// <summary>Gateway partials folded into this aggregate, transitively (a gateway's own partial counts itself).</summary>
    public uint PartialsMerged { get; init; }

    /// <summary>Counts per histogram bucket; empty without a histogram.</summary>
    public IReadOnlyList<ulong> Histogram { get; init; } = [];

    /// <summary>Collected items in ascending member order, when collecting.</summary>
    public IReadOnlyList<CollectedItem> Items { get; init; } = [];

    /// <summary>Replies with items that did not fit the collect limits.</summary>
    public ulong CollectOverflow { get; init; }

    /// <summary>
    /// The smallest item that did not fit, when one did not: the cut of the kept prefix. A parent
    /// keeps no item at or beyond any part's cut, which makes the kept items the same whatever
    /// the tree shape (an item beyond a cut could otherwise fit at the parent where it did not
    /// fit in its part). Never part of <see cref="Items"/>; counted in <see cref="CollectOverflow"/>.
    /// </summary>
    public CollectedItem? CollectCut { get; init; }

    /// <summary>The number of contributors (the <c>count</c> function).</summary>
    public ulong Count => Contributors;

    /// <summary>The sum as a double.</summary>
    public double Sum => ValueUnits.ToValue(SumUnits);

    /// <summary>The mean, derived from the exact sum; null without contributors.</summary>
    public double? Mean => Contributors == 0 ? null : Sum / Contributors;
}
