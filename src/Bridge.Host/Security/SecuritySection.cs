using Bridge.Core.Configuration;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;

namespace Bridge.Host.Security;

/// <summary>
/// The <c>security</c> section of a node file (docs/configuration.md, docs/security.md): the key
/// files that hold the rings of the node's secured groups. Which groups are secured, and how,
/// each group says under <c>groups.ID.security</c>.
/// </summary>
/// <param name="KeyFiles">The key files, as absolute paths, in file order.</param>
public sealed record SecuritySection(IReadOnlyList<string> KeyFiles)
{
    /// <summary>The key of the section.</summary>
    public const string Key = "security";

    /// <summary>The section's keys as the file wrote them.</summary>
    public sealed record Input(IReadOnlyList<ConfigText> Keys);

    /// <summary>Binds the section; null when absent or (with an error) of the wrong shape.</summary>
    public static Input? Bind(ConfigValue? value, ConfigurationErrors errors)
    {
        if (SectionReader.Open(value, Key, errors, "keys") is not { } section)
        {
            return null;
        }

        var keys = new List<ConfigText>();
        if (section.Value("keys") is ConfigSequence)
        {
            foreach (var (item, path) in section.List("keys") ?? [])
            {
                if (SectionReader.ItemText(item, path, errors) is { } text)
                {
                    keys.Add(text);
                }
            }
        }
        else if (section.Text("keys") is { } single)
        {
            keys.Add(single);
        }

        return new Input(keys);
    }

    /// <summary>
    /// Validates the section against the groups: a secured group needs key files. Returns the
    /// model (null when absent or wrong).
    /// </summary>
    public static SecuritySection? Validate(Input? input, IReadOnlyList<GroupDefinition>? groups, ConfigurationContext context, ConfigurationErrors errors)
    {
        if ((input is null || input.Keys.Count == 0) && groups is not null)
        {
            foreach (var group in groups.Where(g => g.Security is not null))
            {
                errors.Add($"groups.{group.Id}.security", "a secured group needs its key ring: list the key files under security.keys");
            }
        }

        if (input is null)
        {
            return null;
        }

        if (input.Keys.Count == 0)
        {
            errors.Add(ConfigPath.Key(Key, "keys"), "is required: one key file or a list of them");
            return null;
        }

        return new SecuritySection(new ValueList<string>(input.Keys.Select(k => ConfigValues.FilePath(k, context.BaseDirectory)!)));
    }

    /// <summary>
    /// Reads the key files and checks that each secured group has a ring of an algorithm that
    /// serves its mode. Key file errors come as they are (<c>FILE: PATH: MESSAGE</c>).
    /// </summary>
    public static void CheckEnvironment(Input? input, IReadOnlyList<GroupDefinition>? groups, ConfigurationContext context, ConfigurationErrors errors)
    {
        if (input is null || input.Keys.Count == 0)
        {
            return;
        }

        var paths = input.Keys.Select(k => (Text: k, Full: ConfigValues.FilePath(k, context.BaseDirectory)!)).ToList();
        if (!paths.All(p => EnvironmentChecks.FileExists(p.Full, p.Text.Path, errors)))
        {
            return;
        }

        var (store, keyErrors) = Security.KeyFiles.Load(paths.Select(p => p.Full));
        if (store is null)
        {
            foreach (var error in keyErrors)
            {
                errors.Add(ConfigPath.Key(Key, "keys"), error);
            }

            return;
        }

        foreach (var group in groups ?? [])
        {
            if (group.Security is not { } security || group.IsTemplate)
            {
                continue;
            }

            var path = $"groups.{group.Id}.security";
            if (store.ForGroup(group.Name.WireName) is not { } ring)
            {
                errors.Add(path, $"no key file under security.keys holds a ring for {group.Name.WireName}");
            }
            else if (!GroupSecurityModes.Accepts(security.Mode, ring.Algorithm))
            {
                errors.Add(path, $"{GroupSecurityModes.Name(security.Mode)} needs {ModeAlgorithms(security.Mode)}, but the ring for {group.Name.WireName} is {KeyAlgorithms.Name(ring.Algorithm)}");
            }
        }
    }

    /// <summary>Fresh protections (their own replay windows) for the secured groups among <paramref name="groups"/>, from the key files.</summary>
    public IReadOnlyDictionary<GroupName, GroupProtection> Protections(IEnumerable<GroupDefinition> groups)
    {
        var (store, errors) = Security.KeyFiles.Load(KeyFiles);
        if (store is null)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }

        var protections = new Dictionary<GroupName, GroupProtection>();
        foreach (var group in groups.Where(g => g.Security is not null && !g.IsTemplate))
        {
            var ring = store.ForGroup(group.Name.WireName)
                ?? throw new InvalidOperationException($"no key file holds a ring for {group.Name.WireName}");
            protections[group.Name] = new GroupProtection(group.Security!.Mode, ring, group.Security.Replay);
        }

        return protections;
    }

    private static string ModeAlgorithms(GroupSecurityMode mode) => mode switch
    {
        GroupSecurityMode.Authenticate => "an hmac-sha256-128 ring",
        GroupSecurityMode.Encrypt => "an aes-128-gcm or aes-256-gcm ring",
        _ => "an ecdsa-p256 ring",
    };
}
