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
internal sealed partial class CliJson : JsonSerializerContext;
