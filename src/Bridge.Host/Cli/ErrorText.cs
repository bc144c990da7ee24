using System.Reflection;
using System.Text.RegularExpressions;

namespace Bridge.Host.Cli;

/// <summary>
/// The one place that turns an exception into what a person reads: a single line with the
/// message and the messages of the exceptions it wraps where they add something. It leaves out
/// what is written for programmers: type names, stack traces and the <c>(Parameter 'x')</c> an
/// <see cref="ArgumentException"/> appends to its message. Values the user gives are checked by
/// the verbs before anything runs (exit code 2, each error naming the value); this is for what
/// can only fail later, and for what slipped past those checks.
/// </summary>
internal static partial class ErrorText
{
    // Wrapped exceptions deeper than this add noise, not reasons.
    private const int MaxDepth = 4;

    /// <summary>The exception as one line for people, e.g. <c>cannot listen on 127.0.0.1:1883: Address already in use</c>.</summary>
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var parts = new List<string>();
        var current = Unwrap(exception);
        for (var depth = 0; current is not null && depth < MaxDepth; depth++, current = Unwrap(current.InnerException))
        {
            var text = MessageOf(current);
            if (text.Length > 0 && !parts.Exists(p => p.Contains(text, StringComparison.OrdinalIgnoreCase)))
            {
                parts.Add(text);
            }
        }

        return parts.Count == 0 ? "an unexpected error occurred; --verbose shows the details" : string.Join(": ", parts);
    }

    /// <summary>
    /// The exit code for a verb that ended with <paramref name="exception"/>: 130 when stopped, 2 for
    /// a value the verb passed on that the library refused, 1 for anything that failed while running.
    /// </summary>
    public static int ExitCodeOf(Exception exception) => Unwrap(exception) switch
    {
        OperationCanceledException => GridcastCommand.Interrupted,
        ArgumentException or FormatException => GridcastCommand.UsageError,
        _ => GridcastCommand.Failed,
    };

    // A task's or reflection's wrapper around a single cause says nothing itself.
    private static Exception? Unwrap(Exception? exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        _ => exception,
    };

    private static string MessageOf(Exception exception)
    {
        var message = exception.Message;

        // The default message of an exception thrown without one ("Exception of type 'X' was thrown.") names only its type.
        if (message.StartsWith("Exception of type '", StringComparison.Ordinal))
        {
            return string.Empty;
        }

        // ArgumentException appends "(Parameter 'name')", and a message that quotes one carries it along.
        message = ParameterTail().Replace(message, string.Empty);
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" ", lines).TrimEnd('.', ' ');
    }

    [GeneratedRegex(@" ?\(Parameter '[^']*'\)")]
    private static partial Regex ParameterTail();
}
