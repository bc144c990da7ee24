using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Bridge.Host.Cli;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Tools;

/// <summary>
/// <c>gridcast respond GROUP --value V</c>: a device that answers every request sent to a group
/// with a value, fixed or read from a file at each request (the reverse channel, docs/aggregation.md).
/// </summary>
internal static class RespondCommand
{
    /// <summary>Written to standard error once the group is joined; scripts and tests wait for it.</summary>
    public const string ReadyLine = "responding to";

    /// <summary>How often a running <c>respond</c> reports its group to the gateways of its domain.</summary>
    private static readonly TimeSpan MemberReportInterval = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var @interface = CommonOptions.Interface();
        var group = CommonOptions.Group(carriedOn: @interface);
        var value = new Option<double?>("--value")
        {
            Description = "The value to answer with: a finite number, magnitude at most 2^52",
            HelpName = "V",
            CustomParser = result => ParseValue(result, "--value", result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty),
        };
        var valueFrom = new Option<FileInfo?>("--value-from")
        {
            Description = "A file holding the value, read again at each request (a meter reading kept current by another program)",
            HelpName = "FILE",
            CustomParser = result =>
            {
                var file = new FileInfo(result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty);
                if (!file.Exists)
                {
                    result.AddError($"--value-from: there is no file '{file.FullName}'");
                    return null;
                }

                return file;
            },
        };
        var count = CommonOptions.OptionalWholeNumber("--count", "Exit after answering K requests (exit code 0); without it, run until stopped", "K", min: 1);
        count.Aliases.Add("-C");
        var verbose = CommonOptions.Verbose();
        var keyFile = CommonOptions.DomainKeyFile();
        var keyRing = CommonOptions.DomainKeyRing();
        var command = new Command("respond", "Answer every request sent to a group with a value")
        {
            group, value, valueFrom, count, @interface, verbose, keyFile, keyRing,
        };
        command.Validators.Add(result =>
        {
            var given = (result.GetResult(value) is { Implicit: false } ? 1 : 0) + (result.GetResult(valueFrom) is { Implicit: false } ? 1 : 0);
            if (given != 1)
            {
                result.AddError("give the value to answer with, either --value V or --value-from FILE (one of them)");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var name = result.GetRequiredValue(group);
            var wanted = result.GetValue(count);
            var fixedValue = result.GetValue(value);
            var file = result.GetValue(valueFrom);
            var multicastInterface = CommonOptions.InterfaceOrLoopback(result, @interface);
            using var host = CliHost.Build(result.GetValue(verbose));
            var time = host.Services.GetRequiredService<TimeProvider>();
            if (CommonOptions.ReportFormat(result, keyFile, keyRing, time) is not { } reportFormat)
            {
                return GridcastCommand.UsageError;
            }

            // A device reports its group, so gateways that learn members count it.
            await using var socket = MulticastSocket.Create(
                multicastInterface,
                new MulticastSocketOptions { MemberReports = new(reportFormat, MemberReportInterval) },
                host.Services.GetRequiredService<ILogger<MulticastSocket>>(),
                time);
            socket.Join(name);
            // The member id is what a request's missing ids (--missing-ids) name this device by.
            await Console.Error.WriteLineAsync($"{ReadyLine} {name} on {multicastInterface.Name} as member {SubMessage.FormatSource(socket.SourceId)}");
            var answered = 0;
            try
            {
                await foreach (var request in socket.RequestsAsync(cancellationToken))
                {
                    var id = request.Request.RequestId.ToString("x16", CultureInfo.InvariantCulture);
                    var answer = fixedValue ?? await ReadValueAsync(file!, cancellationToken);
                    if (answer is null)
                    {
                        await Console.Error.WriteLineAsync($"gridcast: request {id} not answered: {file!.FullName} does not hold a number from -2^52 to 2^52");
                        continue;
                    }

                    await socket.ReplyAsync(request, answer.Value, cancellationToken: cancellationToken);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"request {id} from {SubMessage.FormatSource(request.SourceId)}: answered {answer.Value:R}"));
                    if (++answered == wanted)
                    {
                        return GridcastCommand.Ok;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped by the user (Ctrl+C, SIGTERM).
            }

            return GridcastCommand.Ok;
        });
        return command;
    }

    private static double? ParseValue(ArgumentResult? result, string option, string text)
    {
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            && ValueUnits.Check(parsed) == AggregationError.None)
        {
            return parsed;
        }

        result?.AddError($"{option} must be a finite number from -2^52 to 2^52, not '{text}'");
        return null;
    }

    // The file is read at each request: the value is whatever it holds when the request comes.
    private static async Task<double?> ReadValueAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            return ParseValue(null, "--value-from", await File.ReadAllTextAsync(file.FullName, cancellationToken));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
