using Bridge.Adapters.Modbus.Adapter;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>Reads a node file's <c>groups</c> and <c>bridge</c> with the Modbus kind, as the host's loader does.</summary>
internal static class ModbusBridgeConfig
{
    public const string Valid = """
        groups:
          setpoints: { uri: "ham:sg:setpoints" }
          states: { uri: "ham:sg:states" }
        bridge:
          modbus:
            listen: 127.0.0.1:1502
            units: [1, 2]
            maxConnections: 8
          rules:
            - name: setpoints
              modbus: unit=1 holding=100-103 type=u16 scale=0.1
              group: setpoints
              direction: to-group
            - name: states
              modbus: unit=1 holding=200-203 type=f32 order=little
              group: states
              direction: from-group
        """;

    private static readonly IAdapterKind[] Kinds = [ModbusAdapterKind.Instance];

    /// <summary>Reads <paramref name="yaml"/> as if the file were in <paramref name="directory"/> (the temporary directory when null), checking the files it names there.</summary>
    public static (BridgeSection? Bridge, IReadOnlyList<ConfigurationError> Errors) Read(string yaml, string? directory = null)
    {
        var errors = new ConfigurationErrors();
        var root = Assert.IsType<ConfigMapping>(ConfigurationTreeReader.Read(yaml, ConfigurationFormat.Yaml, errors));
        var file = SectionReader.Open(root, string.Empty, errors, "groups", "bridge")!;
        var groups = GroupsSectionReader.Bind(file.Value("groups"), errors);
        var bridge = BridgeSectionReader.Bind(file.Value("bridge"), Kinds, errors)!;
        var context = new ConfigurationContext(directory ?? Path.GetTempPath());
        (context.Groups, _) = GroupsSectionReader.Validate(groups, present: true, errors);
        var section = BridgeSectionReader.Validate(bridge, Kinds, context, errors);
        if (section is not null)
        {
            BridgeSectionReader.CheckEnvironment(bridge, context, errors);
        }

        return (errors.Count == 0 ? section : null, errors.ToList());
    }
}
