using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Host.Bridging;
using Bridge.Host.Diagnostics;
using Bridge.Host.Node;
using Bridge.Host.Security;

namespace Bridge.Host.Configuration;

/// <summary>
/// Loads a node configuration file (docs/configuration.md) in four steps, as YARP keeps them
/// apart, and reports every error at once: a bad key, value or reference never stops the check of
/// the rest.
/// <list type="number">
/// <item><description><b>Bind</b>: the YAML or JSON tree into input records, section by section
/// (each section's reader sits next to what it configures); errors of shape only: unknown keys,
/// a list where a value belongs.</description></item>
/// <item><description><b>Validate</b>: pure, every error collected with its path: values,
/// references between sections, rules that fit the role, loops between mapping rules.</description></item>
/// <item><description><b>Model</b>: the immutable <see cref="NodeConfiguration"/>, made only when
/// nothing is wrong.</description></item>
/// <item><description><b>Environment</b>: what the file says about this machine: the files it
/// names exist, the gateway's certificate is issued to <c>node.id</c> and its key is that
/// certificate's. The interface and what it carries are checked by <c>gridcast run</c> alone
/// (<see cref="DomainSectionReader.CheckOnThisHost"/>), since a file is often checked elsewhere.</description></item>
/// </list>
/// Errors come in that order: the file's syntax and shape, then its values, then the machine.
/// No sockets are opened and no interface is looked up here.
/// </summary>
public static class NodeConfigurationLoader
{
    private static readonly string[] Sections = [NodeSection.Key, GroupsSectionReader.Key, DomainSection.Key, GatewaySection.Key, BridgeSection.Key, MetricsSection.Key, SecuritySection.Key];

    /// <summary>
    /// Loads <paramref name="path"/>, YAML for <c>.yaml</c>/<c>.yml</c> and JSON for <c>.json</c>.
    /// Relative paths resolve against the file's directory. The configuration is null exactly
    /// when there are errors.
    /// </summary>
    public static (NodeConfiguration? Configuration, IReadOnlyList<ConfigurationError> Errors) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var format = FormatOf(path);
        if (format is null)
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"'{Path.GetFileName(path)}' must end in .yaml, .yml or .json")]);
        }

        // The runtime's words for these ("Could not find file", "Access to the path is denied") mislead.
        if (Directory.Exists(path))
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"'{path}' is a directory, not a configuration file")]);
        }

        if (!File.Exists(path))
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"file '{Path.GetFullPath(path)}' does not exist")]);
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"cannot read {path}: {e.Message}")]);
        }

        return Parse(text, format.Value, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Checks configuration <paramref name="text"/> in <paramref name="format"/>; relative paths
    /// resolve against <paramref name="baseDirectory"/>.
    /// </summary>
    public static (NodeConfiguration? Configuration, IReadOnlyList<ConfigurationError> Errors) Parse(string text, ConfigurationFormat format, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(baseDirectory);
        var errors = new ConfigurationErrors();
        var root = ConfigurationTreeReader.Read(text, format, errors);
        if (root is null)
        {
            return (null, errors.ToList());
        }

        if (root is ConfigScalar { Text: null })
        {
            errors.Add(ConfigPath.Root, "the file is empty");
            return (null, errors.ToList());
        }

        var kinds = AdapterKinds.All;
        var input = Bind(root, kinds, errors);
        if (input is null)
        {
            return (null, errors.ToList());
        }

        var context = new ConfigurationContext(baseDirectory);
        var configuration = Validate(input, kinds, context, errors);
        CheckEnvironment(input, context, errors);
        return errors.Count == 0 ? (configuration, []) : (null, errors.ToList());
    }

    /// <summary>The format of <paramref name="path"/> by its extension; null when it has none of ours.</summary>
    public static ConfigurationFormat? FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".YAML" or ".YML" => ConfigurationFormat.Yaml,
        ".JSON" => ConfigurationFormat.Json,
        _ => null,
    };

    // Step 1: every section into its input record.
    private static NodeFileInput? Bind(ConfigValue root, IReadOnlyList<IAdapterKind> kinds, ConfigurationErrors errors)
    {
        if (SectionReader.Open(root, string.Empty, errors, Sections) is not { } file)
        {
            return null;
        }

        return new NodeFileInput(
            NodeSection.Bind(file.Value(NodeSection.Key), errors),
            file.Has(GroupsSectionReader.Key),
            GroupsSectionReader.Bind(file.Value(GroupsSectionReader.Key), errors),
            DomainSectionReader.Bind(file.Value(DomainSection.Key), errors),
            GatewaySectionReader.Bind(file.Value(GatewaySection.Key), errors),
            file.Has(BridgeSection.Key),
            BridgeSectionReader.Bind(file.Value(BridgeSection.Key), kinds, errors),
            MetricsSectionReader.Bind(file.Value(MetricsSection.Key), errors))
        {
            Security = SecuritySection.Bind(file.Value(SecuritySection.Key), errors),
        };
    }

    // Steps 2 and 3: validate every section, sharing the node id and the groups; the model when nothing is wrong.
    private static NodeConfiguration? Validate(NodeFileInput input, IReadOnlyList<IAdapterKind> kinds, ConfigurationContext context, ConfigurationErrors errors)
    {
        var node = NodeSection.Validate(input.Node, errors);
        context.NodeId = node?.Id;
        var (catalog, groups) = GroupsSectionReader.Validate(input.Groups, input.HasGroups, errors);
        context.Groups = catalog;
        var domain = DomainSectionReader.Validate(input.Domain, errors, context);
        var gateway = input.Gateway is { } gatewayInput ? GatewaySectionReader.Validate(gatewayInput, context, errors) : null;
        var bridge = input.Bridge is { } bridgeInput ? BridgeSectionReader.Validate(bridgeInput, kinds, context, errors) : null;
        var metrics = MetricsSectionReader.Validate(input.Metrics, errors);
        var security = SecuritySection.Validate(input.Security, groups, context, errors);
        if (input.Gateway is null && !input.HasBridge)
        {
            errors.Add(ConfigPath.Root, "a node needs a gateway section, a bridge section or both");
        }

        if (node is null || groups is null || domain is null || (input.Gateway is not null && gateway is null) || (input.HasBridge && bridge is null) || (input.Metrics is not null && metrics is null) || (input.Security is not null && security is null))
        {
            return null;
        }

        return new NodeConfiguration { Node = node, Groups = groups, Domain = domain, Gateway = gateway, Bridge = bridge, Metrics = metrics, Security = security };
    }

    // Step 4: what the file says about this machine.
    private static void CheckEnvironment(NodeFileInput input, ConfigurationContext context, ConfigurationErrors errors)
    {
        DomainSectionReader.CheckEnvironment(input.Domain, context, errors);
        if (input.Gateway is { } gateway)
        {
            GatewaySectionReader.CheckEnvironment(gateway, context, errors);
        }

        if (input.Bridge is { } bridge)
        {
            BridgeSectionReader.CheckEnvironment(bridge, context, errors);
        }

        SecuritySection.CheckEnvironment(input.Security, context.Groups.Valid, context, errors);
    }

    /// <summary>The whole file as bound: each section's input, null when the section is absent.</summary>
    private sealed record NodeFileInput(
        NodeInput? Node, bool HasGroups, IReadOnlyList<GroupInput>? Groups, DomainInput? Domain, GatewayInput? Gateway, bool HasBridge, BridgeInput? Bridge, MetricsInput? Metrics)
    {
        /// <summary>The <c>security</c> section, when present.</summary>
        public SecuritySection.Input? Security { get; init; }
    }
}
