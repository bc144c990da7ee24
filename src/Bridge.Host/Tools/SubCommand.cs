using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bridge.Host.Cli;
using Bridge.Multicast;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Tools;

/// <summary>One received message as <c>gridcast sub --json</c> prints it.</summary>
internal sealed record SubMessage(string Group, string Source, ulong Sequence, string Payload, DateTimeOffset SentAt)
{
    public static SubMessage From(GroupMessage message) => new(
        message.Group.Canonical,
        FormatSource(message.SourceId),
        message.Sequence,
        Encoding.UTF8.GetString(message.Payload.Span),
        message.SentAt);

    public static string FormatSource(ulong sourceId) => sourceId.ToString("x16", CultureInfo.InvariantCulture);
}

/// <summary><c>gridcast sub GROUP</c>: prints what a group carries, in the spirit of mosquitto_sub.</summary>
internal static class SubCommand
{
    /// <summary>Written to standard error once the group is joined; scripts wait for it.</summary>
    public const string ReadyLine = "subscribed to";

    public static Command Create()
    {
        var group = CommonOptions.Group();
        var count = new Option<int?>("--count", "-C")
        {
            Description = "Exit after K messages (exit code 0); without it, run until stopped",
            HelpName = "K",
        };
        var timeout = new Option<double?>("--timeout", "-W")
        {
            Description = "Give up after S seconds; with --count, a timeout exits with code 1",
            HelpName = "S",
        };
        var json = CommonOptions.Json();
        var @interface = CommonOptions.Interface();
        var verbose = CommonOptions.Verbose();
        var command = new Command("sub", "Print the messages of a group") { group, count, timeout, json, @interface, verbose };
        command.SetAction(async (result, cancellationToken) =>
        {
            var name = result.GetRequiredValue(group);
            var wanted = result.GetValue(count);
            if (wanted is < 1)
            {
                await Console.Error.WriteLineAsync("gridcast: --count must be at least 1");
                return GridcastCommand.UsageError;
            }

            var multicastInterface = CommonOptions.ResolveInterface(result.GetValue(@interface));
            using var host = CliHost.Build(CommonOptions.LogLevelFor(result.GetValue(verbose)));
            var time = host.Services.GetRequiredService<TimeProvider>();
            await using var socket = MulticastSocket.Create(
                multicastInterface, logger: host.Services.GetRequiredService<ILogger<MulticastSocket>>(), time: time);
            socket.Join(name);
            await Console.Error.WriteLineAsync($"{ReadyLine} {name} on {multicastInterface.Name}");

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (result.GetValue(timeout) is { } seconds)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            var received = 0;
            try
            {
                await foreach (var message in socket.ReceiveAsync(stop.Token))
                {
                    Print(message, result.GetValue(json));
                    if (++received == wanted)
                    {
                        return GridcastCommand.Ok;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // --timeout expired.
            }
            catch (OperationCanceledException)
            {
                // Stopped by the user (Ctrl+C, SIGTERM).
                return GridcastCommand.Ok;
            }

            if (wanted is null)
            {
                return GridcastCommand.Ok;
            }

            await Console.Error.WriteLineAsync($"gridcast: timed out with {received} of {wanted} message(s) from {name}");
            return GridcastCommand.Failed;
        });
        return command;
    }

    private static void Print(GroupMessage message, bool json)
    {
        var line = SubMessage.From(message);
        Console.WriteLine(json
            ? JsonSerializer.Serialize(line, CliJson.Default.SubMessage)
            : $"{line.Group} {line.Source} #{line.Sequence}: {line.Payload}");
    }
}
