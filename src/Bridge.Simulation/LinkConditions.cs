namespace Bridge.Simulation;

/// <summary>
/// How a link or a domain treats each datagram. In a domain every receiver draws its own fate,
/// so one member may lose a datagram that the others receive.
/// </summary>
/// <remarks>
/// Per datagram and receiver, in this order: lost with <see cref="LossProbability"/>; otherwise
/// delivered once, or twice with <see cref="DuplicationProbability"/>; each copy arrives after
/// <see cref="Delay"/> plus a uniform share of <see cref="Jitter"/>, plus, with
/// <see cref="ReorderProbability"/>, a uniform share of <see cref="ReorderDelay"/>. Without jitter
/// and reordering a link is first-in first-out.
/// </remarks>
public sealed record LinkConditions
{
    /// <summary>No delay, loss, duplication or reordering.</summary>
    public static LinkConditions Perfect { get; } = new();

    /// <summary>The delay every datagram has.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Extra delay drawn uniformly from [0, Jitter) for each copy.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Probability that a datagram is lost, from 0 to 1.</summary>
    public double LossProbability { get; init; }

    /// <summary>Probability that a datagram that is not lost arrives twice, from 0 to 1.</summary>
    public double DuplicationProbability { get; init; }

    /// <summary>Probability that a copy is held back by up to <see cref="ReorderDelay"/>, from 0 to 1.</summary>
    public double ReorderProbability { get; init; }

    /// <summary>The most a held-back copy is delayed beyond the others.</summary>
    public TimeSpan ReorderDelay { get; init; }

    /// <summary>
    /// When set, the link is reliable as TCP is: a datagram drawn as lost is not dropped but
    /// arrives this much later (again for each further loss drawn), so loss shows up as delay and
    /// as reordering against the datagrams sent after it. Null: lost datagrams are gone.
    /// </summary>
    public TimeSpan? RetransmitAfter { get; init; }

    /// <summary>Throws when a delay is negative or a probability lies outside [0, 1].</summary>
    public void Validate()
    {
        CheckDelay(Delay, nameof(Delay));
        CheckDelay(Jitter, nameof(Jitter));
        CheckDelay(ReorderDelay, nameof(ReorderDelay));
        if (RetransmitAfter is { } retransmit && retransmit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RetransmitAfter), retransmit, $"{nameof(RetransmitAfter)} must be positive");
        }

        if (RetransmitAfter is not null && LossProbability >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LossProbability), LossProbability, "a retransmitting link cannot lose everything");
        }

        CheckProbability(LossProbability, nameof(LossProbability));
        CheckProbability(DuplicationProbability, nameof(DuplicationProbability));
        CheckProbability(ReorderProbability, nameof(ReorderProbability));
    }

    private static void CheckDelay(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative");
        }
    }

    private static void CheckProbability(double value, string name)
    {
        if (!(value is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie from 0 to 1");
        }
    }
}
