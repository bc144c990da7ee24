using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Lab.Reporting;

namespace Bridge.Host.Lab;

/// <summary>What <c>gridcast lab de|eu --json</c> prints: the report and the plots written.</summary>
internal sealed record LabOutput(string Setup, string Topology, int Sites, int Nodes, int FirstSeed, int Runs, int OverlayNeighbours, ImmutableArray<SchemeReport> Schemes, PaperFigures Paper, IReadOnlyList<string> Plots)
{
    public static LabOutput Of(LabReport report, IReadOnlyList<string> plots) =>
        new(report.Setup, report.Topology, report.Sites, report.Nodes, report.FirstSeed, report.Runs, report.OverlayNeighbours, report.Schemes, report.Paper, plots);
}

/// <summary>What <c>gridcast lab sweep --json</c> prints.</summary>
internal sealed record SweepOutput(int Seed, ImmutableArray<SweepPoint> Points);

/// <summary>The lab's JSON: camelCase, as the other verbs print it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LabOutput))]
[JsonSerializable(typeof(SweepOutput))]
internal sealed partial class LabJson : JsonSerializerContext
{
    /// <summary>As the other verbs print: readable text rather than HTML-safe escapes.</summary>
    public static LabJson Printed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
