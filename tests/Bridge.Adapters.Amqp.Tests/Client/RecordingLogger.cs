using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Amqp.Tests.Client;

/// <summary>A logger that keeps the event ids and messages it was given, for assertions.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<(int EventId, LogLevel Level, string Message)> _entries = [];

    /// <summary>Everything logged so far.</summary>
    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The messages logged with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<string> Messages(int eventId) => [.. Entries.Where(e => e.EventId == eventId).Select(e => e.Message)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _entries.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
