using Microsoft.Extensions.Logging;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>Warnings and errors of the bridge under test, on stderr beside the progress lines.</summary>
internal sealed class StderrLogger : ILogger
{
    public static readonly StderrLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"  bridge {logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : $" ({exception.Message})")}");
        }
    }
}
