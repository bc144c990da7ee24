using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bridge.Core.Configuration;

/// <summary>
/// One value of a configuration file, whatever its syntax: YAML and JSON are both read into this
/// tree, so the rules of the node configuration are checked once, on one shape.
/// </summary>
public abstract record ConfigValue
{
    /// <summary>What a value of this kind is called in errors ("a mapping", "a list", "a value").</summary>
    public abstract string Kind { get; }
}

/// <summary>A scalar, as the text it was written with; null for YAML <c>~</c>/<c>null</c> and JSON <c>null</c>.</summary>
public sealed record ConfigScalar(string? Text) : ConfigValue
{
    /// <inheritdoc/>
    public override string Kind => "a value";
}

/// <summary>A mapping, its keys in file order; keys are unique (duplicates are reported while reading).</summary>
public sealed record ConfigMapping(IReadOnlyList<KeyValuePair<string, ConfigValue>> Entries) : ConfigValue
{
    /// <inheritdoc/>
    public override string Kind => "a mapping";
}

/// <summary>A list of values.</summary>
public sealed record ConfigSequence(IReadOnlyList<ConfigValue> Items) : ConfigValue
{
    /// <inheritdoc/>
    public override string Kind => "a list";
}

/// <summary>The file formats a node configuration can be written in, chosen by file extension.</summary>
public enum ConfigurationFormat
{
    /// <summary>YAML 1.1/1.2 (<c>.yaml</c>, <c>.yml</c>).</summary>
    Yaml,

    /// <summary>JSON, with comments and trailing commas allowed (<c>.json</c>).</summary>
    Json,
}

/// <summary>
/// Reads YAML (YamlDotNet's representation model) or JSON (<see cref="JsonDocument"/>) into a
/// <see cref="ConfigValue"/> tree. Syntax errors carry the line and column; keys written twice in
/// one mapping are errors in both formats (JSON would otherwise keep the last silently).
/// </summary>
public static class ConfigurationTreeReader
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads <paramref name="text"/>; null when it is not well-formed, with the error added.</summary>
    public static ConfigValue? Read(string text, ConfigurationFormat format, ConfigurationErrors errors)
        => format == ConfigurationFormat.Yaml ? ReadYaml(text, errors) : ReadJson(text, errors);

    private static ConfigValue? ReadYaml(string text, ConfigurationErrors errors)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        var scanner = new Scanner(reader);
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException e)
        {
            errors.Add(Position(e.Start.Line, e.Start.Column), $"YAML syntax error: {YamlMessage(e)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed input (an unclosed flow
            // collection at the end of a line); where it stopped is still the place to look.
            var at = scanner.CurrentPosition;
            errors.Add(Position(at.Line, at.Column), "YAML syntax error: the text cannot be read as YAML here (an unclosed [ or { ?)");
            return null;
        }
        catch (ArgumentException)
        {
            // YamlDotNet's representation model refuses some event sequences its parser lets
            // through ("The current event is of an unsupported type", as for a key after a NUL
            // character; found by fuzzing): malformed input all the same.
            var at = scanner.CurrentPosition;
            errors.Add(Position(at.Line, at.Column), "YAML syntax error: the text cannot be read as YAML here");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            return new ConfigScalar(null);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            errors.Add(Position(second.Line, second.Column), "YAML syntax error: a configuration file holds one document, not several");
            return null;
        }

        return FromYaml(stream.Documents[0].RootNode, string.Empty, errors);
    }

    private static ConfigValue FromYaml(YamlNode node, string path, ConfigurationErrors errors)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var entries = new List<KeyValuePair<string, ConfigValue>>();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode { Value: { } text } ? text : key.ToString();
                    if (entries.Any(e => e.Key == name))
                    {
                        errors.Add(ConfigPath.Key(path, name), $"key written twice (line {key.Start.Line})");
                        continue;
                    }

                    entries.Add(new(name, FromYaml(value, ConfigPath.Key(path, name), errors)));
                }

                return new ConfigMapping(entries);
            case YamlSequenceNode sequence:
                return new ConfigSequence([.. sequence.Children.Select((item, i) => FromYaml(item, ConfigPath.Index(path, i), errors))]);
            case YamlScalarNode scalar:
                // A plain (unquoted) empty, ~ or null is YAML's null; quoted, it is the text itself.
                var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
                return new ConfigScalar(isNull ? null : scalar.Value);
            default:
                return new ConfigScalar(node.ToString());
        }
    }

    private static ConfigValue? ReadJson(string text, ConfigurationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new ConfigScalar(null);
        }

        try
        {
            using var document = JsonDocument.Parse(text, JsonOptions);
            return FromJson(document.RootElement, string.Empty, errors);
        }
        catch (JsonException e)
        {
            // JsonException counts lines and byte positions from zero.
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            errors.Add(Position(line, column), $"JSON syntax error: {StripPosition(e.Message)}");
            return null;
        }
    }

    private static ConfigValue FromJson(JsonElement element, string path, ConfigurationErrors errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var entries = new List<KeyValuePair<string, ConfigValue>>();
                foreach (var property in element.EnumerateObject())
                {
                    if (entries.Any(e => e.Key == property.Name))
                    {
                        errors.Add(ConfigPath.Key(path, property.Name), "key written twice");
                        continue;
                    }

                    entries.Add(new(property.Name, FromJson(property.Value, ConfigPath.Key(path, property.Name), errors)));
                }

                return new ConfigMapping(entries);
            case JsonValueKind.Array:
                return new ConfigSequence([.. element.EnumerateArray().Select((item, i) => FromJson(item, ConfigPath.Index(path, i), errors))]);
            case JsonValueKind.String:
                return new ConfigScalar(element.GetString());
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return new ConfigScalar(null);
            default:
                // Numbers and booleans keep their text; the reader of each key decides what it accepts.
                return new ConfigScalar(element.GetRawText());
        }
    }

    private static string Position(long line, long column)
        => string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}");

    // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 6, Idx: 21): " which the path already says.
    private static string YamlMessage(YamlException e)
    {
        var innermost = e;
        while (innermost.InnerException is YamlException inner)
        {
            innermost = inner;
        }

        var message = innermost.Message;
        var at = message.StartsWith("(Line:", StringComparison.Ordinal) ? message.IndexOf("): ", StringComparison.Ordinal) : -1;
        return at < 0 ? message : message[(at + 3)..];
    }

    // System.Text.Json appends "LineNumber: 3 | BytePositionInLine: 7." which the path already says.
    private static string StripPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at < 0 ? message : message[..at].TrimEnd();
    }
}
