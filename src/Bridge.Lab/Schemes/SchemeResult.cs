using System.Collections.Immutable;
using Bridge.Lab.Measurement;

namespace Bridge.Lab.Schemes;

/// <summary>What one message sent by a scheme to the whole group measured.</summary>
/// <param name="Scheme">The scheme's name as in the lab's JSON (<c>unicast</c>, <c>hybrid-hg</c>, <c>hybrid-pg</c>).</param>
/// <param name="ReceiverDelays">One-way delay from the source to each group node, by node index.</param>
/// <param name="LinkStress">Copies of the message per link.</param>
/// <param name="SenderCopies">Copies the source itself sent.</param>
public sealed record SchemeResult(string Scheme, ImmutableArray<TimeSpan> ReceiverDelays, LinkStress LinkStress, int SenderCopies)
{
    /// <summary>
    /// Messages that reach the head-end when it reads every device's meter once: for unicast,
    /// polling, one reply per device; for the hybrid schemes, the partials and replies of one
    /// aggregated round through the gateways (0 when no round was run).
    /// </summary>
    public long HeadEndMessagesPerRound { get; init; }

    /// <summary>Statistics of the receivers' delays in milliseconds.</summary>
    public Statistics DelayMs() => Statistics.Of(ReceiverDelays.Select(d => d.TotalMilliseconds));
}
