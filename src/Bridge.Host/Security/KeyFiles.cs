using System.CommandLine;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast;

namespace Bridge.Host.Security;

/// <summary>
/// Key files on disk (docs/security.md): reading them whole, and securing a socket's groups with
/// the rings they hold. The format itself is <see cref="KeyFile"/>'s, in the protocol project.
/// </summary>
internal static class KeyFiles
{
    /// <summary>The <c>--keys FILE</c> option of <c>pub</c> and <c>sub</c>.</summary>
    public static Option<string[]> Option() => new("--keys")
    {
        Description = "Key file (docs/security.md); each group with a key ring in it is authenticated, encrypted or signed as its algorithm says (repeatable)",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Reads <paramref name="paths"/>; the store, or every error, each <c>FILE: PATH: MESSAGE</c>.</summary>
    public static (KeyStore? Store, IReadOnlyList<string> Errors) Load(IEnumerable<string> paths)
    {
        var store = KeyStore.Empty;
        var errors = new List<string>();
        foreach (var path in paths)
        {
            string text;
            try
            {
                text = File.ReadAllText(path, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(File.Exists(path) || Directory.Exists(path)
                    ? $"{path}: (file): cannot read: {e.Message}"
                    : $"{path}: (file): file '{Path.GetFullPath(path)}' does not exist");
                continue;
            }

            var read = KeyFile.Read(text, path);
            errors.AddRange(read.Errors.Select(e => e.ToString()));
            if (read.Store is { } loaded)
            {
                foreach (var ring in loaded.Rings)
                {
                    if (store.Find(ring.Scope) is not null)
                    {
                        errors.Add($"{path}: {(ring.Scope.Kind == KeyScopeKind.Group ? "groups" : "domains")}[{ring.Scope.Name}]: another key file already holds this ring");
                        continue;
                    }

                    store = store.With(ring);
                }
            }
        }

        return errors.Count == 0 ? (store, []) : (null, errors);
    }

    /// <summary>
    /// Secures each of <paramref name="groups"/> that has a ring in <paramref name="store"/> on
    /// <paramref name="socket"/>, in the mode the ring's algorithm implies; returns the protections
    /// by group, for their counters.
    /// </summary>
    public static IReadOnlyDictionary<GroupName, GroupProtection> Protect(MulticastSocket socket, KeyStore store, IEnumerable<GroupName> groups)
    {
        var protections = new Dictionary<GroupName, GroupProtection>();
        foreach (var group in groups)
        {
            if (store.ForGroup(group.WireName) is { } ring && !protections.ContainsKey(group))
            {
                var protection = new GroupProtection(GroupSecurityModes.For(ring.Algorithm), ring);
                socket.Protect(group, protection);
                protections.Add(group, protection);
            }
        }

        return protections;
    }

    /// <summary>One line on what a socket's secured groups took and refused: <c>security: 3 verified, 2 refused (BadTag 1, Replayed 1)</c>.</summary>
    public static string Summary(SecurityCounters counters)
    {
        var reasons = Enum.GetValues<SecurityRejection>()
            .Where(r => r != SecurityRejection.None && counters.Rejected(r) > 0)
            .Select(r => $"{r} {counters.Rejected(r)}");
        var refused = counters.RejectedTotal;
        return refused == 0
            ? $"security: {counters.Verified} verified, 0 refused"
            : $"security: {counters.Verified} verified, {refused} refused ({string.Join(", ", reasons)})";
    }
}
