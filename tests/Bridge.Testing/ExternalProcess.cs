using System.Diagnostics;
using System.Text;

namespace Bridge.Testing;

/// <summary>
/// A child process whose output lines are collected as they come, so a test can wait for a line
/// (a readiness message) instead of sleeping. Disposing kills it if it still runs.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>The command line, for failure messages.</summary>
    public string CommandLine { get; private init; } = string.Empty;

    /// <summary>Standard output so far, one entry a line.</summary>
    public IReadOnlyList<string> StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>Standard error so far, one entry a line.</summary>
    public IReadOnlyList<string> StandardError
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static ExternalProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var external = new ExternalProcess(process)
        {
            CommandLine = $"{fileName} {string.Join(' ', info.ArgumentList)}",
        };
        process.OutputDataReceived += (_, e) => external.OnLine(e.Data, external._stdout, external._stdoutClosed);
        process.ErrorDataReceived += (_, e) => external.OnLine(e.Data, external._stderr, external._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return external;
    }

    /// <summary>Waits until a line of standard output or error satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _stdout.Concat(_stderr).FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((match, seen));
        }

        var exited = _process.WaitForExitAsync();
        var winner = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (winner == seen.Task)
        {
            return await seen.Task;
        }

        // The process may have printed the line just before it exited.
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        if (seen.Task.IsCompleted)
        {
            return await seen.Task;
        }

        var why = winner == exited ? $"it exited with code {_process.ExitCode}" : $"{timeout.TotalSeconds} s passed";
        throw new TimeoutException($"no expected line from '{CommandLine}' before {why}.\n{Transcript()}");
    }

    /// <summary>Waits for the process to exit and returns its exit code; kills it on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"'{CommandLine}' did not exit within {timeout.TotalSeconds} s.\n{Transcript()}");
        }

        // Exit comes before the last output events; wait for both streams to close.
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task);
        return _process.ExitCode;
    }

    /// <summary>Writes <paramref name="line"/> and a newline to the process's standard input, at once (not buffered).</summary>
    public async Task WriteLineAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException e)
        {
            throw new IOException($"could not write '{line}' to '{CommandLine}' ({e.Message}).\n{Transcript()}", e);
        }
    }

    /// <summary>Sends SIGTERM (a graceful stop) to the process.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            Prerequisites.Signal(_process.Id, PosixSignalNumber.Term);
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (<c>KILL</c>, <c>TERM</c>, <c>STOP</c>, <c>CONT</c>) to the
    /// process alone, not its children: <c>KILL</c> is a crash with no clean-up. Does not wait;
    /// <see cref="WaitForExitAsync"/> does.
    /// </summary>
    public void Kill(string signal)
    {
        var number = signal switch
        {
            "KILL" => PosixSignalNumber.Kill,
            "TERM" => PosixSignalNumber.Term,
            "STOP" => PosixSignalNumber.Stop,
            "CONT" => PosixSignalNumber.Continue,
            _ => throw new ArgumentException($"'{signal}' is not one of KILL, TERM, STOP, CONT", nameof(signal)),
        };
        if (!_process.HasExited)
        {
            Prerequisites.Signal(_process.Id, number);
        }
    }

    /// <summary>Everything the process printed, for assertion messages.</summary>
    public string Transcript()
    {
        lock (_gate)
        {
            return $"--- stdout of {CommandLine}\n{string.Join('\n', _stdout)}\n--- stderr\n{string.Join('\n', _stderr)}";
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnLine(string? line, List<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var seen in matched)
        {
            seen.TrySetResult(line);
        }
    }
}
