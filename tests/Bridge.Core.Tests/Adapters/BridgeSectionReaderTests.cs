using Bridge.Adapters.Mqtt;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Routing;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Tests.Adapters;

/// <summary>The <c>bridge</c> section with the kinds a host registers: a kind brings its section and its rule endpoints.</summary>
public sealed class BridgeSectionReaderTests
{
    private static readonly IAdapterKind[] Kinds = [MqttAdapterKind.Instance, UnitKind.Instance];

    private const string Valid = """
        groups:
          limits: { uri: "ham:sg:limits" }
        bridge:
          units: { port: 1502 }
          rules:
            - name: limits
              unit: 7
              group: limits
              direction: both
        """;

    [Fact]
    public void Validate_RegisteredKind_TakesItsSectionAndEndpointsWithNonStringAddresses()
    {
        var (bridge, errors) = Read(Valid);

        Assert.Empty(errors);
        Assert.NotNull(bridge);
        Assert.Equal(new UnitKind.Settings(1502), bridge.Adapter(UnitKind.KindName));
        var table = bridge.ToRoutingTable().ForKind(UnitKind.KindName);
        Assert.Equal([GroupName.Parse("ham:sg:limits")], table.GroupsFor(7));
        Assert.Empty(table.GroupsFor(8));
        Assert.Equal([new EndpointRoute<int>(7, new PublishOptions(Guarantee: DeliveryGuarantee.AtLeastOnce))], table.RoutesFor<int>(GroupName.Parse("ham:sg:limits")));
    }

    [Theory]
    [InlineData("unit: 7", "unit: seven", "bridge.rules[limits].unit: unit 'seven' is not a number from 0 to 255")]
    [InlineData("unit: 7", "unit: 7\n      mqtt: a/b", "bridge.rules[limits].unit: give only one of mqtt or unit, not mqtt and unit")]
    [InlineData("      unit: 7\n", "", "bridge.rules[limits].mqtt: is required: give mqtt (a topic template) or unit (a unit id)")]
    [InlineData("  units: { port: 1502 }\n", "  mqtt: { listen: 127.0.0.1:1883 }\n", "bridge.rules[limits].unit: a units rule needs bridge.units")]
    [InlineData("port: 1502", "port: 0", "bridge.units.port: '0' must be a whole number from 1 to 65535")]
    [InlineData("port: 1502", "speed: 9600", "bridge.units.speed: unknown key (expected port)\nbridge.units.port: is required")]
    [InlineData("unit: 7", "modbus: 7", "bridge.rules[limits].modbus: unknown key (expected name, mqtt, unit, topic, direction, group, groups, guarantee, values)\n"
        + "bridge.rules[limits].mqtt: is required: give mqtt (a topic template) or unit (a unit id)")]
    public void Validate_BadKindSectionOrEndpoint_NamesTheFieldInTheKindsTerms(string line, string replacement, string expected)
    {
        var (bridge, errors) = Read(Valid.Replace(line, replacement, StringComparison.Ordinal));

        Assert.Null(bridge);
        Assert.Equal(expected, string.Join('\n', errors));
    }

    [Fact]
    public void Validate_NoKindSection_NamesEveryKind()
    {
        var (_, errors) = Read(Valid.Replace("  units: { port: 1502 }\n", string.Empty, StringComparison.Ordinal).Replace("unit: 7", "mqtt: a/b", StringComparison.Ordinal));

        Assert.Equal(
            ["bridge: give mqtt, units or both: the brokers the rules map from and to", "bridge.rules[limits].mqtt: an mqtt rule needs bridge.mqtt"],
            errors.Select(e => e.ToString()));
    }

    // Bind, then validate, as the host's loader does, with the groups of the same text.
    private static (BridgeSection? Bridge, IReadOnlyList<ConfigurationError> Errors) Read(string yaml)
    {
        var errors = new ConfigurationErrors();
        var root = Assert.IsType<ConfigMapping>(ConfigurationTreeReader.Read(yaml, ConfigurationFormat.Yaml, errors));
        var file = SectionReader.Open(root, string.Empty, errors, "groups", "bridge")!;
        var groups = GroupsSectionReader.Bind(file.Value("groups"), errors);
        var bridge = BridgeSectionReader.Bind(file.Value("bridge"), Kinds, errors)!;
        var context = new ConfigurationContext(Path.GetTempPath());
        (context.Groups, _) = GroupsSectionReader.Validate(groups, present: true, errors);
        return (BridgeSectionReader.Validate(bridge, Kinds, context, errors), errors.ToList());
    }
}
