namespace Bridge.Fuzz;

/// <summary>
/// One parser under fuzzing: <see cref="Run"/> feeds it one input and throws
/// <see cref="FuzzFindingException"/> when the parser breaks its own contract (it said yes without
/// a value, or no without a named reason); any other exception escaping it is a finding too.
/// </summary>
/// <param name="Name">The name <c>scripts/fuzz.sh</c> and the corpus folder use.</param>
/// <param name="Description">What is parsed, for <c>--list</c>.</param>
/// <param name="Run">Parses one input, throwing on a finding.</param>
/// <param name="MaxInputLength">The longest input afl-fuzz makes (<c>-G</c>); longer inputs add time, not paths.</param>
/// <param name="FixedAllocation">Allocation allowed whatever the input (caches, first-use tables).</param>
/// <param name="AllocationPerByte">Allocation allowed per input byte: a parser that allocates past both is unbounded.</param>
public sealed record FuzzTarget(
    string Name,
    string Description,
    Action<ReadOnlyMemory<byte>> Run,
    int MaxInputLength,
    long FixedAllocation,
    long AllocationPerByte)
{
    /// <summary>The most bytes parsing <paramref name="inputLength"/> bytes may allocate.</summary>
    public long AllocationBudget(int inputLength) => FixedAllocation + (AllocationPerByte * inputLength);
}

/// <summary>A parser broke its contract on a fuzz input; thrown so afl-fuzz records the input as a crash.</summary>
public sealed class FuzzFindingException : Exception
{
    /// <summary>A finding described by <paramref name="message"/>.</summary>
    public FuzzFindingException(string message)
        : base(message)
    {
    }

    /// <summary>Required by CA1032.</summary>
    public FuzzFindingException()
    {
    }

    /// <summary>Required by CA1032.</summary>
    public FuzzFindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Runs a target on one input with the allocation bound checked: the same step for afl-fuzz and for the corpus tests.</summary>
public static class FuzzHarness
{
    /// <summary>
    /// Parses <paramref name="input"/> with <paramref name="target"/>; throws what the target throws,
    /// or <see cref="FuzzFindingException"/> when the parse allocated more than its budget.
    /// </summary>
    public static void RunBounded(FuzzTarget target, ReadOnlyMemory<byte> input)
    {
        ArgumentNullException.ThrowIfNull(target);

        // Allocation by this thread alone: the parsers are synchronous, so this is what they cost.
        var before = GC.GetAllocatedBytesForCurrentThread();
        target.Run(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var budget = target.AllocationBudget(input.Length);
        if (allocated > budget)
        {
            throw new FuzzFindingException($"{target.Name}: {allocated} bytes allocated for a {input.Length}-byte input, more than the bound of {budget}");
        }
    }

    /// <summary>Throws a finding unless <paramref name="condition"/> holds.</summary>
    public static void Check(bool condition, string target, string what)
    {
        if (!condition)
        {
            throw new FuzzFindingException($"{target}: {what}");
        }
    }
}
