using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Host.Demo;
using Bridge.Host.Tools;

namespace Bridge.Host.Cli;

/// <summary>The JSON the verbs print: camelCase, one object per line.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DemoResult))]
[JsonSerializable(typeof(SubMessage))]
[JsonSerializable(typeof(RequestResult))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>
    /// What the verbs print with: as <see cref="Default"/>, but quotes and non-ASCII text in a
    /// payload stay readable (<c>"values"</c>, not <c>\u0022values\u0022</c>). The output goes to
    /// a terminal or a pipe, never into HTML, so the HTML-safe escaping buys nothing here.
    /// </summary>
    public static CliJson Printed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
