using Bridge.Core.Configuration;
using Bridge.Multicast.Security.Keys;

namespace Bridge.Host.Node;

/// <summary>
/// Reads the key ring of a domain's (or the overlay's) control plane from a key file
/// (docs/security.md, "Key files" and "Control plane"): the ring <c>domains.NAME</c>, or the file's
/// only domain ring when no name is given. The ring must hold <c>hmac-sha256-128</c> keys.
/// </summary>
public static class ControlKeyFiles
{
    /// <summary>Reads the ring; on failure null with every problem as one line in <paramref name="problems"/>.</summary>
    public static KeyRing? TryLoad(string file, string? ring, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(problems);
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"cannot read {file}: {e.Message}");
            return null;
        }

        var read = KeyFile.Read(text, file);
        if (read.Store is not { } store)
        {
            problems.AddRange(read.Errors.Select(static e => e.ToString()));
            return null;
        }

        var domains = store.Rings.Where(static r => r.Scope.Kind == KeyScopeKind.Domain).OrderBy(static r => r.Scope.Name, StringComparer.Ordinal).ToList();
        KeyRing? found;
        if (ring is not null)
        {
            found = store.ForDomain(ring);
            if (found is null)
            {
                problems.Add($"{file} has no key ring domains.{ring}" + (domains.Count == 0 ? " (it has no domain rings)" : $" (it has {string.Join(", ", domains.Select(static d => d.Scope.Name))})"));
                return null;
            }
        }
        else if (domains.Count == 1)
        {
            found = domains[0];
        }
        else
        {
            problems.Add(domains.Count == 0
                ? $"{file} has no domain key ring (domains.NAME)"
                : $"{file} has {domains.Count} domain key rings ({string.Join(", ", domains.Select(static d => d.Scope.Name))}); name one");
            return null;
        }

        if (found.Algorithm != KeyAlgorithm.HmacSha256Tag128)
        {
            problems.Add($"{file}: domains.{found.Scope.Name}: control frames need {KeyAlgorithms.Name(KeyAlgorithm.HmacSha256Tag128)} keys, not {KeyAlgorithms.Name(found.Algorithm)}");
            return null;
        }

        return found;
    }

    /// <summary>Reads the ring or throws with every problem (at start, after the file was checked).</summary>
    public static KeyRing Load(string file, string? ring)
    {
        var problems = new List<string>();
        return TryLoad(file, ring, problems) ?? throw new InvalidDataException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>The check of <c>config validate</c> and start: the file exists and holds the ring; problems are added at the <c>keyFile</c> key.</summary>
    internal static void Check(ConfigText? fileText, ConfigText? ringText, ConfigurationContext context, ConfigurationErrors errors)
    {
        if (fileText is null)
        {
            return;
        }

        var file = ConfigValues.FilePath(fileText, context.BaseDirectory);
        if (!EnvironmentChecks.FileExists(file, fileText.Path, errors))
        {
            return;
        }

        var problems = new List<string>();
        if (TryLoad(file!, ringText?.Text, problems) is null)
        {
            foreach (var problem in problems)
            {
                errors.Add(fileText.Path, problem);
            }
        }
    }
}
