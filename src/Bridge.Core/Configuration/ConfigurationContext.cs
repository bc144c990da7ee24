namespace Bridge.Core.Configuration;

/// <summary>
/// What the validation and environment steps of one load share: where relative paths resolve,
/// the node's id once it is valid, and the groups every later section refers to.
/// </summary>
/// <param name="baseDirectory">The configuration file's directory.</param>
public sealed class ConfigurationContext(string baseDirectory)
{
    /// <summary>The directory relative paths resolve against: the configuration file's.</summary>
    public string BaseDirectory { get; } = baseDirectory;

    /// <summary>The node's id, when <c>node.id</c> is valid; null otherwise.</summary>
    public string? NodeId { get; set; }

    /// <summary>The groups of the file, once the <c>groups</c> section was validated.</summary>
    public GroupCatalog Groups { get; set; } = GroupCatalog.Empty;
}
