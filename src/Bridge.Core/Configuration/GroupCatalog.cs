using Bridge.Core.Mapping;

namespace Bridge.Core.Configuration;

/// <summary>
/// The groups of one file as later sections see them: every id written under <c>groups</c>, and
/// the template of each whose URI is valid. A reference to a written id whose URI is wrong is not
/// reported a second time as unknown.
/// </summary>
public sealed class GroupCatalog
{
    private readonly HashSet<string> _declared;
    private readonly Dictionary<string, GroupTemplate> _valid;

    /// <summary>A catalog of the ids <paramref name="declared"/> and the valid groups <paramref name="valid"/>.</summary>
    public GroupCatalog(IEnumerable<string> declared, IEnumerable<GroupDefinition> valid)
    {
        _declared = new HashSet<string>(declared, StringComparer.Ordinal);
        _valid = valid.ToDictionary(g => g.Id, g => g.Uri, StringComparer.Ordinal);
        Valid = [.. valid];
    }

    /// <summary>No groups.</summary>
    public static GroupCatalog Empty { get; } = new([], []);

    /// <summary>The valid groups, in file order.</summary>
    public IReadOnlyList<GroupDefinition> Valid { get; }

    /// <summary>Whether <paramref name="id"/> is written under <c>groups</c>, valid or not.</summary>
    public bool IsDeclared(string id) => _declared.Contains(id);

    /// <summary>
    /// The template of the group <paramref name="id"/> names; null when it has none, with
    /// <c>unknown group '…'</c> unless the id is declared (its own error is reported already).
    /// </summary>
    public GroupTemplate? Reference(ConfigText id, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(errors);
        if (_valid.TryGetValue(id.Text, out var template))
        {
            return template;
        }

        if (!_declared.Contains(id.Text))
        {
            errors.Add(id.Path, $"unknown group '{id.Text}'");
        }

        return null;
    }
}
