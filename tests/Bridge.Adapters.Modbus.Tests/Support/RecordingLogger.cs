using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>A logger that keeps every line (level, event id, message), for tests that check what was logged.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, int EventId, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, int EventId, string Message)> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _lines.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }

    public string Transcript() => string.Join('\n', Lines.Select(static l => $"{l.Level} {l.EventId}: {l.Message}"));
}
