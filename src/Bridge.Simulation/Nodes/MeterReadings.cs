namespace Bridge.Simulation.Nodes;

/// <summary>
/// What each simulated device answers, as a pure function of a seed, the request and the member:
/// a test computes the exact expected aggregate of any set of devices by calling it again,
/// without asking the network.
/// </summary>
/// <remarks>
/// A reading is a whole number of quarter units from 0 to <see cref="MaxQuarters"/> − 1 (a meter
/// that reports kWh to 0.25): a double holds it exactly, the aggregator's 2^-32 units hold it
/// exactly, and the sum of a million of them stays an exact integer of quarters, so the expected
/// sum is integer arithmetic with nothing to round. The reply delay is drawn once per device
/// (not per request), so a swarm can sort its devices by it once.
/// </remarks>
public sealed class MeterReadings(ulong seed)
{
    /// <summary>Readings lie in [0, MaxQuarters / 4).</summary>
    public const long MaxQuarters = 40_000;

    /// <summary>The seed every reading derives from.</summary>
    public ulong Seed { get; } = seed;

    /// <summary>The reading of <paramref name="memberId"/> for <paramref name="requestId"/>, in quarter units.</summary>
    public long Quarters(ulong requestId, ulong memberId)
        => (long)(Mix(Seed ^ Mix(requestId + 0x632BE59BD9B4E019UL) ^ (memberId * 0x9E3779B97F4A7C15UL)) % MaxQuarters);

    /// <summary>The value <paramref name="memberId"/> replies to <paramref name="requestId"/> with.</summary>
    public double Value(ulong requestId, ulong memberId) => Quarters(requestId, memberId) / 4.0;

    /// <summary>How long after hearing a request the device answers: a share of <paramref name="spread"/> that depends on the device only.</summary>
    public TimeSpan ReplyDelay(ulong memberId, TimeSpan spread)
        => spread <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(Mix(memberId ^ ~Seed) % (ulong)spread.Ticks));

    /// <summary>SplitMix64's finaliser: every input bit reaches every output bit.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
