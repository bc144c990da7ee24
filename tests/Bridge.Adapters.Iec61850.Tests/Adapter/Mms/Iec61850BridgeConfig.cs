using Bridge.Adapters.Iec61850.Adapter.Mms;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;

namespace Bridge.Adapters.Iec61850.Tests.Adapter.Mms;

/// <summary>Reads a node file's <c>groups</c> and <c>bridge</c> with the IEC 61850 kind, as the host does.</summary>
internal static class Iec61850BridgeConfig
{
    private static readonly IAdapterKind[] Kinds = [Iec61850AdapterKind.Instance];

    public static (BridgeSection? Bridge, IReadOnlyList<ConfigurationError> Errors) Read(string yaml)
    {
        var errors = new ConfigurationErrors();
        var root = Assert.IsType<ConfigMapping>(ConfigurationTreeReader.Read(yaml, ConfigurationFormat.Yaml, errors));
        var file = SectionReader.Open(root, string.Empty, errors, "groups", "bridge")!;
        var groups = GroupsSectionReader.Bind(file.Value("groups"), errors);
        var bridge = BridgeSectionReader.Bind(file.Value("bridge"), Kinds, errors)!;
        var context = new ConfigurationContext(Path.GetTempPath());
        (context.Groups, _) = GroupsSectionReader.Validate(groups, present: true, errors);
        var section = BridgeSectionReader.Validate(bridge, Kinds, context, errors);
        if (section is not null)
        {
            foreach (var error in Iec61850SectionReader.RuleErrors(section.Rules, section.Adapter<Iec61850Section>()!))
            {
                errors.Add(error.Path, error.Message);
            }
        }

        return (errors.Count == 0 ? section : null, errors.ToList());
    }
}
