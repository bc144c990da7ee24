using System.Diagnostics.CodeAnalysis;

namespace Bridge.Core.Mapping;

/// <summary>
/// A rule endpoint written as one line of space-separated <c>field=value</c> pairs
/// (<c>unit=1 holding=100-109</c>, <c>ied=ied1 report=LD0/LLN0.EventsRCB01[RP]</c>) rather than
/// as a template: it has no placeholders, so it names its addresses outright. The fixed-address
/// kinds (Modbus, IEC 61850 MMS, GOOSE) share this shape; each reads its own fields' values from
/// what <see cref="TryReadFields"/> returns and checks how they combine.
/// </summary>
/// <typeparam name="TAddress">A concrete address of the kind.</typeparam>
public abstract class FieldEndpoint<TAddress> : EndpointTemplate<TAddress>
    where TAddress : notnull
{
    /// <summary>Creates the endpoint as the file writes it.</summary>
    /// <param name="text">The line the endpoint was parsed from.</param>
    protected FieldEndpoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <inheritdoc/>
    public sealed override string Text { get; }

    /// <inheritdoc/>
    /// <remarks>Always empty: a field endpoint binds nothing to the rule's group templates.</remarks>
    public sealed override IReadOnlyList<string> Placeholders { get; } = [];

    /// <inheritdoc/>
    /// <remarks>True unless the kind says otherwise: with no placeholders there is no wildcard to forbid publishing.</remarks>
    public override bool CanPublish => true;

    /// <summary>
    /// Splits <paramref name="text"/> into its <c>field=value</c> pairs. It stops at the first
    /// part that is not <c>field=value</c>, names a field not in <paramref name="known"/>, or
    /// repeats a field, and says which in <paramref name="reason"/>.
    /// </summary>
    /// <param name="text">The endpoint line.</param>
    /// <param name="known">The field names the kind accepts (compared ordinally).</param>
    /// <param name="example">A whole endpoint of the kind, shown when a part is not <c>field=value</c>.</param>
    /// <param name="use">What the kind accepts, in words, shown after an unknown field.</param>
    /// <param name="fields">Each field given, with its value (empty when written <c>field=</c>).</param>
    /// <param name="reason">Why the line is not a set of known fields.</param>
    /// <returns>Whether every part is a known field, given once.</returns>
    protected static bool TryReadFields(
        string text,
        IReadOnlyCollection<string> known,
        string example,
        string use,
        [NotNullWhen(true)] out Dictionary<string, string>? fields,
        [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(known);
        fields = null;
        var read = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                reason = $"'{part}' is not field=value (write {example})";
                return false;
            }

            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                reason = $"unknown field '{key}': use {use}";
                return false;
            }

            if (!read.TryAdd(key, value))
            {
                reason = $"field {key} is given twice";
                return false;
            }
        }

        fields = read;
        reason = null;
        return true;
    }
}
