namespace Bridge.Simulation;

/// <summary>Limits of a <see cref="Simulator"/>.</summary>
public sealed record SimulatorOptions
{
    /// <summary>How many trace entries the ring keeps for failure messages.</summary>
    public int TraceCapacity { get; init; } = 256;

    /// <summary>How many trace entries a failure message shows.</summary>
    public int TraceLinesOnFailure { get; init; } = 40;

    /// <summary>
    /// The most events any one Drive call processes before it fails as a runaway (a node whose
    /// timer never stops firing, two nodes answering each other for ever).
    /// </summary>
    public long RunawayEventLimit { get; init; } = 10_000_000;

    /// <summary>The most datagrams one node may hand over after one input before it is taken for a runaway.</summary>
    public int TransmitLimitPerPoll { get; init; } = 1_000_000;
}
