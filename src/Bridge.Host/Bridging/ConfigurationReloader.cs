using System.Threading.Channels;
using Bridge.Host.Configuration;
using Bridge.Host.Diagnostics;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary>
/// Watches the node's configuration file and applies a changed bridge section (its adapter sides
/// and rules) and groups to the running <see cref="BridgeService"/>; the node, domain, gateway and
/// metrics sections take effect at the next start (docs/configuration.md says why for each). The file is
/// loaded and checked as at start; a file with errors
/// is refused, every error logged, and the last good configuration keeps running (as YARP keeps
/// its last good routes). Editors write a file in several steps, so a change is read only once the
/// file has been quiet for <see cref="Debounce"/>, and a content equal to the last one read is no
/// change.
/// </summary>
internal sealed partial class ConfigurationReloader(
    string path, NodeConfiguration initial, MulticastInterface multicastInterface, BridgeService bridge, ILogger<ConfigurationReloader> logger, TimeProvider time,
    ConfigurationHealth? health = null)
    : BackgroundService
{
    /// <summary>How long the file must stay unchanged before it is read.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var fullPath = Path.GetFullPath(path);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(fullPath)!, Path.GetFileName(fullPath))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, _) => _changes.Writer.TryWrite(true);
        watcher.Created += (_, _) => _changes.Writer.TryWrite(true);
        watcher.Renamed += (_, e) =>
        {
            if (string.Equals(e.FullPath, fullPath, StringComparison.Ordinal))
            {
                _changes.Writer.TryWrite(true);
            }
        };
        watcher.EnableRaisingEvents = true;
        var lastText = ReadOrNull(fullPath);
        var current = initial;
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stoppingToken))
            {
                // Wait until the writes stop: each event within the debounce starts it again.
                do
                {
                    _changes.Reader.TryRead(out _);
                    await Task.Delay(Debounce, time, stoppingToken);
                }
                while (_changes.Reader.TryRead(out _));

                var text = ReadOrNull(fullPath);
                if (text is null || text == lastText)
                {
                    continue;
                }

                lastText = text;
                current = await ReloadAsync(fullPath, current, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    private async Task<NodeConfiguration> ReloadAsync(string fullPath, NodeConfiguration current, CancellationToken cancellationToken)
    {
        var (next, errors) = NodeConfigurationLoader.Load(fullPath);
        if (next is null)
        {
            foreach (var error in errors)
            {
                Log.ReloadError(logger, fullPath, error.ToString());
            }

            Log.ReloadRefused(logger, fullPath, $"{errors.Count} error(s); the last good configuration keeps running");
            health?.Reloaded($"{errors.Count} error(s)");
            return current;
        }

        if (next.Bridge is not { } section)
        {
            Log.ReloadRefused(logger, fullPath, "the bridge section is gone; restart the node to stop its bridge");
            health?.Reloaded("the bridge section is gone");
            return current;
        }

        if (next.Domain != current.Domain || next.Gateway != current.Gateway || next.Node != current.Node || next.Metrics != current.Metrics)
        {
            Log.RestartNeeded(logger, fullPath);
        }

        try
        {
            await bridge.ApplyAsync(BridgeSettings.From(section, multicastInterface, next.Groups), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ApplyFailed(logger, fullPath, ex);
            health?.Reloaded("applying it failed");
            return current;
        }

        Log.Reloaded(logger, section.Rules.Count, fullPath);
        health?.Reloaded(null);
        return next;
    }

    private static string? ReadOrNull(string fullPath)
    {
        try
        {
            return File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone or being replaced: the next event brings it back.
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(210, LogLevel.Information, "Configuration reloaded: {Rules} rules from {Path}")]
        public static partial void Reloaded(ILogger logger, int rules, string path);

        [LoggerMessage(211, LogLevel.Warning, "Configuration reload refused: {Path}: {Reason}")]
        public static partial void ReloadRefused(ILogger logger, string path, string reason);

        [LoggerMessage(212, LogLevel.Warning, "{Path}: {Error}")]
        public static partial void ReloadError(ILogger logger, string path, string error);

        [LoggerMessage(213, LogLevel.Warning, "{Path}: node, domain, gateway and metrics changes take effect at the next start; the bridge changes are applied now")]
        public static partial void RestartNeeded(ILogger logger, string path);

        [LoggerMessage(214, LogLevel.Error, "Configuration reload refused: {Path}: applying it failed; parts of the bridge may have stopped")]
        public static partial void ApplyFailed(ILogger logger, string path, Exception exception);
    }
}
