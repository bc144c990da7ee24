using System.Globalization;
using System.Text.Json;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Requests;

/// <summary>
/// One <c>bridge.requests</c> item: a message on <see cref="Topic"/> of the <see cref="Kind"/>
/// side asks <see cref="Group"/>, and the aggregated result is published on <see cref="Reply"/>.
/// </summary>
/// <param name="Name">The rule's name, unique in the list.</param>
/// <param name="Kind">The adapter kind whose broker carries the request and its reply (mqtt, amqp).</param>
/// <param name="Topic">Where requests arrive: an MQTT topic filter, an AMQP routing key pattern.</param>
/// <param name="Group">Whom to ask.</param>
/// <param name="Aggregation">What to compute unless the message says otherwise.</param>
/// <param name="Deadline">How long to wait unless the message says otherwise.</param>
/// <param name="Reply">Where the result goes: an MQTT topic, an AMQP routing key.</param>
public sealed record RequestRule(string Name, string Kind, string Topic, GroupName Group, AggregationSpec Aggregation, TimeSpan Deadline, string Reply)
{
    /// <summary>Equal rules ask and answer alike; the spec's list is compared by its items.</summary>
    public bool Equals(RequestRule? other)
        => other is not null && Name == other.Name && Kind == other.Kind && Topic == other.Topic && Group == other.Group
            && Deadline == other.Deadline && Reply == other.Reply && Aggregation.Functions == other.Aggregation.Functions
            && Aggregation.HistogramBounds.SequenceEqual(other.Aggregation.HistogramBounds);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Kind, Topic, Group, Deadline, Reply, Aggregation.Functions);

    /// <summary>The request this rule makes of a message with <paramref name="body"/>: the rule's spec and deadline, or the body's override.</summary>
    /// <param name="body">The message's body: empty or not a JSON object for the rule's own, else <c>{"deadline":"1s","aggregate":["sum"],"histogram":[0,10]}</c>.</param>
    /// <param name="request">The request to send.</param>
    /// <param name="error">Why the override is refused.</param>
    public bool TryRequest(ReadOnlySpan<byte> body, out GroupRequest request, out string? error)
    {
        request = new GroupRequest(Group, new RequestSpec(ReadOnlyMemory<byte>.Empty, default) { Aggregation = Aggregation }, Deadline);
        error = null;
        var trimmed = body.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            // Any other body (a plain "go", a timestamp) is a trigger with the rule's own spec.
            return true;
        }

        var functions = Aggregation.Functions;
        var bounds = Aggregation.HistogramBounds;
        var deadline = Deadline;
        try
        {
            using var document = JsonDocument.Parse(trimmed.ToArray());
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "deadline":
                        if (property.Value.ValueKind != JsonValueKind.String || !RequestRulesReader.TryDeadline(property.Value.GetString()!, out deadline, out error))
                        {
                            error ??= "deadline must be a duration such as \"2s\"";
                            return false;
                        }

                        break;
                    case "aggregate":
                        if (property.Value.ValueKind != JsonValueKind.Array)
                        {
                            error = "aggregate must be a list of names";
                            return false;
                        }

                        functions = 0;
                        foreach (var item in property.Value.EnumerateArray())
                        {
                            if (item.ValueKind != JsonValueKind.String || !RequestRulesReader.Functions.TryGetValue(item.GetString()!, out var function))
                            {
                                error = $"aggregate: {item.GetRawText()} is not one of {RequestRulesReader.FunctionNames}";
                                return false;
                            }

                            functions |= function;
                        }

                        break;
                    case "histogram":
                        if (property.Value.ValueKind != JsonValueKind.Array || property.Value.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Number))
                        {
                            error = "histogram must be a list of numbers";
                            return false;
                        }

                        bounds = [.. property.Value.EnumerateArray().Select(i => i.GetDouble())];
                        break;
                    default:
                        error = $"unknown key '{property.Name}' (use deadline, aggregate, histogram)";
                        return false;
                }
            }
        }
        catch (JsonException e)
        {
            error = $"not a JSON object: {e.Message}";
            return false;
        }
        catch (InvalidOperationException)
        {
            error = "not a JSON object";
            return false;
        }

        if (bounds.Count > 0 && (functions & AggregateFunctions.Histogram) == 0)
        {
            functions |= AggregateFunctions.Histogram;
        }

        if (RequestRulesReader.BoundsError(functions, bounds) is { } boundsError)
        {
            error = boundsError;
            return false;
        }

        var spec = new AggregationSpec { Functions = functions, HistogramBounds = (functions & AggregateFunctions.Histogram) != 0 ? bounds : [] };
        request = request with { Spec = request.Spec with { Aggregation = spec }, Deadline = deadline };
        return true;
    }
}

/// <summary>One <c>bridge.requests</c> item as bound.</summary>
/// <param name="Path">The item's path.</param>
internal sealed record RequestRuleInput(string Path)
{
    public ConfigText? Name { get; init; }

    public bool UniqueName { get; init; }

    public IReadOnlyList<(string Key, ConfigText? Text)> Endpoints { get; init; } = [];

    public ConfigText? Group { get; init; }

    public bool HasAggregate { get; init; }

    public IReadOnlyList<ConfigText>? Aggregate { get; init; }

    public bool HasHistogram { get; init; }

    public IReadOnlyList<ConfigText>? Histogram { get; init; }

    public ConfigText? Deadline { get; init; }

    public ConfigText? Reply { get; init; }

    public string PathOf(string key) => ConfigPath.Key(Path, key);
}

/// <summary>
/// The <c>bridge.requests</c> list (docs/configuration.md): request rules, each on one adapter
/// kind's broker. Reloadable: a side whose request rules change restarts.
/// </summary>
public static class RequestRulesReader
{
    /// <summary>The key of the list under <c>bridge</c>.</summary>
    public const string Key = "requests";

    /// <summary>
    /// The kinds whose brokers carry request messages (a topic or routing key and a reply); a
    /// Modbus master asks through its own reads instead.
    /// </summary>
    internal static readonly IReadOnlyList<string> RequestKinds = ["mqtt", "amqp"];

    /// <summary>The deadline when a rule gives none.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(2);

    /// <summary>The aggregate functions by name.</summary>
    internal static readonly Dictionary<string, AggregateFunctions> Functions = new(StringComparer.Ordinal)
    {
        ["count"] = AggregateFunctions.Count,
        ["sum"] = AggregateFunctions.Sum,
        ["min"] = AggregateFunctions.Min,
        ["max"] = AggregateFunctions.Max,
        ["mean"] = AggregateFunctions.Mean,
        ["histogram"] = AggregateFunctions.Histogram,
    };

    internal const string FunctionNames = "count, sum, min, max, mean, histogram";

    private const AggregateFunctions DefaultFunctions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean;

    /// <summary>Binds the list of <paramref name="bridge"/>; null when absent or (with an error) not a list.</summary>
    internal static IReadOnlyList<RequestRuleInput>? Bind(SectionReader bridge, IReadOnlyList<IAdapterKind> kinds)
    {
        var endpointKeys = kinds.Select(k => k.Name).Where(RequestKinds.Contains).ToList();
        string[] keys = ["name", .. endpointKeys, "group", "aggregate", "histogram", "deadline", "reply"];
        if (bridge.NamedItems(Key, keys, "a request rule (name, mqtt or amqp, group, reply)") is not { } items)
        {
            return null;
        }

        var rules = new List<RequestRuleInput>();
        foreach (var (path, unique, entry) in items)
        {
            if (entry is not { } rule)
            {
                continue;
            }

            rules.Add(new RequestRuleInput(path)
            {
                Name = rule.Text("name"),
                UniqueName = unique,
                Endpoints = [.. endpointKeys.Where(rule.Has).Select(k => (k, rule.Text(k)))],
                Group = rule.Text("group"),
                HasAggregate = rule.Has("aggregate"),
                Aggregate = rule.Texts("aggregate"),
                HasHistogram = rule.Has("histogram"),
                Histogram = rule.Texts("histogram"),
                Deadline = rule.Text("deadline"),
                Reply = rule.Text("reply"),
            });
        }

        return rules;
    }

    /// <summary>Validates the bound rules; the rules (none when the list is absent), or null when any has an error.</summary>
    internal static IReadOnlyList<RequestRule>? Validate(
        IReadOnlyList<RequestRuleInput>? inputs, IReadOnlyList<IAdapterKind> kinds, ISet<string> sections, ConfigurationContext context, ConfigurationErrors errors)
    {
        if (inputs is null)
        {
            return new ValueList<RequestRule>([]);
        }

        var before = errors.Count;
        var rules = new List<RequestRule>();
        foreach (var input in inputs)
        {
            if (Rule(input, kinds, sections, context, errors) is { } rule && input.UniqueName)
            {
                rules.Add(rule);
            }
        }

        return errors.Count == before ? new ValueList<RequestRule>(rules) : null;
    }

    /// <summary>A request deadline: a duration of whole milliseconds from 1 ms to 1 hour.</summary>
    internal static bool TryDeadline(string text, out TimeSpan deadline, out string? error)
    {
        error = null;
        if (!ValueSyntax.TryParseDuration(text, out deadline))
        {
            error = $"'{text}' is not a duration (use 250ms, 2s, 1m or 00:00:01)";
            return false;
        }

        if (deadline < TimeSpan.FromMilliseconds(1) || deadline > AggregationRequest.MaxBudget || deadline.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            error = $"'{text}' must be whole milliseconds from 1ms to 1h";
            return false;
        }

        return true;
    }

    /// <summary>Why the histogram bounds do not fit the functions, or null when they do.</summary>
    internal static string? BoundsError(AggregateFunctions functions, IReadOnlyList<double> bounds)
    {
        if ((functions & AggregateFunctions.Histogram) == 0)
        {
            return null;
        }

        if (bounds.Count == 0)
        {
            return "histogram needs bucket bounds (histogram: [0, 1, 5, 10])";
        }

        if (bounds.Count > AggregationSpec.MaxHistogramBounds)
        {
            return $"histogram takes at most {AggregationSpec.MaxHistogramBounds} bounds, not {bounds.Count}";
        }

        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]))
            {
                return "histogram bounds must be finite numbers";
            }

            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                return $"histogram bounds must ascend, and {bounds[i].ToString(CultureInfo.InvariantCulture)} does not come after {bounds[i - 1].ToString(CultureInfo.InvariantCulture)}";
            }
        }

        return null;
    }

    private static RequestRule? Rule(RequestRuleInput input, IReadOnlyList<IAdapterKind> kinds, ISet<string> sections, ConfigurationContext context, ConfigurationErrors errors)
    {
        var before = errors.Count;
        var name = ConfigValues.Required(input.Name, input.PathOf("name"), errors);
        if (name is { Text.Length: > 0 } && !input.UniqueName)
        {
            errors.Add(name.Path, $"request rule name '{name.Text}' is used twice");
        }

        IAdapterKind? kind = null;
        string? topic = null;
        if (input.Endpoints.Count != 1)
        {
            errors.Add(input.Path, $"give exactly one of {RulesSectionReader.Or([.. kinds.Select(k => k.Name).Where(RequestKinds.Contains)])}: where the requests arrive");
        }
        else if (input.Endpoints[0] is (var key, { } text))
        {
            kind = kinds.First(k => k.Name == key);
            if (!sections.Contains(key))
            {
                errors.Add(text.Path, $"bridge.{key} is not configured");
            }
            else if (!kind.TryParseEndpoint(text.Text, publishes: false, out _, out var reason))
            {
                errors.Add(text.Path, reason);
            }
            else if (text.Text.Contains('{', StringComparison.Ordinal))
            {
                errors.Add(text.Path, "a request topic takes no placeholders");
            }
            else
            {
                topic = text.Text;
            }
        }

        string? reply = null;
        if (ConfigValues.Required(input.Reply, input.PathOf("reply"), errors) is { } replyText && kind is not null)
        {
            if (!kind.TryParseEndpoint(replyText.Text, publishes: true, out _, out var reason))
            {
                errors.Add(replyText.Path, reason);
            }
            else if (replyText.Text.Contains('{', StringComparison.Ordinal))
            {
                errors.Add(replyText.Path, "a reply topic takes no placeholders");
            }
            else
            {
                reply = replyText.Text;
            }
        }

        GroupName? group = null;
        if (ConfigValues.Required(input.Group, input.PathOf("group"), errors) is { } groupText
            && context.Groups.Reference(groupText, errors) is { } template)
        {
            group = template.Name;
            if (group is null)
            {
                errors.Add(groupText.Path, $"group '{groupText.Text}' has placeholders; a request asks one group");
            }
        }

        var functions = input.HasAggregate ? 0 : DefaultFunctions;
        foreach (var item in input.Aggregate ?? [])
        {
            if (Functions.TryGetValue(item.Text, out var function))
            {
                functions |= function;
            }
            else
            {
                errors.Add(item.Path, $"'{item.Text}' is not an aggregate; use {FunctionNames}");
            }
        }

        var bounds = new List<double>();
        foreach (var item in input.Histogram ?? [])
        {
            if (double.TryParse(item.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) && double.IsFinite(bound))
            {
                bounds.Add(bound);
            }
            else
            {
                errors.Add(item.Path, $"'{item.Text}' is not a number");
            }
        }

        if (input.HasHistogram)
        {
            functions |= AggregateFunctions.Histogram;
        }

        if (errors.Count == before && BoundsError(functions, bounds) is { } boundsError)
        {
            errors.Add(input.PathOf(input.HasHistogram ? "histogram" : "aggregate"), boundsError);
        }

        var deadline = DefaultDeadline;
        if (input.Deadline is { } deadlineText && !TryDeadline(deadlineText.Text, out deadline, out var deadlineError))
        {
            errors.Add(deadlineText.Path, deadlineError!);
        }

        return errors.Count == before && kind is not null && topic is not null && reply is not null && group is not null && name is not null
            ? new RequestRule(name.Text, kind.Name, topic, group, new AggregationSpec { Functions = functions, HistogramBounds = bounds }, deadline, reply)
            : null;
    }
}
