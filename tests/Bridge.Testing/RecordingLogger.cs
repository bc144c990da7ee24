using Microsoft.Extensions.Logging;

namespace Bridge.Testing;

/// <summary>A logger that keeps every line (level, event id, message), for tests that check what was logged.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, int EventId, string Message)> _lines = [];

    /// <summary>Everything logged so far, in order.</summary>
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

    /// <summary>The messages logged with <paramref name="eventId"/>, in order.</summary>
    public IReadOnlyList<string> Messages(int eventId) => [.. Lines.Where(l => l.EventId == eventId).Select(l => l.Message)];

    /// <summary>Every line as text, for a failing assertion's message.</summary>
    public string Transcript() => string.Join('\n', Lines.Select(static l => $"{l.Level} {l.EventId}: {l.Message}"));

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_gate)
        {
            _lines.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
