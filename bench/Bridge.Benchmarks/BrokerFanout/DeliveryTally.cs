using System.Diagnostics;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>
/// What R receivers got of one run: probes (payload byte 0 = <see cref="ProbeMark"/>) show that
/// each receiver is reachable before the run starts; measured messages (<see cref="MeasuredMark"/>)
/// are counted per receiver, with the time of the last one. Thread-safe: every receiver reports
/// from its own loop.
/// </summary>
internal sealed class DeliveryTally(int receivers, int messages)
{
    public const byte ProbeMark = 0;
    public const byte MeasuredMark = 1;

    private readonly int[] _counts = new int[receivers];
    private readonly bool[] _probed = new bool[receivers];
    private int _unprobed = receivers;
    private int _incomplete = receivers;
    private long _delivered;
    private long _lastArrival;

    public int Receivers { get; } = receivers;

    public int Messages { get; } = messages;

    /// <summary>Every receiver has seen at least one probe.</summary>
    public bool AllProbed => Volatile.Read(ref _unprobed) == 0;

    /// <summary>Every receiver has every measured message.</summary>
    public bool Complete => Volatile.Read(ref _incomplete) == 0;

    /// <summary>Measured messages delivered, summed over receivers.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Receivers that have every measured message.</summary>
    public int CompleteReceivers => Receivers - Volatile.Read(ref _incomplete);

    /// <summary>The <see cref="Stopwatch"/> timestamp of the last measured arrival.</summary>
    public long LastArrival => Interlocked.Read(ref _lastArrival);

    /// <summary>Records a message that receiver <paramref name="receiver"/> got.</summary>
    public void Record(int receiver, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return;
        }

        if (payload[0] == ProbeMark)
        {
            if (!Volatile.Read(ref _probed[receiver]))
            {
                Volatile.Write(ref _probed[receiver], true);
                Interlocked.Decrement(ref _unprobed);
            }

            return;
        }

        Interlocked.Exchange(ref _lastArrival, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _delivered);
        if (Interlocked.Increment(ref _counts[receiver]) == Messages)
        {
            Interlocked.Decrement(ref _incomplete);
        }
    }
}
