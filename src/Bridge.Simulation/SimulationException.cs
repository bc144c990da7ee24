namespace Bridge.Simulation;

/// <summary>A simulation failed; the message carries the seed that replays it.</summary>
public sealed class SimulationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SimulationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public SimulationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SimulationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a run of <paramref name="seed"/>.</summary>
    public SimulationException(int seed, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Seed = seed;
    }

    /// <summary>The seed of the failed run.</summary>
    public int? Seed { get; }
}
