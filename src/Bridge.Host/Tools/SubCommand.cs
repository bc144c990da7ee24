using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bridge.Host.Cli;
using Bridge.Host.Security;
using Bridge.Multicast;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Tools;

/// <summary>
/// One received message as <c>gridcast sub --json</c> prints it. <see cref="ReceivedAt"/> is when
/// sub took it from its socket, on the same clock as the sender's <see cref="SentAt"/> when both
/// run on one machine: a reader of the output can tell a delay on the way from one in reading.
/// </summary>
internal sealed record SubMessage(string Group, string Source, ulong Sequence, string Payload, DateTimeOffset SentAt, string? From, DateTimeOffset ReceivedAt)
{
    public static SubMessage Of(GroupMessage message, DateTimeOffset receivedAt) => new(
        message.Group.Canonical,
        FormatSource(message.SourceId),
        message.Sequence,
        Encoding.UTF8.GetString(message.Payload.Span),
        message.SentAt,
        message.From?.Address.ToString(),
        receivedAt);

    public static string FormatSource(ulong sourceId) => sourceId.ToString("x16", CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>gridcast sub GROUP...</c>: prints what groups carry, in the spirit of mosquitto_sub. While it
/// runs it takes <c>join GROUP</c>, <c>leave GROUP</c> and <c>security</c> (print what secured
/// groups took and refused so far) on standard input, one per line.
/// </summary>
internal static class SubCommand
{
    /// <summary>Written to standard error once a group is joined; scripts wait for it.</summary>
    public const string ReadyLine = "subscribed to";

    /// <summary>How often a running <c>sub</c> reports its groups to the gateways of its domain.</summary>
    private static readonly TimeSpan MemberReportInterval = TimeSpan.FromSeconds(2);

    /// <summary>Written to standard error once a group is left.</summary>
    public const string LeftLine = "left";

    public static Command Create()
    {
        var @interface = CommonOptions.Interface();
        var groups = CommonOptions.Groups(carriedOn: @interface);
        var count = CommonOptions.OptionalWholeNumber("--count", "Exit after K messages (exit code 0); without it, run until stopped", "K", min: 1);
        count.Aliases.Add("-C");
        var timeout = CommonOptions.OptionalSeconds("--timeout", "Give up after S seconds; with --count, a timeout exits with code 1");
        timeout.Aliases.Add("-W");
        var json = CommonOptions.Json();
        var keys = KeyFiles.Option();
        var verbose = CommonOptions.Verbose();
        var keyFile = CommonOptions.DomainKeyFile();
        var keyRing = CommonOptions.DomainKeyRing();
        var reliable = new Option<bool>("--reliable")
        {
            Description = "Receive as reliable groups: NACK what is missing and print 'lost GROUP SOURCE FIRST-LAST (REASON)' on standard error for what cannot be repaired (docs/reliability.md)",
        };
        var inOrder = new Option<bool>("--in-order")
        {
            Description = "With --reliable, print each source's messages in sequence order",
        };
        var command = new Command("sub", "Print the messages of groups; reads 'join GROUP' and 'leave GROUP' lines on standard input")
        {
            groups, count, timeout, json, keys, @interface, verbose, keyFile, keyRing, reliable, inOrder,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var wanted = result.GetValue(count);
            var multicastInterface = CommonOptions.InterfaceOrLoopback(result, @interface);
            var (store, keyErrors) = KeyFiles.Load(result.GetValue(keys) ?? []);
            if (store is null)
            {
                foreach (var error in keyErrors)
                {
                    await Console.Error.WriteLineAsync(error);
                }

                return GridcastCommand.UsageError;
            }

            using var host = CliHost.Build(result.GetValue(verbose));
            var time = host.Services.GetRequiredService<TimeProvider>();
            if (!CommonOptions.TryDomainKeys(result, keyFile, keyRing, time, out var controlKeys))
            {
                return GridcastCommand.UsageError;
            }

            // A receiver reports its groups, so gateways that learn members carry them here.
            await using var socket = MulticastSocket.Create(
                multicastInterface,
                CommonOptions.SocketOptions(controlKeys, MemberReportInterval),
                host.Services.GetRequiredService<ILogger<MulticastSocket>>(),
                time);
            var secured = result.GetValue(keys) is { Length: > 0 };
            if (secured)
            {
                var missing = result.GetRequiredValue(groups).Where(g => store.ForGroup(g.WireName) is null).ToList();
                if (missing.Count > 0)
                {
                    await Console.Error.WriteLineAsync($"gridcast: no key file given holds a key ring for {string.Join(", ", missing.Select(g => g.WireName))}");
                    return GridcastCommand.UsageError;
                }

                KeyFiles.Protect(socket, store, result.GetRequiredValue(groups));
            }

            if (result.GetValue(reliable))
            {
                var options = new ReliableGroupOptions { InOrder = result.GetValue(inOrder) };
                foreach (var name in result.GetRequiredValue(groups))
                {
                    socket.MakeReliable(name, options);
                }

                _ = PrintLossesAsync(socket, cancellationToken);
            }

            // With keys, the last line says what the secured groups took and refused, by reason.
            using var summary = secured ? new SecuritySummary(socket) : null;
            foreach (var name in result.GetRequiredValue(groups))
            {
                socket.Join(name);
                await Console.Error.WriteLineAsync($"{ReadyLine} {name} on {multicastInterface.Name}");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (result.GetValue(timeout) is { } seconds)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            _ = Task.Factory.StartNew(() => FollowCommands(socket, multicastInterface), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var received = 0;

            // Lines are written to a buffer and flushed once per wake-up, after every message
            // queued by then: one write for a burst instead of one per message.
            var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
            await using var flushedAtEnd = output;
            try
            {
                while (await socket.WaitToReceiveAsync(stop.Token))
                {
                    while (socket.TryReceive(out var message))
                    {
                        using (message)
                        {
                            Print(output, message.ToGroupMessage(), time.GetUtcNow(), result.GetValue(json));
                        }

                        if (++received == wanted)
                        {
                            await output.FlushAsync(CancellationToken.None);
                            return GridcastCommand.Ok;
                        }
                    }

                    await output.FlushAsync(CancellationToken.None);
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

            await Console.Error.WriteLineAsync($"gridcast: timed out with {received} of {wanted} message(s)");
            return GridcastCommand.Failed;
        });
        return command;
    }

    private static async Task PrintLossesAsync(MulticastSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var loss in socket.UnrecoverableLossesAsync(cancellationToken))
            {
                await Console.Error.WriteLineAsync(FormatLoss(loss));
            }
        }
        catch (OperationCanceledException)
        {
            // The command ends.
        }
    }

    /// <summary>The line printed for an unrecoverable loss: <c>lost GROUP SOURCE FIRST-LAST (REASON)</c>.</summary>
    internal static string FormatLoss(UnrecoverableLoss loss) =>
        $"lost {loss.Group} {SubMessage.FormatSource(loss.SourceId)} {loss.First}-{loss.Last} ({loss.Reason})";

    // Console input blocks a thread, so this runs on its own (background) thread until end of input.
    // A bad line is answered on standard error and skipped; the groups joined so far stay joined.
    private static void FollowCommands(MulticastSocket socket, MulticastInterface multicastInterface)
    {
        while (Console.In.ReadLine() is { } line)
        {
            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts is ["security"])
            {
                // What the secured groups took and refused so far, the line printed at the end.
                Console.Error.WriteLine(KeyFiles.Summary(socket.Counters.Security));
                continue;
            }

            if (parts.Length != 2 || parts[0] is not ("join" or "leave"))
            {
                Console.Error.WriteLine($"gridcast: unknown command '{line}' (use: join GROUP, leave GROUP, security)");
                continue;
            }

            if (!GroupName.TryParse(parts[1], out var group, out var error))
            {
                Console.Error.WriteLine($"gridcast: {error}");
                continue;
            }

            if (parts[0] == "join" && CommonOptions.CarryError(group, multicastInterface) is { } carryError)
            {
                Console.Error.WriteLine($"gridcast: join {group} failed: {carryError}");
                continue;
            }

            try
            {
                if (parts[0] == "join")
                {
                    socket.Join(group);
                    Console.Error.WriteLine($"{ReadyLine} {group} on {multicastInterface.Name}");
                }
                else
                {
                    socket.Leave(group);
                    Console.Error.WriteLine($"{LeftLine} {group}");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                Console.Error.WriteLine($"gridcast: {parts[0]} {group} failed: {ErrorText.Of(ex)}");
            }
        }
    }

    /// <summary>Writes the security summary line to standard error when sub ends, however it ends.</summary>
    private sealed class SecuritySummary(MulticastSocket socket) : IDisposable
    {
        public void Dispose() => Console.Error.WriteLine(KeyFiles.Summary(socket.Counters.Security));
    }

    private static void Print(TextWriter output, GroupMessage message, DateTimeOffset receivedAt, bool json)
    {
        var line = SubMessage.Of(message, receivedAt);
        output.WriteLine(json
            ? JsonSerializer.Serialize(line, CliJson.Printed.SubMessage)
            : $"{line.Group} {line.Source} #{line.Sequence}: {line.Payload}");
    }
}
