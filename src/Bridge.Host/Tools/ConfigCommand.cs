using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Host.Bridging;
using Bridge.Host.Cli;
using Bridge.Host.Configuration;
using Bridge.Host.Diagnostics;
using Bridge.Multicast.Overlay.Gateway;
using Spectre.Console;

namespace Bridge.Host.Tools;

/// <summary>One line of the summary of a valid configuration: what kind of entry, its name and details.</summary>
/// <param name="Kind">node, role, group, peer, upstream or rule.</param>
/// <param name="Name">The id or name.</param>
/// <param name="Detail">The rest (URI, address, direction and topic).</param>
internal sealed record ConfigSummaryLine(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>What <c>gridcast config validate --json</c> prints: the errors, or the summary when valid.</summary>
internal sealed record ConfigValidation(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("valid")] bool Valid,
    [property: JsonPropertyName("errors")] IReadOnlyList<ConfigurationError> Errors,
    [property: JsonPropertyName("summary")] IReadOnlyList<ConfigSummaryLine> Summary);

/// <summary>The JSON of <c>gridcast config validate</c>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConfigValidation))]
internal sealed partial class ConfigJson : JsonSerializerContext;

/// <summary>
/// <c>gridcast config validate FILE</c>: checks a node configuration (docs/configuration.md) the
/// way <c>gridcast run</c> does before it starts anything, and lists every error at once.
/// </summary>
internal static class ConfigCommand
{
    public static Command Create() => new("config", "Work with node configuration files (docs/configuration.md)")
    {
        CreateValidateCommand(),
    };

    /// <summary>Prints <paramref name="errors"/> on standard error, one per line, as <c>FILE: path: message</c>.</summary>
    public static void PrintErrors(string file, IReadOnlyList<ConfigurationError> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"{file}: {error}");
        }
    }

    /// <summary>The summary of a valid configuration, in the order the file states it.</summary>
    public static IReadOnlyList<ConfigSummaryLine> Summarise(NodeConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var lines = new List<ConfigSummaryLine> { new("node", configuration.Node.Id, string.Empty) };
        if (configuration.Gateway is { } gateway)
        {
            var role = gateway.Role == GatewayRole.Transit ? "transit gateway" : "leaf gateway";
            var detail = gateway.Listen is null ? $"carries {gateway.Carry.Count} group(s)" : $"listens on {gateway.Listen}, carries {gateway.Carry.Count} group(s)";
            lines.Add(new("role", role, detail));
        }

        if (configuration.Bridge is { } bridge)
        {
            var sides = bridge.Adapters.Select(a => AdapterKinds.Named(a.Kind).Describe(a));
            lines.Add(new("role", "edge bridge", string.Join("; ", sides)));
        }

        lines.AddRange(configuration.Groups.Select(g => new ConfigSummaryLine(
            "group", g.Id, g.LastValue is { } lastValue ? $"{g.Uri}, last value every {Duration(lastValue.Refresh)}" : g.Uri.ToString())));
        if (configuration.Gateway is { } links)
        {
            lines.AddRange(links.Peers.Select(p => new ConfigSummaryLine("peer", p.Id, p.Address?.ToString() ?? "accepted only")));
            lines.AddRange(links.Upstreams.Select(u => new ConfigSummaryLine("upstream", u.Id, u.Address.ToString())));
        }

        if (configuration.Bridge is { } rules)
        {
            lines.AddRange(rules.Rules.Select(r => new ConfigSummaryLine("rule", r.Name, Describe(r))));
            lines.AddRange(rules.Requests.Select(r => new ConfigSummaryLine(
                "request",
                r.Name,
                $"{r.Kind} {r.Topic} -> {r.Group.Canonical} ({r.Aggregation.Functions.ToString().ToLowerInvariant()}; deadline {Duration(r.Deadline)}), result on {r.Reply}")));
        }

        if (configuration.Metrics is { } metrics)
        {
            if (metrics.Listen is { } listen)
            {
                lines.Add(new("metrics", "listen", $"http://{listen}/metrics and /healthz"));
            }

            if (metrics.Otlp is { } collector)
            {
                lines.Add(new("metrics", "otlp", $"{collector} over {(metrics.OtlpTransport == OtlpTransport.Http ? "http" : "grpc")}, every {Duration(metrics.ExportInterval)}"));
            }
        }

        return lines;
    }

    /// <summary>One rule as the summary shows it: kind and endpoint as written, direction, groups, guarantee.</summary>
    public static string Describe(MappingRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var topic = $"{rule.Kind} {rule.Endpoint.Text}";
        var groups = string.Join(", ", rule.Groups);
        var direction = rule.Direction switch
        {
            RuleDirection.ToGroup => $"to-group: {topic} -> {groups}",
            RuleDirection.FromGroup => $"from-group: {groups} -> {topic}",
            _ => $"both: {topic} <-> {groups}",
        };
        var guarantee = rule.Guarantee == DeliveryGuarantee.AtMostOnce ? "at-most-once" : "at-least-once";
        var values = rule.Values.Count == 0 ? string.Empty : $", {string.Join(", ", rule.Values.Select(v => $"{v.Key} in [{string.Join(", ", v.Value)}]"))}";
        return $"{direction} ({guarantee}{values})";
    }

    private static string Duration(TimeSpan value) => value.TotalSeconds >= 1 && value.Milliseconds == 0
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value.TotalSeconds}s")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value.TotalMilliseconds}ms");

    private static Command CreateValidateCommand()
    {
        var file = new Argument<string>("FILE") { Description = "Node configuration, .yaml, .yml or .json" };
        var json = CommonOptions.Json();
        var command = new Command("validate", "Check a node configuration and list every error; exit code 2 when it has any")
        {
            file, json,
        };
        command.SetAction(result =>
        {
            var path = result.GetRequiredValue(file);
            var (configuration, errors) = NodeConfigurationLoader.Load(path);
            if (configuration?.Bridge is { } bridge && AdapterKinds.CheckRules(bridge) is { Count: > 0 } ruleErrors)
            {
                (configuration, errors) = (null, [.. errors, .. ruleErrors]);
            }

            var summary = configuration is null ? [] : Summarise(configuration);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new ConfigValidation(path, configuration is not null, errors, summary), ConfigJson.Default.ConfigValidation));
            }

            if (configuration is null)
            {
                PrintErrors(path, errors);
                Console.Error.WriteLine($"{path}: {errors.Count} error(s)");
                return GridcastCommand.UsageError;
            }

            if (!result.GetValue(json))
            {
                Print(path, summary);
            }

            return GridcastCommand.Ok;
        });
        return command;
    }

    private static void Print(string path, IReadOnlyList<ConfigSummaryLine> summary)
    {
        if (Console.IsOutputRedirected)
        {
            // Scripts and logs get plain columns, no box drawing.
            Console.WriteLine($"{path}: valid");
            var kindWidth = summary.Max(l => l.Kind.Length);
            var nameWidth = summary.Max(l => l.Name.Length);
            foreach (var line in summary)
            {
                Console.WriteLine($"{line.Kind.PadRight(kindWidth)}  {line.Name.PadRight(nameWidth)}  {line.Detail}".TrimEnd());
            }

            return;
        }

        AnsiConsole.MarkupLine($"[green]{Markup.Escape(path)}: valid[/]");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("kind", "name", "detail");
        foreach (var line in summary)
        {
            table.AddRow(Markup.Escape(line.Kind), Markup.Escape(line.Name), Markup.Escape(line.Detail));
        }

        AnsiConsole.Write(table);
    }
}
