namespace Bridge.Multicast.Aggregation;

/// <summary>
/// A request to a group: every member answers with a <see cref="Reply"/>, and the gateways on the
/// way back combine the answers into one <see cref="PartialAggregate"/> per hop.
/// </summary>
/// <param name="RequestId">Chosen by the source, unique among its requests in flight; replies and partials name it.</param>
/// <param name="Spec">What to compute.</param>
/// <param name="Budget">
/// How long, from the moment a node receives the request, it has until its partial must reach its
/// parent (at the source: until the result is due). Relative, so no clock needs to agree with
/// another; each aggregating hop hands its children its own budget less a margin
/// (<see cref="AggregatorOptions.HopMargin"/>), so the budget shrinks hop by hop.
/// </param>
public sealed record AggregationRequest(ulong RequestId, AggregationSpec Spec, TimeSpan Budget)
{
    /// <summary>The longest budget: an hour.</summary>
    public static readonly TimeSpan MaxBudget = TimeSpan.FromHours(1);

    /// <summary>Whether a receiver would accept this request; the first broken rule.</summary>
    public AggregationError Validate()
    {
        if (Spec is null)
        {
            return AggregationError.NoFunctions;
        }

        var spec = Spec.Validate();
        if (spec != AggregationError.None)
        {
            return spec;
        }

        return Budget <= TimeSpan.Zero || Budget > MaxBudget || Budget.Ticks % TimeSpan.TicksPerMillisecond != 0
            ? AggregationError.BadBudget
            : AggregationError.None;
    }
}

/// <summary>One member's answer to a request.</summary>
/// <param name="RequestId">The request answered.</param>
/// <param name="MemberId">The member: its source id, as in its member reports (<c>member-</c> and 16 hex digits).</param>
/// <param name="Value">The numeric value; finite, magnitude at most <see cref="AggregationSpec.MaxAbsValue"/>.</param>
/// <param name="Data">Opaque bytes kept when the request collects; at most <see cref="MaxDataLength"/>.</param>
public sealed record Reply(ulong RequestId, ulong MemberId, double Value, ReadOnlyMemory<byte> Data = default)
{
    /// <summary>The most opaque bytes in one reply.</summary>
    public const int MaxDataLength = byte.MaxValue;

    /// <summary>Whether a receiver would accept this reply.</summary>
    public AggregationError Validate()
    {
        var value = ValueUnits.Check(Value);
        return value != AggregationError.None ? value
            : Data.Length > MaxDataLength ? AggregationError.TooLarge
            : AggregationError.None;
    }
}
