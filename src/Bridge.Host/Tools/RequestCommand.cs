using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Host.Cli;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bridge.Host.Tools;

/// <summary>One bucket of a result's histogram: values from <see cref="From"/> (inclusive) up to <see cref="To"/> (exclusive); null is open-ended.</summary>
internal sealed record HistogramBucket(double? From, double? To, ulong Count);

/// <summary>
/// The result of one request as <c>gridcast request --json</c> prints it. Min, max and mean are
/// null when nobody answered; <see cref="Missing"/> counts known members that did not answer,
/// and is null where membership is not known: an unknown number is not zero.
/// <see cref="MissingIds"/> is printed only when asked for (<c>--missing-ids</c>): the ids of
/// known members that did not answer, as gateways that learn members listed them.
/// </summary>
internal sealed record RequestResult(
    string RequestId,
    string Group,
    ulong Count,
    double Sum,
    double? Min,
    double? Max,
    double? Mean,
    ulong? Missing,
    ulong Late,
    ulong Contributors,
    uint PartialsReceived,
    uint MissingSubtrees,
    bool MembershipKnown,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<HistogramBucket>? Histogram,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? MissingIds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? MissingSubtreeIds = null)
{
    public static RequestResult Of(GroupName group, AggregationSpec spec, PartialAggregate result)
    {
        var answered = result.Contributors > 0;
        IReadOnlyList<HistogramBucket>? histogram = null;
        if (spec.HasHistogram)
        {
            var bounds = spec.HistogramBounds;
            histogram = [.. result.Histogram.Select((count, i) => new HistogramBucket(
                i == 0 ? null : bounds[i - 1],
                i < bounds.Count ? bounds[i] : null,
                count))];
        }

        return new RequestResult(
            result.RequestId.ToString("x16", CultureInfo.InvariantCulture),
            group.Canonical,
            result.Count,
            result.Sum,
            answered ? result.Min : null,
            answered ? result.Max : null,
            result.Mean,
            result.MembershipKnown ? result.MissingCount : null,
            result.Late,
            result.Contributors,
            result.PartialsMerged,
            result.MissingSubtreeCount,
            result.MembershipKnown,
            histogram,
            spec.WantMissingIds ? [.. result.MissingMemberIds.Select(SubMessage.FormatSource)] : null,
            result.MissingSubtreeCount > 0 ? [.. result.MissingSubtrees.Select(static g => g.Value)] : null);
    }
}

/// <summary>
/// <c>gridcast request GROUP --aggregate sum,mean,count</c>: asks every member of a group for a
/// value and prints one aggregated answer (the reverse channel, docs/aggregation.md): the replies
/// of this host's domain, merged with the partials of the gateways that carried the request on.
/// </summary>
internal static class RequestCommand
{
    /// <summary>The functions <c>--aggregate</c> takes, by name.</summary>
    private static readonly Dictionary<string, AggregateFunctions> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["count"] = AggregateFunctions.Count,
        ["sum"] = AggregateFunctions.Sum,
        ["min"] = AggregateFunctions.Min,
        ["max"] = AggregateFunctions.Max,
        ["mean"] = AggregateFunctions.Mean,
        ["histogram"] = AggregateFunctions.Histogram,
    };

    public static Command Create()
    {
        var @interface = CommonOptions.Interface();
        var group = CommonOptions.Group(carriedOn: @interface);
        var histogram = new Option<double[]?>("--histogram")
        {
            Description = $"Histogram bucket bounds, comma-separated and ascending, 1 to {AggregationSpec.MaxHistogramBounds} (e.g. 0,1,5,10)",
            HelpName = "B,B,...",
            CustomParser = ParseBounds,
        };
        var aggregate = new Option<AggregateFunctions>("--aggregate", "-a")
        {
            Description = "What to compute over the replies' values, comma-separated: count, sum, min, max, mean (histogram comes with --histogram)",
            HelpName = "F,F,...",
            DefaultValueFactory = _ => AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean,
            CustomParser = result => ParseFunctions(result, histogram),
        };
        var deadline = new Option<TimeSpan>("--deadline", "-d")
        {
            Description = "How long to wait for replies: 2s, 500ms, 1m (1 ms to 1 h); the result is printed then",
            HelpName = "T",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(2),
            CustomParser = ParseDeadline,
        };
        var missingIds = new Option<bool>("--missing-ids")
        {
            Description = "Also list the ids of members that did not answer (the smallest 1024); needs known membership: gateways that learn members (gateway.learnMembers)",
        };
        var json = CommonOptions.Json();
        var verbose = CommonOptions.Verbose();
        var keyFile = CommonOptions.DomainKeyFile();
        var keyRing = CommonOptions.DomainKeyRing();
        var command = new Command("request", "Ask every member of a group for a value and print one aggregated answer")
        {
            group, aggregate, histogram, deadline, missingIds, json, @interface, verbose, keyFile, keyRing,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var name = result.GetRequiredValue(group);
            var bounds = result.GetValue(histogram) is { Length: > 0 } given ? given : null;
            var spec = new AggregationSpec
            {
                Functions = result.GetValue(aggregate) | (bounds is null ? 0 : AggregateFunctions.Histogram),
                HistogramBounds = bounds ?? [],
                WantMissingIds = result.GetValue(missingIds),
            };
            var multicastInterface = CommonOptions.InterfaceOrLoopback(result, @interface);
            using var host = CliHost.Build(result.GetValue(verbose));
            var time = host.Services.GetRequiredService<TimeProvider>();
            if (!CommonOptions.TryDomainKeys(result, keyFile, keyRing, time, out var keys))
            {
                return GridcastCommand.UsageError;
            }

            await using var socket = MulticastSocket.Create(
                multicastInterface,
                CommonOptions.SocketOptions(keys, reportInterval: null),
                host.Services.GetRequiredService<ILogger<MulticastSocket>>(),
                time);
            var aggregateResult = await socket.RequestAsync(name, spec, result.GetValue(deadline), cancellationToken);
            var printed = RequestResult.Of(name, spec, aggregateResult);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(printed, CliJson.Printed.RequestResult));
            }
            else
            {
                PrintTable(printed, spec);
            }

            return GridcastCommand.Ok;
        });
        return command;
    }

    /// <summary>
    /// Parses <c>--aggregate</c>. A histogram needs the bounds of <paramref name="histogram"/>;
    /// that is checked here, from the tokens, so that the error is listed with every other (a
    /// command validator's error would hide the options' own).
    /// </summary>
    private static AggregateFunctions ParseFunctions(ArgumentResult result, Option<double[]?> histogram)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        AggregateFunctions functions = 0;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Functions.TryGetValue(part, out var function))
            {
                result.AddError($"--aggregate: '{part}' is not a function; use count, sum, min, max, mean, histogram");
                return 0;
            }

            functions |= function;
        }

        SymbolResult? command = result;
        while (command is not null and not CommandResult)
        {
            command = command.Parent;
        }

        if ((functions & AggregateFunctions.Histogram) != 0 && command?.GetResult(histogram)?.Tokens is not { Count: > 0 })
        {
            result.AddError("--aggregate histogram needs bucket bounds: give them with --histogram (e.g. --histogram 0,1,5,10)");
            return 0;
        }

        return functions;
    }

    private static double[]? ParseBounds(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var bounds = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out bounds[i]) || !double.IsFinite(bounds[i]))
            {
                result.AddError($"--histogram: '{parts[i]}' is not a number");
                return null;
            }

            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                result.AddError($"--histogram: bounds must ascend, and {parts[i]} does not come after {parts[i - 1]}");
                return null;
            }
        }

        if (bounds.Length > AggregationSpec.MaxHistogramBounds)
        {
            result.AddError($"--histogram: at most {AggregationSpec.MaxHistogramBounds} bounds, not {bounds.Length}");
            return null;
        }

        return bounds;
    }

    internal static TimeSpan ParseDeadline(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        var (number, scale) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : (text, 1000.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            result.AddError($"--deadline must be a duration such as 2s, 500ms or 1m, not '{text}'");
            return default;
        }

        var milliseconds = value * scale;
        if (milliseconds != Math.Floor(milliseconds) || milliseconds < 1 || milliseconds > AggregationRequest.MaxBudget.TotalMilliseconds)
        {
            result.AddError($"--deadline must be whole milliseconds from 1ms to 1h, not '{text}'");
            return default;
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    private static void PrintTable(RequestResult printed, AggregationSpec spec)
    {
        static string Number(double? value) => value is { } v ? v.ToString("G17", CultureInfo.InvariantCulture) : "-";
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "value");
        table.AddRow("request", printed.RequestId);
        table.AddRow("group", printed.Group.EscapeMarkup());
        table.AddRow("count", printed.Count.ToString(CultureInfo.InvariantCulture));
        if ((spec.Functions & AggregateFunctions.Sum) != 0)
        {
            table.AddRow("sum", Number(printed.Sum));
        }

        if ((spec.Functions & AggregateFunctions.Min) != 0)
        {
            table.AddRow("min", Number(printed.Min));
        }

        if ((spec.Functions & AggregateFunctions.Max) != 0)
        {
            table.AddRow("max", Number(printed.Max));
        }

        if ((spec.Functions & AggregateFunctions.Mean) != 0)
        {
            table.AddRow("mean", Number(printed.Mean));
        }

        foreach (var bucket in printed.Histogram ?? [])
        {
            var range = bucket.From is null ? $"below {Number(bucket.To)}" : bucket.To is null ? $"{Number(bucket.From)} and above" : $"{Number(bucket.From)} to {Number(bucket.To)}";
            table.AddRow($"histogram {range}".EscapeMarkup(), bucket.Count.ToString(CultureInfo.InvariantCulture));
        }

        table.AddRow("missing", printed.Missing is { } missing ? missing.ToString(CultureInfo.InvariantCulture) : "unknown (membership not known)");
        if (printed.MissingIds is { } ids)
        {
            // An empty list where membership is not known says nothing about who did not answer.
            table.AddRow("missing ids", ids.Count > 0 ? string.Join(' ', ids) : printed.MembershipKnown ? "none" : "none known (membership not known)");
        }

        if (printed.MissingSubtreeIds is { } subtrees)
        {
            table.AddRow("missing subtrees", string.Create(CultureInfo.InvariantCulture, $"{printed.MissingSubtrees}: {string.Join(' ', subtrees)}").EscapeMarkup());
        }

        table.AddRow("late", printed.Late.ToString(CultureInfo.InvariantCulture));
        table.AddRow("partials received", printed.PartialsReceived.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
