using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bridge.Host.Cli;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security.Keys;

namespace Bridge.Host.Security;

/// <summary>
/// <c>gridcast keys new|rotate|public|show</c>: makes, rotates, strips and lists key files
/// (docs/security.md). Secrets come from the operating system's generator; files holding secrets
/// or private keys are written with mode 0600; nothing here ever prints key material.
/// </summary>
internal static class KeysCommand
{
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);
    private static readonly TimeSpan DefaultOverlap = TimeSpan.FromDays(1);

    public static Command Create() => new("keys", "Make, rotate and list key files for secured groups (docs/security.md)")
    {
        CreateNewCommand(),
        CreateRotateCommand(),
        CreatePublicCommand(),
        CreateShowCommand(),
    };

    private static Command CreateNewCommand()
    {
        var file = FileArgument();
        var (group, domain) = ScopeOptions();
        var algorithm = new Option<string>("--algorithm", "-a")
        {
            Description = $"Key algorithm: {string.Join(", ", KeyAlgorithms.Names)}",
            DefaultValueFactory = _ => KeyAlgorithms.Name(KeyAlgorithm.HmacSha256Tag128),
            HelpName = "ALGORITHM",
        };
        algorithm.AcceptOnlyFromAmong([.. KeyAlgorithms.Names]);
        var signer = new Option<string>("--signer") { Description = "For ecdsa-p256: the name of the sender whose key pair to add", HelpName = "NAME" };
        var lifetime = Duration("--lifetime", "How long each key is valid, such as 30d, 12h, 90m", DefaultLifetime);
        var overlap = Duration("--overlap", "How long the current key stays valid after the next one takes over", DefaultOverlap);
        var command = new Command("new", "Add a key ring (a current and a next key) for a group or domain to FILE, making FILE if needed")
        {
            file, group, domain, algorithm, signer, lifetime, overlap,
        };
        command.SetAction(result => Run(() =>
        {
            var path = result.GetRequiredValue(file);
            var scope = Scope(result.GetValue(group), result.GetValue(domain));
            if (!KeyAlgorithms.TryParse(result.GetRequiredValue(algorithm), out var chosen))
            {
                throw new ArgumentException($"--algorithm must be one of {string.Join(", ", KeyAlgorithms.Names)}");
            }

            var (life, lap) = Window(result.GetValue(lifetime), result.GetValue(overlap));
            var store = File.Exists(path) ? Read(path) : KeyStore.Empty;
            var now = Truncate(TimeProvider.System.GetUtcNow());
            var existing = store.Find(scope);
            KeyRing ring;
            if (KeyAlgorithms.IsSignature(chosen))
            {
                var name = result.GetValue(signer) ?? throw new ArgumentException("ecdsa-p256 needs --signer NAME: the sender whose key pair this is");
                if (existing is not null && existing.Algorithm != chosen)
                {
                    throw new ArgumentException($"{path} already holds a {KeyAlgorithms.Name(existing.Algorithm)} ring for {scope}");
                }

                if (existing is not null && existing.Rotations.ContainsKey(name))
                {
                    throw new ArgumentException($"{scope} already has signer '{name}': use 'gridcast keys rotate'");
                }

                var firstId = existing is null ? 1u : existing.KeyIds.Max(k => k.Value) + 1;
                var rotations = new Dictionary<string, KeyRotation>(existing?.Rotations ?? new Dictionary<string, KeyRotation>(), StringComparer.Ordinal)
                {
                    [name] = FreshRotation(chosen, firstId, now, life, lap),
                };
                ring = new KeyRing(scope, chosen, rotations);
            }
            else
            {
                if (existing is not null)
                {
                    throw new ArgumentException($"{path} already holds a ring for {scope}: use 'gridcast keys rotate'");
                }

                ring = new KeyRing(scope, chosen, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = FreshRotation(chosen, 1, now, life, lap) });
            }

            Write(path, store.With(ring));
            Console.Error.WriteLine($"wrote {path}: {Describe(ring)}");
        }));
        return command;
    }

    private static Command CreateRotateCommand()
    {
        var file = FileArgument();
        var (group, domain) = ScopeOptions();
        var signer = new Option<string>("--signer") { Description = "For ecdsa-p256: rotate only this sender's keys (default: every signer whose private key FILE holds)", HelpName = "NAME" };
        var overlap = Duration("--overlap", "How long the new current key stays valid after the new next one takes over", DefaultOverlap);
        var now = new Option<bool>("--now")
        {
            Description = "Replace the keys at once with a fresh pair valid from now, even before the next key's time (a compromised key): nodes on the old file refuse the new keys until they get this file",
        };
        var command = new Command("rotate", "Make the next key current and add a new next key, for one ring or all in FILE; run it once the next key has taken over")
        {
            file, group, domain, signer, overlap, now,
        };
        command.SetAction(result => Run(() =>
        {
            var path = result.GetRequiredValue(file);
            var store = Read(path);
            var instant = Truncate(TimeProvider.System.GetUtcNow());
            var only = result.GetValue(group) is null && result.GetValue(domain) is null ? (KeyScope?)null : Scope(result.GetValue(group), result.GetValue(domain));
            var rings = only is { } scope ? [store.Find(scope) ?? throw new ArgumentException($"{path} holds no ring for {scope}")] : store.Rings.ToList();
            foreach (var ring in rings)
            {
                var nextId = ring.KeyIds.Max(k => k.Value) + 1;
                var rotations = new Dictionary<string, KeyRotation>(StringComparer.Ordinal);
                foreach (var (name, rotation) in ring.Rotations)
                {
                    var mine = result.GetValue(signer) is { } wanted ? wanted == name : !KeyAlgorithms.IsSignature(ring.Algorithm) || rotation.Current.CanSign;
                    if (!mine)
                    {
                        rotations[name] = rotation;
                        continue;
                    }

                    var lap = result.GetValue(overlap) ?? DefaultOverlap;
                    if (result.GetValue(now))
                    {
                        var life = rotation.Current.NotAfter - rotation.Current.NotBefore;
                        rotations[name] = FreshRotation(ring.Algorithm, nextId, instant, life, lap < life ? lap : life / 10);
                        nextId += 2;
                        continue;
                    }

                    if (rotation.Next is { } pending && pending.NotBefore > instant)
                    {
                        // Rotating now would make a key current that no one may use yet.
                        throw new ArgumentException(
                            $"{ring.Scope}{(name.Length == 0 ? "" : $" signer {name}")}: the next key (id {pending.Id}) takes over at {pending.NotBefore:yyyy-MM-dd'T'HH:mm:ss'Z'}; rotate after that, or with --now to replace the keys at once");
                    }

                    rotations[name] = Rotate(rotation, nextId++, instant, lap);
                }

                var rotated = new KeyRing(ring.Scope, ring.Algorithm, rotations);
                store = store.With(rotated);
                Console.Error.WriteLine($"rotated {ring.Scope}: {Describe(rotated)}");
            }

            Write(path, store);
        }));
        return command;
    }

    private static Command CreatePublicCommand()
    {
        var file = FileArgument();
        var output = new Argument<string>("OUTPUT") { Description = "File to write: FILE without secrets' private halves, for the receivers of signed groups" };
        var command = new Command("public", "Write FILE's signed groups with public keys only (what receivers of a signed group hold); other rings are left out")
        {
            file, output,
        };
        command.SetAction(result => Run(() =>
        {
            var store = Read(result.GetRequiredValue(file));
            var rings = store.Rings
                .Where(r => KeyAlgorithms.IsSignature(r.Algorithm))
                .Select(r => new KeyRing(r.Scope, r.Algorithm, r.Rotations.ToDictionary(
                    p => p.Key,
                    p => new KeyRotation(p.Value.Current.WithoutPrivateKey(), p.Value.Next?.WithoutPrivateKey()),
                    StringComparer.Ordinal)))
                .ToList();
            if (rings.Count == 0)
            {
                throw new ArgumentException($"{result.GetRequiredValue(file)} holds no ecdsa-p256 ring: shared secrets have no public half");
            }

            Write(result.GetRequiredValue(output), new KeyStore(rings));
            Console.Error.WriteLine($"wrote {result.GetRequiredValue(output)}: {rings.Count} signed ring(s), public keys only");
        }));
        return command;
    }

    private static Command CreateShowCommand()
    {
        var file = FileArgument();
        var command = new Command("show", "List FILE's rings and keys: ids, algorithms, validity, what each holds; never the keys themselves") { file };
        command.SetAction(result => Run(() =>
        {
            var store = Read(result.GetRequiredValue(file));
            var now = TimeProvider.System.GetUtcNow();
            foreach (var ring in store.Rings.OrderBy(r => r.Scope.Kind).ThenBy(r => r.Scope.Name, StringComparer.Ordinal))
            {
                Console.WriteLine($"{ring.Scope} {KeyAlgorithms.Name(ring.Algorithm)}");
                foreach (var (name, rotation) in ring.Rotations.OrderBy(r => r.Key, StringComparer.Ordinal))
                {
                    var sending = rotation.ForSending(now)?.Id;
                    foreach (var (slot, key) in rotation.Next is null ? [("current", rotation.Current)] : new[] { ("current", rotation.Current), ("next", rotation.Next) })
                    {
                        var holds = KeyAlgorithms.IsSignature(key.Algorithm) ? (key.CanSign ? "key pair" : "public key") : "secret";
                        var who = name.Length == 0 ? "" : $" signer {name}";
                        var state = key.ValidityAt(now) switch
                        {
                            KeyValidity.Valid => sending == key.Id ? "valid, sending" : "valid",
                            KeyValidity.NotYetValid => "not yet valid",
                            _ => "expired",
                        };
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {slot,-7} id {key.Id,-5}{who} {key.NotBefore:yyyy-MM-dd'T'HH:mm:ss'Z'} to {key.NotAfter:yyyy-MM-dd'T'HH:mm:ss'Z'} {holds}, {state}"));
                    }
                }
            }
        }));
        return command;
    }

    private static KeyRotation FreshRotation(KeyAlgorithm algorithm, uint firstId, DateTimeOffset now, TimeSpan lifetime, TimeSpan overlap)
    {
        var current = NewKey(algorithm, firstId, now, now + lifetime);
        var nextStart = current.NotAfter - overlap;
        return new KeyRotation(current, NewKey(algorithm, firstId + 1, nextStart, nextStart + lifetime));
    }

    // The next key becomes current; a new next begins `overlap` before the new current ends, with
    // the same lifetime. A ring without a next key gets a fresh pair starting now.
    private static KeyRotation Rotate(KeyRotation rotation, uint id, DateTimeOffset now, TimeSpan overlap)
    {
        if (rotation.Next is not { } next)
        {
            var life = rotation.Current.NotAfter - rotation.Current.NotBefore;
            return FreshRotation(rotation.Current.Algorithm, id, now, life, overlap < life ? overlap : TimeSpan.Zero);
        }

        var lifetime = next.NotAfter - next.NotBefore;
        if (overlap >= lifetime)
        {
            throw new ArgumentException($"--overlap must be shorter than the keys' lifetime ({lifetime})");
        }

        var start = next.NotAfter - overlap;
        return new KeyRotation(next, NewKey(next.Algorithm, id, start, start + lifetime));
    }

    private static SecurityKey NewKey(KeyAlgorithm algorithm, uint id, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (KeyAlgorithms.IsSignature(algorithm))
        {
            using var pair = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return new SecurityKey
            {
                Id = new KeyId(id),
                Algorithm = algorithm,
                NotBefore = notBefore,
                NotAfter = notAfter,
                PublicKey = pair.ExportSubjectPublicKeyInfo(),
                PrivateKey = pair.ExportPkcs8PrivateKey(),
            };
        }

        return new SecurityKey
        {
            Id = new KeyId(id),
            Algorithm = algorithm,
            NotBefore = notBefore,
            NotAfter = notAfter,
            Secret = RandomNumberGenerator.GetBytes(KeyAlgorithms.SecretLength(algorithm)),
        };
    }

    private static string Describe(KeyRing ring) =>
        $"{ring.Scope} {KeyAlgorithms.Name(ring.Algorithm)}, " + string.Join("; ", ring.Rotations.Select(r =>
            (r.Key.Length == 0 ? "" : $"signer {r.Key}: ")
            + $"current id {r.Value.Current.Id} until {r.Value.Current.NotAfter:yyyy-MM-dd'T'HH:mm:ss'Z'}"
            + (r.Value.Next is { } n ? $", next id {n.Id} from {n.NotBefore:yyyy-MM-dd'T'HH:mm:ss'Z'}" : "")));

    private static KeyStore Read(string path)
    {
        var (store, errors) = KeyFiles.Load([path]);
        return store ?? throw new FormatException(string.Join(Environment.NewLine, errors));
    }

    // Written whole to a temporary file and moved into place, so a reader never sees half a file.
    private static void Write(string path, KeyStore store)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(KeyFile.Write(store)));
        }

        File.Move(temporary, full, overwrite: true);
    }

    private static (TimeSpan Lifetime, TimeSpan Overlap) Window(TimeSpan? lifetime, TimeSpan? overlap)
    {
        var life = lifetime ?? DefaultLifetime;
        var lap = overlap ?? (DefaultOverlap < life ? DefaultOverlap : life / 10);
        if (lap >= life)
        {
            throw new ArgumentException($"--overlap ({lap}) must be shorter than --lifetime ({life})");
        }

        return (life, lap);
    }

    private static DateTimeOffset Truncate(DateTimeOffset now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static KeyScope Scope(GroupName? group, string? domain) => (group, domain) switch
    {
        ({ } g, null) => KeyScope.Group(g.WireName),
        (null, { } d) => KeyScope.Domain(d),
        _ => throw new ArgumentException("give exactly one of --group URI and --domain NAME"),
    };

    private static Argument<string> FileArgument() => new("FILE") { Description = "Key file (JSON, docs/security.md)" };

    private static (Option<GroupName?> Group, Option<string?> Domain) ScopeOptions() => (
        new Option<GroupName?>("--group", "-g")
        {
            Description = "The group's URI: its ring is keyed by the group's wire name",
            HelpName = "URI",
            CustomParser = r => GroupName.TryParse(r.Tokens.Single().Value, out var name, out var error) ? name : Fail<GroupName>(r, error),
        },
        new Option<string?>("--domain") { Description = "A domain's name, for the control plane's ring", HelpName = "NAME" });

    private static Option<TimeSpan?> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} (default {Format(defaultValue)})",
        HelpName = "DURATION",
        CustomParser = r => ParseDuration(r.Tokens.Single().Value) is { } value ? value : Fail<TimeSpan?>(r, $"{name} '{r.Tokens.Single().Value}' is not a duration such as 30d, 12h, 90m or 45s"),
    };

    private static T? Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return default;
    }

    private static TimeSpan? ParseDuration(string text)
    {
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return null;
        }

        return text[^1] switch
        {
            'd' => TimeSpan.FromDays(value),
            'h' => TimeSpan.FromHours(value),
            'm' => TimeSpan.FromMinutes(value),
            's' => TimeSpan.FromSeconds(value),
            _ => null,
        };
    }

    private static string Format(TimeSpan span) => span.TotalDays >= 1 ? $"{span.TotalDays:0.#}d" : $"{span.TotalHours:0.#}h";

    private static int Run(Action action)
    {
        try
        {
            action();
            return GridcastCommand.Ok;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gridcast: {e.Message}");
            return GridcastCommand.UsageError;
        }
    }
}
