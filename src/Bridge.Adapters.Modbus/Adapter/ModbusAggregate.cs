using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Bridge.Core.Configuration;
using Bridge.Multicast.Aggregation;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// How a register block is read when its rule aggregates (<c>aggregate=sum,mean deadline=2s quorum=3</c>):
/// a master's read asks the rule's group, and the block holds one value per function, in the
/// order <see cref="Functions"/> lists them, each encoded as the endpoint's type, order and scale.
/// </summary>
/// <param name="Functions">The functions, in block order; each once.</param>
/// <param name="Deadline">How long the request waits for replies.</param>
/// <param name="Quorum">The fewest replies a read is answered with; fewer get exception 0x0B.</param>
public sealed record ModbusAggregate(IReadOnlyList<AggregateFunctions> Functions, TimeSpan Deadline, int Quorum)
{
    /// <summary>The deadline when the endpoint gives none.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest deadline: the Modbus server answers a read its handler has not answered within
    /// 10 s with exception 0x0B, so a longer request could never be answered.
    /// </summary>
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromSeconds(9);

    private static readonly (string Name, AggregateFunctions Function)[] Names =
    [
        ("count", AggregateFunctions.Count),
        ("sum", AggregateFunctions.Sum),
        ("min", AggregateFunctions.Min),
        ("max", AggregateFunctions.Max),
        ("mean", AggregateFunctions.Mean),
    ];

    /// <summary>The spec the group is asked with: every listed function.</summary>
    public AggregationSpec Spec => new() { Functions = Functions.Aggregate((AggregateFunctions)0, (all, f) => all | f) };

    /// <summary>The name of <paramref name="function"/> in the endpoint and in the result JSON (<c>sum</c>).</summary>
    public static string NameOf(AggregateFunctions function) => Names.First(n => n.Function == function).Name;

    /// <summary>Equal when the functions (in order), deadline and quorum are.</summary>
    public bool Equals(ModbusAggregate? other)
        => other is not null && Functions.SequenceEqual(other.Functions) && Deadline == other.Deadline && Quorum == other.Quorum;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Functions.Count, Deadline, Quorum);

    /// <summary>Parses the <c>aggregate</c>, <c>deadline</c> and <c>quorum</c> fields; null texts are absent fields.</summary>
    internal static bool TryParse(string functionsText, string? deadlineText, string? quorumText, [NotNullWhen(true)] out ModbusAggregate? aggregate, [NotNullWhen(false)] out string? reason)
    {
        aggregate = null;
        var functions = new List<AggregateFunctions>();
        foreach (var name in functionsText.Split(','))
        {
            var match = Names.FirstOrDefault(n => n.Name == name);
            if (match.Name is null)
            {
                reason = $"aggregate '{name}' must be count, sum, min, max or mean (a list: aggregate=sum,count)";
                return false;
            }

            if (functions.Contains(match.Function))
            {
                reason = $"aggregate names {name} twice";
                return false;
            }

            functions.Add(match.Function);
        }

        var deadline = DefaultDeadline;
        if (deadlineText is not null
            && (!ValueSyntax.TryParseDuration(deadlineText, out deadline) || deadline < TimeSpan.FromMilliseconds(1) || deadline > MaxDeadline
                || deadline.Ticks % TimeSpan.TicksPerMillisecond != 0))
        {
            reason = $"deadline '{deadlineText}' must be whole milliseconds from 1ms to 9s (250ms, 2s): the server answers 0x0B after 10 s";
            return false;
        }

        var quorum = 1;
        if (quorumText is not null && (!int.TryParse(quorumText, NumberStyles.None, CultureInfo.InvariantCulture, out quorum) || quorum < 1))
        {
            reason = $"quorum '{quorumText}' must be a whole number from 1: the fewest replies a read is answered with";
            return false;
        }

        aggregate = new ModbusAggregate(functions, deadline, quorum);
        reason = null;
        return true;
    }
}
