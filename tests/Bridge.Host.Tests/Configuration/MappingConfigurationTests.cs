using Bridge.Adapters.Amqp.Configuration;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Configuration;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Host.Configuration;
using Bridge.Multicast.Naming;

namespace Bridge.Host.Tests.Configuration;

/// <summary>Bridge mapping rules in a node configuration: templates, directions, guarantees, both adapters, and their errors.</summary>
public sealed class MappingConfigurationTests : IDisposable
{
    // An edge bridge with MQTT and AMQP sides; each bad-config row changes one line of it.
    private const string Valid = """
        node:
          id: edge-1
        groups:
          tariff:
            uri: ham:sg:tariff.{region}
            lastValue: { refresh: 200ms }
          events:
            uri: ham:sg:dr.events
            lastValue: true
          readings:
            uri: ham:ip:239.192.0.7:5000
        bridge:
          mqtt:
            broker: mqtts://broker.localhost:8883
            clientId: edge-1
            protocol: 3.1.1
            username: bridge
            password: secret
          amqp:
            broker: amqp://gridcast:secret@rabbit.localhost:5672/grid
            exchange: headend
            prefetch: 32
          rules:
            - name: tariffs
              mqtt: meters/{region}/tariff
              group: tariff
              direction: both
              guarantee: at-least-once
              values: { region: [north, south] }
            - name: events
              amqp: dr.events.*
              groups: [events]
              direction: to-group
              guarantee: at-most-once
            - name: readings
              topic: headend/readings
              group: readings
              direction: from-group

        """;

    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Load_MappingRules_GivesEveryValue()
    {
        var configuration = LoadValid(Valid);

        var tariff = configuration.Group("tariff");
        Assert.True(tariff.IsTemplate);
        Assert.Equal(new LastValueSettings(TimeSpan.FromMilliseconds(200)), tariff.LastValue);
        Assert.Equal(new LastValueSettings(TimeSpan.FromSeconds(30)), configuration.Group("events").LastValue);
        Assert.Null(configuration.Group("readings").LastValue);
        var bridge = configuration.Bridge!;
        var mqtt = bridge.Adapter<MqttSection>()!;
        var amqp = bridge.Adapter<AmqpSection>()!;
        Assert.Equal(new Uri("mqtts://broker.localhost:8883"), mqtt.Broker);
        Assert.Equal((MqttProtocol.V311, "bridge", "secret"), (mqtt.Protocol, mqtt.Username, mqtt.Password));
        Assert.Equal(("headend", 32), (amqp.Exchange, amqp.Prefetch));
        Assert.Equal(
            [("mqtt", RuleDirection.Both), ("amqp", RuleDirection.ToGroup), ("mqtt", RuleDirection.FromGroup)],
            bridge.Rules.Select(r => (r.Kind, r.Direction)));
        Assert.Equal(DeliveryGuarantee.AtMostOnce, bridge.Rules[1].Guarantee);
        Assert.Equal(DeliveryGuarantee.AtLeastOnce, bridge.Rules[2].Guarantee);

        var table = bridge.ToRoutingTable();
        Assert.Equal([GroupName.Parse("ham:sg:tariff.north")], table.GroupsFor("meters/north/tariff"));
        Assert.Equal(["meters/south/tariff"], table.RoutesFor<string>(GroupName.Parse("ham:sg:tariff.south")).Select(r => r.Address));
        Assert.Equal([GroupName.Parse("ham:sg:dr.events")], table.ForKind("amqp").GroupsFor("dr.events.peak"));
        Assert.Empty(table.ForKind("mqtt").GroupsFor("dr.events.peak"));
        Assert.Equal(
            ["ham:sg:tariff.north", "ham:sg:tariff.south", "ham:ip:239.192.0.7:5000"],
            table.SourceGroups.Select(g => g.WireName));
    }

    [Fact]
    public void Load_SameRulesInJson_GiveEqualRecords()
    {
        var json = """
            {
              "node": { "id": "edge-1" },
              "groups": {
                "tariff": { "uri": "ham:sg:tariff.{region}", "lastValue": { "refresh": "200ms" } },
                "events": { "uri": "ham:sg:dr.events", "lastValue": true },
                "readings": { "uri": "ham:ip:239.192.0.7:5000" }
              },
              "bridge": {
                "mqtt": { "broker": "mqtts://broker.localhost:8883", "clientId": "edge-1", "protocol": "3.1.1", "username": "bridge", "password": "secret" },
                "amqp": { "broker": "amqp://gridcast:secret@rabbit.localhost:5672/grid", "exchange": "headend", "prefetch": 32 },
                "rules": [
                  { "name": "tariffs", "mqtt": "meters/{region}/tariff", "group": "tariff", "direction": "both", "guarantee": "at-least-once", "values": { "region": ["north", "south"] } },
                  { "name": "events", "amqp": "dr.events.*", "groups": ["events"], "direction": "to-group", "guarantee": "at-most-once" },
                  { "name": "readings", "topic": "headend/readings", "group": "readings", "direction": "from-group" }
                ]
              }
            }
            """;

        Assert.Equal(LoadValid(Valid), LoadValid(json, "edge-1.json"));
    }

    public static TheoryData<string, string, string> BadMappings() => new()
    {
        // Groups and their settings.
        { "uri: ham:sg:tariff.{region}", "uri: ham:sg:tariff.{Region}",
            "groups.tariff.uri: group URI 'ham:sg:tariff.{Region}': '{' and '}' must enclose a placeholder name (a-z then a-z 0-9 _) at 15" },
        { "uri: ham:ip:239.192.0.7:5000", "uri: ham:ip:10.0.0.{n}",
            "groups.readings.uri: group URI 'ham:ip:10.0.0.{n}' is not a group name with its placeholders filled in: group '10.0.0.1' in 'ham:ip:10.0.0.1' is not an IPv4 multicast address (224.0.0.0/4)" },
        { "lastValue: true", "lastValue: yes", "groups.events.lastValue: 'yes' must be true or false" },
        { "lastValue: { refresh: 200ms }", "lastValue: { refresh: 0s }", "groups.tariff.lastValue.refresh: '0s' must be longer than zero" },
        { "lastValue: { refresh: 200ms }", "lastValue: { every: 1s }",
            "groups.tariff.lastValue.every: unknown key (expected refresh)\ngroups.tariff.lastValue.refresh: is required (or write lastValue: true for every 30s)" },

        // Adapter sections.
        { "broker: mqtts://broker.localhost:8883", "broker: mqtt://broker.localhost:99999",
            "bridge.mqtt.broker: 'mqtt://broker.localhost:99999' is not mqtt://host[:port] or mqtts://host[:port]" },
        { "protocol: 3.1.1", "protocol: 4", "bridge.mqtt.protocol: '4' must be 3.1.1 or 5" },
        { "username: bridge", "user: bridge",
            "bridge.mqtt.user: unknown key (did you mean 'username'?)\nbridge.mqtt.username: is required with a password" },
        { "password: secret", "password: secret\n    passwordFile: missing.txt",
            "bridge.mqtt.passwordFile: give password or passwordFile, not both\nbridge.mqtt.passwordFile: file '{dir}/missing.txt' does not exist" },
        { "password: secret", "password: secret\n    tls: { certificate: a.crt }",
            "bridge.mqtt.tls: give certificate and key together\nbridge.mqtt.tls.certificate: file '{dir}/a.crt' does not exist" },
        { "broker: mqtts://broker.localhost:8883", "broker: mqtt://broker.localhost\n    tls: {}",
            "bridge.mqtt.tls: TLS settings need an mqtts:// broker, not 'mqtt://broker.localhost'" },
        { "broker: amqp://gridcast:secret@rabbit.localhost:5672/grid", "broker: http://rabbit.localhost",
            "bridge.amqp.broker: 'http://rabbit.localhost' is not amqp://[user:password@]host[:port][/vhost] or amqps://..." },
        { "broker: amqp://gridcast:secret@rabbit.localhost:5672/grid", "broker: amqp://rabbit.localhost:0",
            "bridge.amqp.broker: 'amqp://rabbit.localhost:0': port 0 is not from 1 to 65535" },
        { "broker: amqp://gridcast:secret@rabbit.localhost:5672/grid", "broker: amqp:///grid",
            "bridge.amqp.broker: 'amqp:///grid' is not amqp://[user:password@]host[:port][/vhost] or amqps://..." },
        { "    exchange: headend\n", "", "bridge.amqp.exchange: is required" },
        { "prefetch: 32", "prefetch: 0", "bridge.amqp.prefetch: '0' must be a whole number from 1 to 65535" },
        { "  amqp:\n    broker: amqp://gridcast:secret@rabbit.localhost:5672/grid\n    exchange: headend\n    prefetch: 32\n", "",
            "bridge.rules[events].amqp: an amqp rule needs bridge.amqp" },

        // Rules.
        { "      group: tariff", "      group: tarif", "bridge.rules[tariffs].group: unknown group 'tarif'" },
        { "groups: [events]", "groups: [events, evnts]", "bridge.rules[events].groups[1]: unknown group 'evnts'" },
        { "groups: [events]", "groups: [events, events]", "bridge.rules[events].groups[1]: group 'events' is listed twice" },
        { "groups: [events]", "groups: []", "bridge.rules[events].groups: at least one group is required" },
        { "      group: tariff", "      group: tariff\n      groups: [tariff]", "bridge.rules[tariffs].groups: give group or groups, not both" },
        { "mqtt: meters/{region}/tariff", "mqtt: meters/{region}/tariff\n      amqp: meters.{region}.tariff",
            "bridge.rules[tariffs].amqp: give only one of mqtt, amqp, modbus, goose or iec61850, not mqtt and amqp" },
        { "mqtt: meters/{region}/tariff", "mqtt: meters/{Region}/tariff",
            "bridge.rules[tariffs].mqtt: topic template 'meters/{Region}/tariff': level 2 ('{Region}') must be a whole placeholder {name}, the name a-z then a-z 0-9 _" },
        { "amqp: dr.events.*", "amqp: dr.#.events", "bridge.rules[events].amqp: routing-key template 'dr.#.events': '#' must be a whole level and the last one (level 2 is '#')" },
        { "mqtt: meters/{region}/tariff", "mqtt: meters/+/tariff",
            "bridge.rules[tariffs].mqtt: topic 'meters/+/tariff' to publish on must not hold '+' or '#'" },
        { "mqtt: meters/{region}/tariff", "mqtt: meters/{zone}/tariff",
            "bridge.rules[tariffs].values.region: {region} is not a placeholder of the rule's topic\n"
            + "bridge.rules[tariffs].group: group 'tariff' (ham:sg:tariff.{region}) has no {zone}, which the topic has: the topic's value would be lost\n"
            + "bridge.rules[tariffs].mqtt: 'meters/{zone}/tariff' has no {region}, which group 'tariff' (ham:sg:tariff.{region}) needs" },
        { "topic: headend/readings", "topic: headend/{site}/readings",
            "bridge.rules[readings].group: group 'readings' (ham:ip:239.192.0.7:5000) has no {site}, which the topic has: the topic's value would be lost\n"
            + "bridge.rules[readings].values: a rule that carries groups to the broker needs the values of {site}, to know which groups to join" },
        { "      values: { region: [north, south] }", "", "bridge.rules[tariffs].values: a rule that carries groups to the broker needs the values of {region}, to know which groups to join" },
        { "values: { region: [north, south] }", "values: { region: [north, north] }", "bridge.rules[tariffs].values.region[1]: 'north' is listed twice" },
        { "values: { region: [north, south] }", "values: { region: [north, 'a.b'] }", "bridge.rules[tariffs].values.region[1]: 'a.b' must be letters, digits, '-' and '_'" },
        { "values: { region: [north, south] }", "values: { region: [] }", "bridge.rules[tariffs].values.region: at least one value is required" },
        { "direction: both", "direction: sideways", "bridge.rules[tariffs].direction: 'sideways' must be to-group, from-group or both" },
        { "guarantee: at-most-once", "guarantee: exactly-once", "bridge.rules[events].guarantee: 'exactly-once' must be at-most-once or at-least-once" },
        { "- name: readings", "- name: tariffs", "bridge.rules[2].name: rule name 'tariffs' is used twice" },

        // Loops through a broker.
        { "      group: tariff", "      groups: [tariff, events]",
            "bridge.rules[tariffs].groups[1]: group 'events' (ham:sg:dr.events) has no {region}, which the topic has: the topic's value would be lost" },
    };

    [Theory]
    [MemberData(nameof(BadMappings))]
    public void Load_BadMapping_NamesRuleFieldAndProblem(string line, string replacement, string expected)
    {
        Assert.Contains(line, Valid, StringComparison.Ordinal);
        var at = Valid.IndexOf(line, StringComparison.Ordinal);
        var path = _files.Write("edge-1.yaml", Valid[..at] + replacement + Valid[(at + line.Length)..]);

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Null(configuration);
        Assert.Equal(expected.Replace("{dir}", _files.Directory, StringComparison.Ordinal), string.Join('\n', errors));
    }

    [Fact]
    public void Load_BothRuleIntoTwoGroups_IsALoopOfThatRule()
    {
        var text = Valid.Replace("uri: ham:sg:dr.events", "uri: ham:sg:dr.{region}", StringComparison.Ordinal)
            .Replace("      group: tariff", "      groups: [tariff, events]", StringComparison.Ordinal)
            .Replace("amqp: dr.events.*", "amqp: dr.{region}", StringComparison.Ordinal)
            .Replace("groups: [events]", "groups: [events]\n      values: { region: [north] }", StringComparison.Ordinal);

        var (configuration, errors) = NodeConfigurationLoader.Load(_files.Write("edge-1.yaml", text));

        Assert.Null(configuration);
        Assert.Equal(
            ["bridge.rules[tariffs].mqtt: a loop through the broker: the rule publishes group 'ham:sg:tariff.north' on 'meters/north/tariff' and takes that topic back into group 'ham:sg:dr.north'"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Load_FromGroupTopicReadByAnotherRule_NamesBothRules()
    {
        var text = Valid.Replace("topic: headend/readings", "topic: meters/east/tariff", StringComparison.Ordinal)
            + "    - name: all-meters\n      mqtt: meters/east/#\n      group: events\n      direction: to-group\n";

        var (_, errors) = NodeConfigurationLoader.Load(_files.Write("edge-1.yaml", text));

        Assert.Equal(
            ["bridge.rules[readings].topic: a loop through the broker: the rule publishes group 'ham:ip:239.192.0.7:5000' on 'meters/east/tariff', which rule 'all-meters' takes back into group 'ham:sg:dr.events'"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Load_AmqpLoop_NamesTopicsAsRoutingKeys()
    {
        var text = Valid.Replace("uri: ham:ip:239.192.0.7:5000", "uri: ham:sg:readings", StringComparison.Ordinal)
            + "    - name: echo\n      amqp: dr.events.peak\n      group: readings\n      direction: from-group\n";

        var (_, errors) = NodeConfigurationLoader.Load(_files.Write("edge-1.yaml", text));

        Assert.Equal(
            ["bridge.rules[echo].amqp: a loop through the broker: the rule publishes group 'ham:sg:readings' on 'dr.events.peak', which rule 'events' takes back into group 'ham:sg:dr.events'"],
            errors.Select(e => e.ToString()));
    }

    private NodeConfiguration LoadValid(string text, string name = "edge-1.yaml")
    {
        var (configuration, errors) = NodeConfigurationLoader.Load(_files.Write(name, text));
        Assert.Empty(errors);
        return Assert.IsType<NodeConfiguration>(configuration);
    }
}
