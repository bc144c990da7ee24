using System.Net;
using Bridge.Core.Configuration;

namespace Bridge.Host.Diagnostics;

/// <summary>How the OTLP exporter talks to its collector.</summary>
public enum OtlpTransport
{
    /// <summary>OTLP over gRPC (a collector's port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (a collector's port 4318).</summary>
    Http,
}

/// <summary>
/// The <c>metrics</c> section: where the node's metrics and health go. Not reloadable: the
/// listener is bound and the exporters are built into the meter provider when the node starts,
/// and a scraper or collector pointed at the old address would lose the series silently; a
/// change takes effect at the next start.
/// </summary>
/// <param name="Listen">Where the node serves <c>/metrics</c> (Prometheus text) and <c>/healthz</c>; null for none.</param>
/// <param name="Otlp">The OTLP collector the node pushes its metrics to; null for none.</param>
/// <param name="OtlpTransport">How it talks to the collector.</param>
/// <param name="ExportInterval">How often metrics are pushed to the collector.</param>
public sealed record MetricsSection(IPEndPoint? Listen, Uri? Otlp, OtlpTransport OtlpTransport, TimeSpan ExportInterval)
{
    /// <summary>The key of the section.</summary>
    public const string Key = "metrics";

    /// <summary>How often metrics are pushed to an OTLP collector unless the file says otherwise.</summary>
    public static readonly TimeSpan DefaultExportInterval = TimeSpan.FromSeconds(15);
}

/// <summary>The <c>metrics</c> section as bound.</summary>
/// <param name="Listen"><c>listen</c>.</param>
/// <param name="Otlp"><c>otlp</c>.</param>
/// <param name="OtlpProtocol"><c>otlpProtocol</c>.</param>
/// <param name="ExportInterval"><c>exportInterval</c>.</param>
public sealed record MetricsInput(ConfigText? Listen, ConfigText? Otlp, ConfigText? OtlpProtocol, ConfigText? ExportInterval)
{
    /// <summary>Whether the section was a mapping; false when it had the wrong shape, which binding reported.</summary>
    public bool Bound { get; init; } = true;
}

/// <summary>Binds and validates the <c>metrics</c> section.</summary>
public static class MetricsSectionReader
{
    private static readonly string[] Keys = ["listen", "otlp", "otlpProtocol", "exportInterval"];

    /// <summary>Binds the section at <paramref name="value"/>; null when it is absent.</summary>
    public static MetricsInput? Bind(ConfigValue? value, ConfigurationErrors errors)
    {
        if (value is null or ConfigScalar { Text: null })
        {
            return null;
        }

        return SectionReader.Open(value, MetricsSection.Key, errors, Keys) is { } section
            ? new MetricsInput(section.Text("listen"), section.Text("otlp"), section.Text("otlpProtocol"), section.Text("exportInterval"))
            : new MetricsInput(null, null, null, null) { Bound = false };
    }

    /// <summary>Validates the bound section (pure): null when it is absent; null with the errors added when it is wrong.</summary>
    public static MetricsSection? Validate(MetricsInput? input, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (input is null || !input.Bound)
        {
            return null;
        }

        var before = errors.Count;
        if (input.Listen is null && input.Otlp is null)
        {
            errors.Add(MetricsSection.Key, "give listen (a scrape endpoint), otlp (a collector) or both");
        }

        var listen = ConfigValues.EndPoint(input.Listen, errors);
        var otlp = Collector(input.Otlp, errors);
        var transport = Transport(input.OtlpProtocol, errors);
        var interval = ConfigValues.Duration(input.ExportInterval, errors) ?? MetricsSection.DefaultExportInterval;

        if (input.Otlp is null)
        {
            foreach (var orphan in new[] { input.OtlpProtocol, input.ExportInterval }.OfType<ConfigText>())
            {
                errors.Add(orphan.Path, "applies to an OTLP collector; give metrics.otlp too, or remove this key");
            }
        }

        return errors.Count == before ? new MetricsSection(listen, otlp, transport ?? OtlpTransport.Grpc, interval) : null;
    }

    private static Uri? Collector(ConfigText? text, ConfigurationErrors errors)
    {
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text.Text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            errors.Add(text.Path, $"'{text.Text}' is not an http:// or https:// address of a collector (e.g. http://127.0.0.1:4317)");
            return null;
        }

        return ConfigValues.PortInRange(uri, text, errors) ? uri : null;
    }

    private static OtlpTransport? Transport(ConfigText? text, ConfigurationErrors errors)
    {
        switch (text?.Text)
        {
            case null:
                return null;
            case "grpc":
                return OtlpTransport.Grpc;
            case "http":
            case "http/protobuf":
                return OtlpTransport.Http;
            default:
                errors.Add(text.Path, $"'{text.Text}' is not grpc or http");
                return null;
        }
    }
}
