using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Bridge.Host.Cli;

/// <summary>Options of <see cref="CliLogFormatter"/>.</summary>
internal sealed class CliLogFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Whether an exception is written in full (type, stack trace), as <c>--verbose</c> asks; otherwise as <see cref="ErrorText"/> words it.</summary>
    public bool ExceptionDetails { get; set; }
}

/// <summary>
/// Writes each log entry on one line, as the simple console formatter's single-line mode does
/// (<c>12:00:00.000 warn: Category[id] message</c>). An entry's exception is added as the reason
/// after a colon, worded by <see cref="ErrorText"/>; only with <see cref="CliLogFormatterOptions.ExceptionDetails"/>
/// does it follow in full, with its stack trace, on the lines below.
/// </summary>
internal sealed class CliLogFormatter(IOptionsMonitor<CliLogFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    /// <summary>The name the console logger selects this formatter by.</summary>
    public const string FormatterName = "gridcast";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var exception = logEntry.Exception;
        if (string.IsNullOrEmpty(message) && exception is null)
        {
            return;
        }

        var settings = options.CurrentValue;
        if (settings.TimestampFormat is { } format)
        {
            var now = settings.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now;
            textWriter.Write(now.ToString(format, CultureInfo.InvariantCulture));
        }

        textWriter.Write(LevelOf(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id.ToString(CultureInfo.InvariantCulture));
        textWriter.Write("] ");
        textWriter.Write(message.ReplaceLineEndings(" "));
        if (exception is not null)
        {
            if (settings.ExceptionDetails)
            {
                textWriter.WriteLine();
                textWriter.Write(exception.ToString());
            }
            else
            {
                textWriter.Write(": ");
                textWriter.Write(ErrorText.Of(exception));
            }
        }

        textWriter.WriteLine();
    }

    private static string LevelOf(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
