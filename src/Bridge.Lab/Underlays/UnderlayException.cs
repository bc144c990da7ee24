namespace Bridge.Lab.Underlays;

/// <summary>
/// A topology file that cannot become an <see cref="Underlay"/>. <see cref="Errors"/> lists every
/// fault found, each naming the node or link at fault, so one run shows them all.
/// </summary>
public sealed class UnderlayException : Exception
{
    public UnderlayException()
        : this("invalid topology", [])
    {
    }

    public UnderlayException(string message)
        : this(message, [])
    {
    }

    public UnderlayException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public UnderlayException(string topology, IReadOnlyList<string> errors)
        : base(errors.Count == 0 ? topology : $"topology '{topology}' is invalid: {string.Join("; ", errors)}")
    {
        Errors = errors;
    }

    /// <summary>One line per fault.</summary>
    public IReadOnlyList<string> Errors { get; }
}
