namespace Bridge.Core.Configuration;

/// <summary>
/// The <c>node</c> section: the node's identity. Not reloadable: the id names the node in logs
/// and, for a gateway, in the overlay, where it must equal its certificate's CN; a new id is a new
/// node, so it takes effect at the next start.
/// </summary>
/// <param name="Id">The node id; a gateway's equals the CN of its certificate.</param>
public sealed record NodeSection(string Id)
{
    /// <summary>The key of the section.</summary>
    public const string Key = "node";

    /// <summary>Binds the section at <paramref name="value"/>; null when it is absent.</summary>
    public static NodeInput? Bind(ConfigValue? value, ConfigurationErrors errors)
    {
        if (value is null or ConfigScalar { Text: null })
        {
            return null;
        }

        return SectionReader.Open(value, Key, errors, "id") is { } section ? new NodeInput(section.Text("id")) : new NodeInput(null) { Bound = false };
    }

    /// <summary>Validates the bound section; null (with the errors added) when it is absent or wrong.</summary>
    public static NodeSection? Validate(NodeInput? input, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (input is null)
        {
            errors.Add(Key, "is required");
            return null;
        }

        return input.Bound && ConfigValues.Id(ConfigValues.Required(input.Id, ConfigPath.Key(Key, "id"), errors), errors) is { } id ? new NodeSection(id) : null;
    }
}

/// <summary>The <c>node</c> section as bound.</summary>
/// <param name="Id"><c>node.id</c>.</param>
public sealed record NodeInput(ConfigText? Id)
{
    /// <summary>Whether the section was a mapping; false when it had the wrong shape, which binding reported.</summary>
    public bool Bound { get; init; } = true;
}
