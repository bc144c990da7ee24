using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Security.Keys;

/// <summary>
/// Reads and writes key files (docs/security.md, "Key files"): JSON, one object with a format
/// marker and key rings for groups (by wire name) and domains (by name). The caller reads the
/// file; this class only sees its text, so the protocol project stays free of I/O.
/// </summary>
/// <remarks>
/// Like the node file's checks, reading never stops at the first problem: every error is one
/// line, <c>FILE: PATH: MESSAGE</c>, and a file with any error yields no store at all, so a node
/// never runs with half of a key file.
/// </remarks>
public static class KeyFile
{
    /// <summary>The value of the <c>format</c> key of a version 1 key file.</summary>
    public const string FormatMarker = "gridcast-keys/1";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads <paramref name="text"/>, the content of <paramref name="fileName"/> (used only in errors).</summary>
    public static KeyFileReadResult Read(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Reader(fileName);
        var store = reader.Run(text);
        return new KeyFileReadResult(reader.Errors.Count == 0 ? store : null, reader.Errors);
    }

    /// <summary>Writes <paramref name="store"/> as a key file, rings in scope order, so rewriting an unchanged store changes no byte.</summary>
    public static string Write(KeyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatMarker);
            WriteRings(json, "groups", store, KeyScopeKind.Group);
            WriteRings(json, "domains", store, KeyScopeKind.Domain);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static void WriteRings(Utf8JsonWriter json, string section, KeyStore store, KeyScopeKind kind)
    {
        var rings = store.Rings.Where(r => r.Scope.Kind == kind).OrderBy(r => r.Scope.Name, StringComparer.Ordinal).ToList();
        if (rings.Count == 0)
        {
            return;
        }

        json.WriteStartObject(section);
        foreach (var ring in rings)
        {
            json.WriteStartObject(ring.Scope.Name);
            json.WriteString("algorithm", KeyAlgorithms.Name(ring.Algorithm));
            if (KeyAlgorithms.IsSignature(ring.Algorithm))
            {
                json.WriteStartObject("signers");
                foreach (var (signer, rotation) in ring.Rotations.OrderBy(r => r.Key, StringComparer.Ordinal))
                {
                    json.WriteStartObject(signer);
                    WriteRotation(json, rotation);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }
            else
            {
                WriteRotation(json, ring.Rotations[KeyRing.SharedSigner]);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteRotation(Utf8JsonWriter json, KeyRotation rotation)
    {
        WriteKey(json, "current", rotation.Current);
        if (rotation.Next is not null)
        {
            WriteKey(json, "next", rotation.Next);
        }
    }

    private static void WriteKey(Utf8JsonWriter json, string name, SecurityKey key)
    {
        json.WriteStartObject(name);
        json.WriteNumber("id", key.Id.Value);
        json.WriteString("notBefore", key.NotBefore.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        json.WriteString("notAfter", key.NotAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (!key.Secret.IsEmpty)
        {
            json.WriteString("secret", Convert.ToBase64String(key.Secret.Span));
        }

        if (!key.PublicKey.IsEmpty)
        {
            json.WriteString("publicKey", Convert.ToBase64String(key.PublicKey.Span));
        }

        if (!key.PrivateKey.IsEmpty)
        {
            json.WriteString("privateKey", Convert.ToBase64String(key.PrivateKey.Span));
        }

        json.WriteEndObject();
    }

    private sealed class Reader(string fileName)
    {
        private static readonly string[] FileKeys = ["format", "groups", "domains"];
        private static readonly string[] SharedRingKeys = ["algorithm", "current", "next"];
        private static readonly string[] SignedRingKeys = ["algorithm", "signers"];
        private static readonly string[] RotationKeys = ["current", "next"];

        public List<KeyFileError> Errors { get; } = [];

        public KeyStore? Run(string text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                Error("(file)", "the file is empty");
                return null;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text, JsonOptions);
            }
            catch (JsonException e)
            {
                Error(
                    $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}",
                    "JSON syntax error: " + e.Message.Split(" LineNumber:", 2)[0].TrimEnd('.', ' '));
                return null;
            }

            using (document)
            {
                var root = document.RootElement;
                if (!Expect(root, "(file)", JsonValueKind.Object))
                {
                    return null;
                }

                CheckKeys(root, "", FileKeys);
                if (!root.TryGetProperty("format", out var format))
                {
                    Error("format", $"is required (write \"{FormatMarker}\")");
                }
                else if (format.ValueKind != JsonValueKind.String || format.GetString() != FormatMarker)
                {
                    Error("format", $"'{Text(format)}' is not a key file format this version reads (expected \"{FormatMarker}\")");
                }

                var rings = new List<KeyRing>();
                ReadSection(root, "groups", KeyScopeKind.Group, rings);
                ReadSection(root, "domains", KeyScopeKind.Domain, rings);
                if (rings.Count == 0 && Errors.Count == 0)
                {
                    Error("(file)", "the file holds no key ring: add one under groups or domains");
                }

                return Errors.Count == 0 ? new KeyStore(rings) : null;
            }
        }

        private void ReadSection(JsonElement root, string section, KeyScopeKind kind, List<KeyRing> rings)
        {
            if (!root.TryGetProperty(section, out var element) || element.ValueKind == JsonValueKind.Null)
            {
                return;
            }

            if (!Expect(element, section, JsonValueKind.Object))
            {
                return;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var path = $"{section}[{property.Name}]";
                if (!seen.Add(property.Name))
                {
                    Error(path, "written twice");
                    continue;
                }

                if (kind == KeyScopeKind.Group)
                {
                    if (!GroupName.TryParse(property.Name, out var group, out var nameError))
                    {
                        Error(path, $"not a group name: {nameError}");
                        continue;
                    }

                    if (group.WireName != property.Name)
                    {
                        Error(path, $"write the group's wire name '{group.WireName}'");
                        continue;
                    }
                }
                else if (!IsSignerName(property.Name))
                {
                    Error(path, "a domain name must be 1 to 128 characters of A-Z a-z 0-9 . _ -");
                    continue;
                }

                if (ReadRing(property.Value, path, new KeyScope(kind, property.Name)) is { } ring)
                {
                    rings.Add(ring);
                }
            }
        }

        private KeyRing? ReadRing(JsonElement element, string path, KeyScope scope)
        {
            if (!Expect(element, path, JsonValueKind.Object))
            {
                return null;
            }

            var before = Errors.Count;
            if (!element.TryGetProperty("algorithm", out var algorithmElement))
            {
                Error(path + ".algorithm", $"is required ({string.Join(", ", KeyAlgorithms.Names)})");
                return null;
            }

            if (algorithmElement.ValueKind != JsonValueKind.String
                || !KeyAlgorithms.TryParse(algorithmElement.GetString(), out var algorithm))
            {
                Error(path + ".algorithm", $"'{Text(algorithmElement)}' is not one of {string.Join(", ", KeyAlgorithms.Names)}");
                return null;
            }

            var rotations = new Dictionary<string, KeyRotation>(StringComparer.Ordinal);
            if (KeyAlgorithms.IsSignature(algorithm))
            {
                CheckKeys(element, path, SignedRingKeys);
                if (!element.TryGetProperty("signers", out var signers) || signers.ValueKind == JsonValueKind.Null)
                {
                    Error(path + ".signers", "is required for ecdsa-p256 (one entry per entitled sender)");
                    return null;
                }

                if (!Expect(signers, path + ".signers", JsonValueKind.Object))
                {
                    return null;
                }

                foreach (var signer in signers.EnumerateObject())
                {
                    var signerPath = $"{path}.signers.{signer.Name}";
                    if (!IsSignerName(signer.Name))
                    {
                        Error(signerPath, "a signer name must be 1 to 128 characters of A-Z a-z 0-9 . _ -");
                        continue;
                    }

                    if (rotations.ContainsKey(signer.Name))
                    {
                        Error(signerPath, "written twice");
                        continue;
                    }

                    if (Expect(signer.Value, signerPath, JsonValueKind.Object))
                    {
                        CheckKeys(signer.Value, signerPath, RotationKeys);
                        if (ReadRotation(signer.Value, signerPath, algorithm) is { } rotation)
                        {
                            rotations[signer.Name] = rotation;
                        }
                    }
                }

                if (rotations.Count == 0 && Errors.Count == before)
                {
                    Error(path + ".signers", "at least one signer is required");
                }
            }
            else
            {
                CheckKeys(element, path, SharedRingKeys);
                if (ReadRotation(element, path, algorithm) is { } rotation)
                {
                    rotations[KeyRing.SharedSigner] = rotation;
                }
            }

            // Ids name one key across the whole ring, signers included (the tag carries only the id).
            var ids = new Dictionary<KeyId, string>();
            foreach (var (signer, rotation) in rotations)
            {
                foreach (var (slot, key) in Slots(rotation))
                {
                    var keyPath = signer.Length == 0 ? $"{path}.{slot}.id" : $"{path}.signers.{signer}.{slot}.id";
                    if (!ids.TryAdd(key.Id, keyPath))
                    {
                        Error(keyPath, $"key id {key.Id} is already used by {ids[key.Id]}; ids must be unique in a ring");
                    }
                }
            }

            return Errors.Count == before ? new KeyRing(scope, algorithm, rotations) : null;
        }

        private static IEnumerable<(string Slot, SecurityKey Key)> Slots(KeyRotation rotation)
        {
            yield return ("current", rotation.Current);
            if (rotation.Next is not null)
            {
                yield return ("next", rotation.Next);
            }
        }

        private KeyRotation? ReadRotation(JsonElement element, string path, KeyAlgorithm algorithm)
        {
            SecurityKey? current = null;
            SecurityKey? next = null;
            if (!element.TryGetProperty("current", out var currentElement) || currentElement.ValueKind == JsonValueKind.Null)
            {
                Error(path + ".current", "is required");
            }
            else
            {
                current = ReadKey(currentElement, path + ".current", algorithm);
            }

            if (element.TryGetProperty("next", out var nextElement) && nextElement.ValueKind != JsonValueKind.Null)
            {
                next = ReadKey(nextElement, path + ".next", algorithm);
            }

            return current is null || (next is null && nextElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
                ? null
                : new KeyRotation(current, next);
        }

        private SecurityKey? ReadKey(JsonElement element, string path, KeyAlgorithm algorithm)
        {
            if (!Expect(element, path, JsonValueKind.Object))
            {
                return null;
            }

            var before = Errors.Count;
            var signature = KeyAlgorithms.IsSignature(algorithm);
            string[] allowed = signature
                ? ["id", "notBefore", "notAfter", "publicKey", "privateKey"]
                : ["id", "notBefore", "notAfter", "secret"];
            CheckKeys(element, path, allowed);

            uint id = 0;
            if (!element.TryGetProperty("id", out var idElement))
            {
                Error(path + ".id", "is required");
            }
            else if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetUInt32(out id) || id == 0)
            {
                Error(path + ".id", $"'{Text(idElement)}' is not a key id (a whole number from 1 to 4294967295)");
            }

            var notBefore = ReadInstant(element, "notBefore", path);
            var notAfter = ReadInstant(element, "notAfter", path);
            if (notBefore is { } from && notAfter is { } to && to <= from)
            {
                Error(path + ".notAfter", "must be later than notBefore");
            }

            byte[] secret = [];
            byte[] publicKey = [];
            byte[] privateKey = [];
            if (signature)
            {
                publicKey = ReadBase64(element, "publicKey", path, required: true) ?? [];
                privateKey = ReadBase64(element, "privateKey", path, required: false) ?? [];
                if (Errors.Count == before)
                {
                    CheckKeyPair(publicKey, privateKey, path);
                }
            }
            else
            {
                secret = ReadBase64(element, "secret", path, required: true) ?? [];
                var length = KeyAlgorithms.SecretLength(algorithm);
                if (element.TryGetProperty("secret", out _) && secret.Length != length && Errors.Count == before)
                {
                    Error(path + ".secret", $"{KeyAlgorithms.Name(algorithm)} needs a {length}-byte secret, this one has {secret.Length} bytes");
                }
            }

            if (Errors.Count != before || notBefore is null || notAfter is null)
            {
                return null;
            }

            return new SecurityKey
            {
                Id = new KeyId(id),
                Algorithm = algorithm,
                NotBefore = notBefore.Value,
                NotAfter = notAfter.Value,
                Secret = secret,
                PublicKey = publicKey,
                PrivateKey = privateKey,
            };
        }

        private void CheckKeyPair(byte[] publicKey, byte[] privateKey, string path)
        {
            using var verifier = ECDsa.Create();
            try
            {
                verifier.ImportSubjectPublicKeyInfo(publicKey, out var read);
                if (read != publicKey.Length)
                {
                    Error(path + ".publicKey", "bytes follow the public key");
                    return;
                }
            }
            catch (CryptographicException)
            {
                Error(path + ".publicKey", "not an EC public key (SubjectPublicKeyInfo, DER, base64)");
                return;
            }

            var parameters = verifier.ExportParameters(includePrivateParameters: false);
            if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                Error(path + ".publicKey", "the key is not on curve P-256");
                return;
            }

            if (privateKey.Length == 0)
            {
                return;
            }

            using var signer = ECDsa.Create();
            try
            {
                signer.ImportPkcs8PrivateKey(privateKey, out _);
            }
            catch (CryptographicException)
            {
                Error(path + ".privateKey", "not an EC private key (PKCS#8, DER, base64)");
                return;
            }

            var own = signer.ExportParameters(includePrivateParameters: false);
            if (!own.Q.X.AsSpan().SequenceEqual(parameters.Q.X) || !own.Q.Y.AsSpan().SequenceEqual(parameters.Q.Y))
            {
                Error(path + ".privateKey", "does not belong to publicKey");
            }
        }

        private DateTimeOffset? ReadInstant(JsonElement element, string name, string path)
        {
            if (!element.TryGetProperty(name, out var value))
            {
                Error($"{path}.{name}", "is required (a UTC time such as 2026-12-01T00:00:00Z)");
                return null;
            }

            if (value.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParseExact(
                    value.GetString(),
                    ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.None,
                    out var instant)
                && value.GetString()!.Length > 19
                && (value.GetString()!.EndsWith('Z') || value.GetString()![^6] is '+' or '-'))
            {
                return instant;
            }

            Error($"{path}.{name}", $"'{Text(value)}' is not a time with its offset (such as 2026-12-01T00:00:00Z)");
            return null;
        }

        private byte[]? ReadBase64(JsonElement element, string name, string path, bool required)
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Error($"{path}.{name}", "is required");
                }

                return null;
            }

            // The value may be a secret: errors never repeat it.
            if (value.ValueKind != JsonValueKind.String || !value.TryGetBytesFromBase64(out var bytes) || bytes.Length == 0)
            {
                Error($"{path}.{name}", "is not base64 bytes");
                return null;
            }

            return bytes;
        }

        private void CheckKeys(JsonElement element, string path, string[] allowed)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var where = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (!seen.Add(property.Name))
                {
                    Error(where, "key written twice");
                }
                else if (Array.IndexOf(allowed, property.Name) < 0)
                {
                    Error(where, $"unknown key (expected {string.Join(", ", allowed)})");
                }
            }
        }

        private bool Expect(JsonElement element, string path, JsonValueKind kind)
        {
            if (element.ValueKind == kind)
            {
                return true;
            }

            Error(path, $"expected {Describe(kind)}, found {Describe(element.ValueKind)}");
            return false;
        }

        private static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "a list",
            JsonValueKind.Null or JsonValueKind.Undefined => "nothing",
            _ => "a value",
        };

        private static string Text(JsonElement element) =>
            element.ValueKind == JsonValueKind.String ? element.GetString() ?? "" : element.GetRawText();

        private static bool IsSignerName(string name) =>
            name.Length is >= 1 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

        private void Error(string path, string message) => Errors.Add(new KeyFileError(fileName, path, message));
    }
}

/// <summary>One problem in a key file: the file, the place in it, and what is wrong. Never holds key material.</summary>
public sealed record KeyFileError(string File, string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}: {Path}: {Message}";
}

/// <summary>What reading a key file gave: the store when the file had no error, and every error otherwise.</summary>
public sealed record KeyFileReadResult(KeyStore? Store, IReadOnlyList<KeyFileError> Errors)
{
    /// <summary>The store, or an exception whose message lists every error.</summary>
    public KeyStore StoreOrThrow() =>
        Store ?? throw new FormatException(string.Join(Environment.NewLine, Errors));
}
