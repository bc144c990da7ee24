using System.Globalization;

namespace Bridge.Simulation;

/// <summary>
/// Which seeds a simulation test runs: those in <c>GRIDCAST_SIM_SEED</c> when it is set (to replay
/// a failure, e.g. <c>GRIDCAST_SIM_SEED=17</c> or <c>GRIDCAST_SIM_SEED=17,90</c>), otherwise a
/// fixed run of consecutive seeds, so every test run checks the same cases.
/// </summary>
public static class SimulationSeed
{
    /// <summary>The environment variable that replays given seeds.</summary>
    public const string EnvironmentVariable = "GRIDCAST_SIM_SEED";

    /// <summary>The seeds to run: the replayed ones, or <paramref name="count"/> seeds from <paramref name="first"/> on.</summary>
    public static IReadOnlyList<int> Seeds(int count, int first = 1)
        => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable), count, first);

    /// <summary>
    /// <see cref="Seeds"/> for a given value of the variable: a comma-separated list of integers,
    /// or null or blank for the default run. Anything else throws, naming the variable.
    /// </summary>
    public static IReadOnlyList<int> Parse(string? value, int count, int first = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (string.IsNullOrWhiteSpace(value))
        {
            return Enumerable.Range(first, count).ToArray();
        }

        var seeds = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
            {
                throw new FormatException($"{EnvironmentVariable}='{value}': '{part}' is not a 32-bit integer seed");
            }

            seeds.Add(seed);
        }

        return seeds.Count > 0
            ? seeds
            : throw new FormatException($"{EnvironmentVariable}='{value}' names no seed");
    }
}
