using System.Globalization;

namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>
/// Reads the R-GOOSE key file <c>bridge.goose.rgoose.keys</c> names (docs/iec61850-goose.md,
/// "R-GOOSE security"): one key a line, blank lines and <c>#</c> comments ignored.
/// </summary>
/// <remarks>
/// <code>
/// # id  algorithm        key material                             validity (optional, UTC)
/// 2     hmac-sha256-128  hex:30313233343536373839414243444546
/// 7     aes-128-gcm      base64:MDEyMzQ1Njc4OUFCQ0RFRg==          from=2026-12-04T00:00:00Z until=2026-12-05T00:00:00Z
/// </code>
/// The parse reports every bad line, not only the first, each with its line number; it never
/// echoes key material into a message. Pure: the caller reads the file.
/// </remarks>
public static class RGooseKeyFile
{
    /// <summary>The keys of <paramref name="text"/>, or null with one message per problem in <paramref name="errors"/>.</summary>
    public static RGooseKeySet? Parse(string text, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        var keys = new List<RGooseKey>();
        var ids = new HashSet<uint>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var comment = line.IndexOf('#', StringComparison.Ordinal);
            var fields = (comment >= 0 ? line[..comment] : line).Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            var where = string.Create(CultureInfo.InvariantCulture, $"line {i + 1}");
            if (TryParseLine(fields, out var key, out var problem))
            {
                if (ids.Add(key.Id))
                {
                    keys.Add(key);
                }
                else
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"{where}: key id {key.Id} is given twice"));
                }
            }
            else
            {
                problems.Add($"{where}: {problem}");
            }
        }

        if (problems.Count == 0 && keys.Count == 0)
        {
            problems.Add("the file holds no key");
        }

        errors = problems;
        return problems.Count == 0 ? new RGooseKeySet(keys) : null;
    }

    private static bool TryParseLine(string[] fields, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RGooseKey? key, out string problem)
    {
        key = null;
        if (fields.Length < 3)
        {
            problem = "a key line is: id algorithm hex:… or base64:… [from=…] [until=…]";
            return false;
        }

        if (!uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
        {
            problem = $"'{fields[0]}' is no key id (a whole number from 1 to {uint.MaxValue}; 0 means no security)";
            return false;
        }

        if (!RGooseSecurityAlgorithms.TryParse(fields[1], out var algorithm))
        {
            problem = $"'{fields[1]}' is no algorithm (one of {string.Join(", ", RGooseSecurityAlgorithms.AllNames)})";
            return false;
        }

        if (!TryParseMaterial(fields[2], out var material, out problem))
        {
            return false;
        }

        if (!algorithm.IsKeySize(material.Length, out problem))
        {
            return false;
        }

        DateTimeOffset? from = null;
        DateTimeOffset? until = null;
        foreach (var field in fields.Skip(3))
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? field[..equals] : field;
            if (name is not ("from" or "until"))
            {
                problem = $"'{field}' is neither from=… nor until=…";
                return false;
            }

            if (!DateTimeOffset.TryParse(field[(equals + 1)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                problem = $"'{field}': the time is not ISO 8601 (2026-12-04T00:00:00Z)";
                return false;
            }

            if (name == "from")
            {
                from = time;
            }
            else
            {
                until = time;
            }
        }

        if (from is { } f && until is { } u && u <= f)
        {
            problem = $"key {id}: until ({u:O}) is not after from ({f:O})";
            return false;
        }

        key = new RGooseKey(id, algorithm, material, from, until);
        problem = string.Empty;
        return true;
    }

    private static bool TryParseMaterial(string field, out byte[] material, out string problem)
    {
        material = [];
        problem = string.Empty;
        try
        {
            if (field.StartsWith("hex:", StringComparison.OrdinalIgnoreCase))
            {
                material = Convert.FromHexString(field.AsSpan(4));
                return true;
            }

            if (field.StartsWith("base64:", StringComparison.OrdinalIgnoreCase))
            {
                material = Convert.FromBase64String(field[7..]);
                return true;
            }
        }
        catch (FormatException)
        {
            problem = "the key material does not decode (hex: wants an even number of hex digits, base64: base64)";
            return false;
        }

        problem = "the key material is written hex:… or base64:…";
        return false;
    }
}
