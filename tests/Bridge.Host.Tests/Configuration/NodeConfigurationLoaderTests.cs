using System.Net;
using Bridge.Adapters.Mqtt.Configuration;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Host.Configuration;
using Bridge.Host.Node;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;

namespace Bridge.Host.Tests.Configuration;

/// <summary>Loading and checking node configuration files: values, defaults, and every error at once.</summary>
public sealed class NodeConfigurationLoaderTests : IDisposable
{
    // A transit gateway that also bridges MQTT; each bad-config row changes one line of it.
    private const string Valid = """
        node:
          id: gw-a
        groups:
          tariff:
            uri: ham:sg:ami.tariff.rtp
          readings:
            uri: ham:ip:239.192.0.7:5000
        domain:
          interface: lo
          ttl: 4
        gateway:
          role: transit
          listen: 0.0.0.0:7946
          tls:
            certificate: certs/gw-a.crt
            key: certs/gw-a.key
            authority: certs/ca.crt
          peers:
            - id: gw-b
              address: 10.0.0.2:7946
            - id: gw-c
          heartbeat:
            interval: 200ms
            deadAfter: 1s
          election:
            priority: 100
            helloInterval: 100ms
            holdTime: 350ms
        bridge:
          mqtt:
            listen: 127.0.0.1:1883
          rules:
            - name: tariffs
              direction: to-group
              topic: meters/+/tariff
              group: tariff
            - name: readings
              direction: from-group
              topic: headend/readings
              group: readings

        """;

    // The same configuration as JSON.
    private const string ValidJson = """
        {
          "node": { "id": "gw-a" },
          "groups": {
            "tariff": { "uri": "ham:sg:ami.tariff.rtp" },
            "readings": { "uri": "ham:ip:239.192.0.7:5000" }
          },
          "domain": { "interface": "lo", "ttl": 4 },
          "gateway": {
            "role": "transit",
            "listen": "0.0.0.0:7946",
            "tls": { "certificate": "certs/gw-a.crt", "key": "certs/gw-a.key", "authority": "certs/ca.crt" },
            "peers": [ { "id": "gw-b", "address": "10.0.0.2:7946" }, { "id": "gw-c" } ],
            "heartbeat": { "interval": "200ms", "deadAfter": "00:00:01" },
            "election": { "priority": 100, "helloInterval": "100ms", "holdTime": "350ms" }
          },
          "bridge": {
            "mqtt": { "listen": "127.0.0.1:1883" },
            "rules": [
              { "name": "tariffs", "direction": "to-group", "topic": "meters/+/tariff", "group": "tariff" },
              { "name": "readings", "direction": "from-group", "topic": "headend/readings", "group": "readings" },
            ]
          }
        }
        """;

    private readonly ConfigurationFiles _files = new();

    public NodeConfigurationLoaderTests() => _files.AddNode("gw-a");

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Load_ValidYaml_GivesEveryValue()
    {
        var configuration = LoadValid(_files.Write("node.yaml", Valid));

        Assert.Equal("gw-a", configuration.Node.Id);
        Assert.Equal(["tariff", "readings"], configuration.Groups.Select(g => g.Id));
        Assert.Equal(GroupName.Parse("ham:sg:ami.tariff.rtp"), configuration.Group("tariff").Name);
        Assert.Equal(new DomainSection("lo", 4, true), configuration.Domain);
        var gateway = Assert.IsType<GatewaySection>(configuration.Gateway);
        Assert.Equal(GatewayRole.Transit, gateway.Role);
        Assert.Equal(configuration.Groups.Select(g => g.Name), gateway.Carry);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 7946), gateway.Listen);
        Assert.Equal(Path.Combine(_files.Directory, "certs", "gw-a.key"), gateway.Tls.Key);
        Assert.Equal([new PeerDefinition("gw-b", new HostPort("10.0.0.2", 7946)), new PeerDefinition("gw-c", null)], gateway.Peers);
        Assert.True(gateway.AcceptLeaves);
        Assert.Empty(gateway.Upstreams);
        Assert.Equal(TimeSpan.FromMilliseconds(200), gateway.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), gateway.DeadAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(350), gateway.HoldTime);
        var bridge = Assert.IsType<BridgeSection>(configuration.Bridge);
        var mqtt = Assert.IsType<MqttSection>(bridge.Adapter("mqtt"));
        Assert.Null(mqtt.Broker);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1883), mqtt.Listen);
        Assert.Null(bridge.Adapter("amqp"));
        var table = bridge.ToRoutingTable();
        Assert.Equal([configuration.Group("tariff").Name], table.GroupsFor("meters/17/tariff"));
        Assert.Equal(["headend/readings"], table.RoutesFor<string>(configuration.Group("readings").Name).Select(r => r.Address));
    }

    [Fact]
    public void Load_SameConfigurationInYamlAndJson_GivesEqualRecords()
    {
        var yaml = LoadValid(_files.Write("node.yaml", Valid));
        var json = LoadValid(_files.Write("node.json", ValidJson));

        Assert.Equal(yaml, json);
        Assert.NotEqual(yaml, yaml with { Domain = yaml.Domain with { TimeToLive = 5 } });
    }

    [Fact]
    public void Load_LeafWithoutOptionalKeys_TakesTheDefaults()
    {
        var configuration = LoadValid(_files.Write("leaf.yml", """
            node: { id: gw-a }
            groups:
              tariff: { uri: "ham:sg:ami.tariff.rtp" }
            gateway:
              role: leaf
              tls: { certificate: certs/gw-a.crt, key: certs/gw-a.key, authority: certs/ca.crt }
              upstreams:
                - { id: core-1, address: "[fd00::1]:7946" }
                - { id: core-2, address: core-2.localhost:7946 }
            """));

        Assert.Equal(DomainSection.Default, configuration.Domain);
        var gateway = Assert.IsType<GatewaySection>(configuration.Gateway);
        Assert.Null(gateway.Listen);
        Assert.False(gateway.AcceptLeaves);
        Assert.Equal([GroupName.Parse("ham:sg:ami.tariff.rtp")], gateway.Carry);
        Assert.Equal(new HostPort("fd00::1", 7946), gateway.Upstreams[0].Address);
        Assert.Equal("[fd00::1]:7946", gateway.Upstreams[0].Address.ToString());
        Assert.Equal(new HostPort("core-2.localhost", 7946), gateway.Upstreams[1].Address);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)), (gateway.HeartbeatInterval, gateway.DeadAfter));
        Assert.Equal((100, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(350)), (gateway.Priority, gateway.HelloInterval, gateway.HoldTime));
        Assert.Null(configuration.Bridge);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("2s", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60_000)]
    [InlineData("00:00:01", 1000)]
    [InlineData("00:00:00.250", 250)]
    public void Load_DurationSyntax_IsUnderstood(string written, int milliseconds)
    {
        var configuration = LoadValid(_files.Write("node.yaml", Valid.Replace("interval: 200ms", $"interval: {written}", StringComparison.Ordinal)
            .Replace("deadAfter: 1s", "deadAfter: 2m", StringComparison.Ordinal)));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), configuration.Gateway!.HeartbeatInterval);
    }

    public static TheoryData<string, string, string> BadConfigurations() => new()
    {
        { "id: gw-a", "id: gw a", "node.id: 'gw a' must be 1 to 128 characters of A-Z a-z 0-9 . _ -" },
        { "id: gw-a", "id: gw-z", "gateway.tls.certificate: the certificate's CN is 'gw-a' but node.id is 'gw-z'" },
        { "node:\n  id: gw-a\n", "", "node: is required" },
        { "uri: ham:sg:ami.tariff.rtp", "uri: ham:ip:1.2.3.4", $"groups.tariff.uri: {ParserError("ham:ip:1.2.3.4")}" },
        { "  tariff:\n    uri: ham:sg:ami.tariff.rtp", "  tariff:\n    url: ham:sg:ami.tariff.rtp",
            "groups.tariff.url: unknown key (did you mean 'uri'?)\ngroups.tariff.uri: is required" },
        { "ttl: 4", "ttl: 256", "domain.ttl: '256' must be a whole number from 1 to 255" },
        { "ttl: 4", "ttl: 4\n  loopbak: false", "domain.loopbak: unknown key (did you mean 'loopback'?)" },
        { "ttl: 4", "ttl: 4\n  loopback: yes", "domain.loopback: 'yes' must be true or false" },
        { "role: transit", "role: hub", "gateway.role: 'hub' must be transit or leaf" },
        { "role: transit", "role: transit\n  carry: [tariff, tarif]", "gateway.carry[1]: unknown group 'tarif'" },
        { "role: transit", "role: transit\n  carry: [tariff, tariff]", "gateway.carry[1]: group 'tariff' is listed twice" },
        { "listen: 0.0.0.0:7946", "listen: 0.0.0.0", "gateway.listen: '0.0.0.0' is not address:port (e.g. 0.0.0.0:7946 or [::]:7946)" },
        { "  listen: 0.0.0.0:7946\n", "", "gateway.listen: is required for a transit gateway" },
        { "key: certs/gw-a.key", "key: certs/missing.key", "gateway.tls.key: file '{dir}/certs/missing.key' does not exist" },
        { "    certificate: certs/gw-a.crt", "    cert: certs/gw-a.crt",
            "gateway.tls.cert: unknown key (did you mean 'certificate'?)\ngateway.tls.certificate: is required" },
        { "address: 10.0.0.2:7946", "address: x:y", "gateway.peers[0].address: 'x:y' is not host:port" },
        { "address: 10.0.0.2:7946", "address: fd00::2:7946", "gateway.peers[0].address: 'fd00::2:7946' is not host:port" },
        { "address: 10.0.0.2:7946", "address: 10.0.0.2:0", "gateway.peers[0].address: '10.0.0.2:0' is not host:port" },
        { "- id: gw-c", "- id: gw-a", "gateway.peers[1].id: 'gw-a' is this node's own id" },
        { "- id: gw-c", "- id: gw-b", "gateway.peers[1].id: 'gw-b' is listed twice" },
        { "role: transit", "role: transit\n  upstreams: [{ id: x, address: 'x:1' }]",
            "gateway.upstreams: only a leaf gateway has upstreams; a transit gateway has peers" },
        { "deadAfter: 1s", "deadAfter: 200ms", "gateway.heartbeat.deadAfter: '200ms' must be longer than interval '200ms'" },
        { "interval: 200ms", "interval: soon", "gateway.heartbeat.interval: 'soon' is not a duration (use 250ms, 2s, 1m or 00:00:01)" },
        { "interval: 200ms", "interval: 0s", "gateway.heartbeat.interval: '0s' must be longer than zero" },
        { "holdTime: 350ms", "holdTime: 00:00:00.050", "gateway.election.holdTime: '00:00:00.050' must be longer than helloInterval '100ms'" },
        { "priority: 100", "priority: -1", "gateway.election.priority: '-1' must be a whole number from 0 to 255" },
        { "listen: 127.0.0.1:1883", "broker: http://broker", "bridge.mqtt.broker: 'http://broker' is not mqtt://host[:port] or mqtts://host[:port]" },
        { "listen: 127.0.0.1:1883", "broker: mqtt://broker.localhost:0", "bridge.mqtt.broker: 'mqtt://broker.localhost:0': port 0 is not from 1 to 65535" },
        { "listen: 127.0.0.1:1883", "listen: 127.0.0.1:1883\n    broker: mqtt://10.0.0.9", "bridge.mqtt: give broker or listen, not both" },
        { "listen: 127.0.0.1:1883", "clientId: b1", "bridge.mqtt: give broker (connect to a broker) or listen (run the embedded broker)\n"
            + "bridge.mqtt.clientId: only used with broker (client mode)" },
        { "group: tariff", "group: tarif", "bridge.rules[tariffs].group: unknown group 'tarif'" },
        { "topic: meters/+/tariff", "topic: meters/#/tariff",
            "bridge.rules[tariffs].topic: topic template 'meters/#/tariff': '#' must be a whole level and the last one (level 2 is '#')" },
        { "topic: headend/readings", "topic: headend/+", "bridge.rules[readings].topic: topic 'headend/+' to publish on must not hold '+' or '#'" },
        { "direction: to-group", "direction: sideways", "bridge.rules[tariffs].direction: 'sideways' must be to-group, from-group or both" },
        { "- name: readings", "- name: tariffs", "bridge.rules[1].name: rule name 'tariffs' is used twice" },
        { "      group: readings", "      groop: readings",
            "bridge.rules[readings].groop: unknown key (did you mean 'group'?)\nbridge.rules[readings].group: is required" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void Load_BadConfiguration_NamesPathAndProblem(string line, string replacement, string expected)
    {
        Assert.Contains(line, Valid, StringComparison.Ordinal);
        var path = _files.Write("node.yaml", ReplaceFirst(Valid, line, replacement));

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Null(configuration);
        Assert.Equal(expected.Replace("{dir}", _files.Directory, StringComparison.Ordinal), string.Join('\n', errors));
    }

    [Fact]
    public void Load_LeafWithTransitKeys_ReportsEachKeyThatDoesNotFitTheRole()
    {
        var path = _files.Write("node.yaml", Valid.Replace("role: transit", "role: leaf\n  acceptLeaves: true", StringComparison.Ordinal));

        var (_, errors) = NodeConfigurationLoader.Load(path);

        Assert.Equal(
            [
                "gateway.listen: a leaf gateway does not listen; remove this key",
                "gateway.peers: only a transit gateway has peers; a leaf has upstreams",
                "gateway.acceptLeaves: only a transit gateway accepts leaves",
                "gateway.upstreams: is required for a leaf gateway (1 or 2 upstreams)",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Load_ManyFaults_ReportsThemAllAtOnce()
    {
        var path = _files.Write("bad.yaml", """
            node:
              id: gw-a
            groups:
              tariff:
                uri: ham:sg:tariff.north
              bad:
                uri: ham:ip:1.2.3.4
            domain:
              ttl: 0
              loopbak: true
            gateway:
              role: leaf
              carry: [tarif, tariff, bad]
              tls:
                certificate: certs/gw-a.crt
                key: certs/gw-a.key
                authority: certs/nope.crt
              upstreams:
                - id: gw-b
                  address: x:y
                - id: gw-a
                  address: 10.0.0.1:7946
                - id: gw-c
              heartbeat:
                interval: 2s
                deadAfter: 1s
              election:
                priority: 300
                helloInterval: abc
            bridge:
              mqtt:
                broker: http://x
              rules:
                - name: tariffs
                  direction: to-group
                  topic: meters/#/x
                  group: tarif
                - name: tariffs
                  direction: sideways
                  topic: a/+
                  group: bad
                - colour: blue
            """);

        var (configuration, errors) = NodeConfigurationLoader.Load(path);

        Assert.Null(configuration);
        Assert.Equal(
            [
                "domain.loopbak: unknown key (did you mean 'loopback'?)",
                "bridge.rules[2].colour: unknown key (expected name, mqtt, amqp, modbus, goose, iec61850, topic, direction, group, groups, guarantee, values)",
                $"groups.bad.uri: {ParserError("ham:ip:1.2.3.4")}",
                "domain.ttl: '0' must be a whole number from 1 to 255",
                "gateway.carry[0]: unknown group 'tarif'",
                "gateway.upstreams: a leaf gateway has 1 or 2 upstreams, not 3",
                "gateway.upstreams[0].address: 'x:y' is not host:port",
                "gateway.upstreams[1].id: 'gw-a' is this node's own id",
                "gateway.upstreams[2].address: is required",
                "gateway.election.priority: '300' must be a whole number from 0 to 255",
                "gateway.election.helloInterval: 'abc' is not a duration (use 250ms, 2s, 1m or 00:00:01)",
                "gateway.heartbeat.deadAfter: '1s' must be longer than interval '2s'",
                "bridge.mqtt.broker: 'http://x' is not mqtt://host[:port] or mqtts://host[:port]",
                "bridge.rules[tariffs].topic: topic template 'meters/#/x': '#' must be a whole level and the last one (level 2 is '#')",
                "bridge.rules[tariffs].group: unknown group 'tarif'",
                "bridge.rules[1].name: rule name 'tariffs' is used twice",
                "bridge.rules[1].direction: 'sideways' must be to-group, from-group or both",
                "bridge.rules[2].name: is required",
                "bridge.rules[2].direction: is required",
                "bridge.rules[2].mqtt: is required: give mqtt (a topic template), amqp (a routing-key template), modbus (a unit and register or coil range), goose (a GOOSE stream by appid, gocbRef and dst) or iec61850 (an IED and a report, poll, write, operate or read reference)",
                "bridge.rules[2].group: is required",
                $"gateway.tls.authority: file '{_files.Directory}/certs/nope.crt' does not exist",
            ],
            errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("node.yaml", "node:\n  id: [gw-a\ngroups: {}\n", "line 3, column 1", "YAML syntax error: ")]
    [InlineData("node.yaml", "node:\n  id: gw-a\n groups:\n", "line 3, column 2", "YAML syntax error: ")]
    [InlineData("node.json", "{\n  \"node\": { \"id\": \"gw-a\" }\n  \"groups\": {}\n}", "line 3, column 3", "JSON syntax error: ")]
    public void Load_SyntaxError_GivesLineAndColumn(string name, string text, string position, string prefix)
    {
        var (configuration, errors) = NodeConfigurationLoader.Load(_files.Write(name, text));

        Assert.Null(configuration);
        var error = Assert.Single(errors);
        Assert.Equal(position, error.Path);
        Assert.StartsWith(prefix, error.Message, StringComparison.Ordinal);
    }

    // Found by fuzzing (fuzz/regressions/mapping/yaml-key-after-nul): YamlDotNet threw an
    // ArgumentException out of the loader.
    [Fact]
    public void Parse_YamlKeyAfterNulCharacter_IsSyntaxError()
    {
        var (configuration, errors) = NodeConfigurationLoader.Parse(":\n\0:", ConfigurationFormat.Yaml, _files.Directory);

        Assert.Null(configuration);
        var error = Assert.Single(errors);
        Assert.StartsWith("YAML syntax error: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node.yaml", "", "(file): the file is empty")]
    [InlineData("node.yaml", "- a\n- b\n", "(file): expected a mapping, found a list")]
    [InlineData("node.json", "{ \"node\": { \"id\": \"a\", \"id\": \"b\" } }", "node.id: key written twice\ngroups: at least one group is required\n(file): a node needs a gateway section, a bridge section or both")]
    [InlineData("node.toml", "x = 1", "(file): 'node.toml' must end in .yaml, .yml or .json")]
    [InlineData("node.yaml", "node: { id: gw-a }\ngroups:\n  tariff: { uri: 'ham:sg:t' }\n", "(file): a node needs a gateway section, a bridge section or both")]
    [InlineData("node.yaml", "node: { id: gw-a }\ngroups: {}\nbridge:\n  mqtt: { listen: '127.0.0.1:1883' }\n  rules: []\n",
        "groups: at least one group is required\nbridge.rules: a bridge needs at least one rule")]
    public void Load_WrongShape_SaysWhatIsWrong(string name, string text, string expected)
    {
        var (configuration, errors) = NodeConfigurationLoader.Load(_files.Write(name, text));

        Assert.Null(configuration);
        Assert.Equal(expected, string.Join('\n', errors));
    }

    private static string ParserError(string uri)
    {
        Assert.False(GroupName.TryParse(uri, out _, out var error));
        return error;
    }

    private static string ReplaceFirst(string text, string line, string replacement)
    {
        var at = text.IndexOf(line, StringComparison.Ordinal);
        return text[..at] + replacement + text[(at + line.Length)..];
    }

    private static NodeConfiguration LoadValid(string path)
    {
        var (configuration, errors) = NodeConfigurationLoader.Load(path);
        Assert.Empty(errors);
        return Assert.IsType<NodeConfiguration>(configuration);
    }
}
