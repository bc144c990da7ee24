using System.Text;
using Bridge.Core.Requests;
using Bridge.Host.Configuration;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Testing;

namespace Bridge.Host.Tests.Configuration;

/// <summary>Request rules (<c>bridge.requests</c>) in a node configuration, their errors, and a message's override.</summary>
public sealed class RequestConfigurationTests : IDisposable
{
    // An edge bridge with MQTT and AMQP sides and two request rules; each bad row changes one line.
    private const string Valid = """
        node:
          id: edge-1
        groups:
          meters:
            uri: ham:sg:meters.north
          tariff:
            uri: ham:sg:tariff.{region}
        bridge:
          mqtt:
            broker: mqtt://broker.localhost:1883
            clientId: edge-1
          amqp:
            broker: amqp://gridcast:secret@rabbit.localhost:5672/grid
            exchange: headend
          rules:
            - name: tariffs
              mqtt: meters/{region}/tariff
              group: tariff
              direction: to-group
          requests:
            - name: reading
              mqtt: meters/read
              group: meters
              aggregate: [count, sum, mean]
              deadline: 1500ms
              reply: meters/result
            - name: load
              amqp: load.ask
              group: meters
              histogram: [0, 1, 5]
              reply: load.answer

        """;

    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Validate_RequestRules_SummarisesEachOne()
    {
        var path = _files.Write("edge-1.yaml", Valid);

        var (code, process) = await GridcastCli.RunAsync(TimeSpan.FromSeconds(60), "config", "validate", path);
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        Assert.Equal(
            [
                "request reading mqtt meters/read -> ham:sg:meters.north (count, sum, mean; deadline 1500ms), result on meters/result",
                "request load amqp load.ask -> ham:sg:meters.north (count, sum, min, max, mean, histogram; deadline 2s), result on load.answer",
            ],
            process.StandardOutput
                .Where(l => l.StartsWith("request", StringComparison.Ordinal))
                .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))); // the columns' width follows the longest name
    }

    [Fact]
    public void Load_RequestRules_GivesEveryValue()
    {
        var (configuration, errors) = NodeConfigurationLoader.Load(_files.Write("edge-1.yaml", Valid));

        Assert.Empty(errors);
        var requests = configuration!.Bridge!.Requests;
        var meters = GroupName.Parse("ham:sg:meters.north");
        Assert.Equal(
            [
                new RequestRule("reading", "mqtt", "meters/read", meters, new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Mean }, TimeSpan.FromMilliseconds(1500), "meters/result"),
                new RequestRule("load", "amqp", "load.ask", meters, new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean | AggregateFunctions.Histogram, HistogramBounds = [0, 1, 5] }, TimeSpan.FromSeconds(2), "load.answer"),
            ],
            requests);
    }

    public static TheoryData<string, string, string> BadRequests() => new()
    {
        { "group: meters\n      aggregate", "group: water\n      aggregate", "bridge.requests[reading].group: unknown group 'water'" },
        { "group: meters\n      histogram", "group: tariff\n      histogram", "bridge.requests[load].group: group 'tariff' has placeholders; a request asks one group" },
        { "aggregate: [count, sum, mean]", "aggregate: [count, median]", "bridge.requests[reading].aggregate[1]: 'median' is not an aggregate; use count, sum, min, max, mean, histogram" },
        { "aggregate: [count, sum, mean]", "aggregate: [histogram]", "bridge.requests[reading].aggregate: histogram needs bucket bounds (histogram: [0, 1, 5, 10])" },
        { "histogram: [0, 1, 5]", "histogram: [0, 5, 1]", "bridge.requests[load].histogram: histogram bounds must ascend, and 1 does not come after 5" },
        { "histogram: [0, 1, 5]", "histogram: [0, low]", "bridge.requests[load].histogram[1]: 'low' is not a number" },
        { "deadline: 1500ms", "deadline: soon", "bridge.requests[reading].deadline: 'soon' is not a duration (use 250ms, 2s, 1m or 00:00:01)" },
        { "deadline: 1500ms", "deadline: 2h", "bridge.requests[reading].deadline: '2h' must be whole milliseconds from 1ms to 1h" },
        { "reply: meters/result", "reply: meters/+", "bridge.requests[reading].reply: topic 'meters/+' to publish on must not hold '+' or '#'" },
        { "reply: meters/result", "reply: meters/{region}", "bridge.requests[reading].reply: a reply topic takes no placeholders" },
        { "      reply: load.answer\n", "", "bridge.requests[load].reply: is required" },
        { "mqtt: meters/read", "topic: meters/read", "bridge.requests[reading].topic: unknown key (expected name, mqtt, amqp, group, aggregate, histogram, deadline, reply)\nbridge.requests[reading]: give exactly one of mqtt or amqp: where the requests arrive" },
        { "mqtt: meters/read", "mqtt: meters/read\n      amqp: load.ask", "bridge.requests[reading]: give exactly one of mqtt or amqp: where the requests arrive" },
        { "name: load", "name: reading", "bridge.requests[1].name: request rule name 'reading' is used twice" },
        { "deadline: 1500ms", "timeout: 1500ms", "bridge.requests[reading].timeout: unknown key (expected name, mqtt, amqp, group, aggregate, histogram, deadline, reply)" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Load_BadRequestRule_NamesRuleFieldAndProblem(string line, string replacement, string expected)
    {
        Assert.Contains(line, Valid, StringComparison.Ordinal);
        var at = Valid.IndexOf(line, StringComparison.Ordinal);
        var path = _files.Write("edge-1.yaml", Valid[..at] + replacement + Valid[(at + line.Length)..]);

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Null(configuration);
        Assert.Equal(expected, string.Join('\n', errors));
    }

    [Fact]
    public void Load_RequestRuleOnAnUnconfiguredSide_NamesTheSide()
    {
        var text = Valid.Replace("  amqp:\n    broker: amqp://gridcast:secret@rabbit.localhost:5672/grid\n    exchange: headend\n", "", StringComparison.Ordinal);

        var (configuration, errors) = NodeConfigurationLoader.Load(_files.Write("edge-1.yaml", text));

        Assert.Null(configuration);
        Assert.Equal(["bridge.requests[load].amqp: bridge.amqp is not configured"], errors.Select(e => e.ToString()));
    }
}

/// <summary>What a request message's body makes of its rule's request.</summary>
public sealed class RequestRuleOverrideTests
{
    private static readonly RequestRule Rule = new(
        "reading", "mqtt", "meters/read", GroupName.Parse("ham:sg:meters.north"),
        new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum }, TimeSpan.FromSeconds(2), "meters/result");

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("go")]
    [InlineData("2026-12-04T20:00:00Z")]
    public void TryRequest_EmptyOrNotJsonBody_UsesTheRulesSpecAndDeadline(string body)
    {
        Assert.True(Rule.TryRequest(Encoding.UTF8.GetBytes(body), out var request, out var error), error);

        Assert.Equal(Rule.Group, request.Group);
        Assert.Equal(TimeSpan.FromSeconds(2), request.Deadline);
        Assert.Same(Rule.Aggregation, request.Spec.Aggregation);
    }

    [Fact]
    public void TryRequest_Override_TakesTheBodysDeadlineAggregateAndHistogram()
    {
        Assert.True(Rule.TryRequest("""{"deadline":"1s","aggregate":["mean","max"],"histogram":[0,10]}"""u8, out var request, out var error), error);

        Assert.Equal(TimeSpan.FromSeconds(1), request.Deadline);
        Assert.Equal(AggregateFunctions.Mean | AggregateFunctions.Max | AggregateFunctions.Histogram, request.Spec.Aggregation!.Functions);
        Assert.Equal([0.0, 10.0], request.Spec.Aggregation.HistogramBounds);
    }

    [Theory]
    [InlineData("""{"deadline":"1s" """, "not a JSON object")]
    [InlineData("""{"deadline":5}""", "deadline must be a duration such as \"2s\"")]
    [InlineData("""{"deadline":"2h"}""", "'2h' must be whole milliseconds from 1ms to 1h")]
    [InlineData("""{"aggregate":"sum"}""", "aggregate must be a list of names")]
    [InlineData("""{"aggregate":["median"]}""", "aggregate: \"median\" is not one of count, sum, min, max, mean, histogram")]
    [InlineData("""{"aggregate":["histogram"]}""", "histogram needs bucket bounds (histogram: [0, 1, 5, 10])")]
    [InlineData("""{"histogram":[5,1]}""", "histogram bounds must ascend, and 1 does not come after 5")]
    [InlineData("""{"histogram":["a"]}""", "histogram must be a list of numbers")]
    [InlineData("""{"group":"other"}""", "unknown key 'group' (use deadline, aggregate, histogram)")]
    public void TryRequest_MalformedOverride_IsRefusedWithItsReason(string body, string expected)
    {
        Assert.False(Rule.TryRequest(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
