using System.Net;
using Bridge.Core.Configuration;
using Bridge.Host.Configuration;
using Bridge.Host.Diagnostics;
using Bridge.Testing;

namespace Bridge.Host.Tests.Diagnostics;

/// <summary>The <c>metrics</c> section of the node file: its values, its defaults and its errors, each with its path.</summary>
public sealed class MetricsSectionTests : IDisposable
{
    private const string Bridge = """
        node:
          id: edge-1
        groups:
          tariff:
            uri: ham:sg:ami.tariff.rtp
        bridge:
          mqtt:
            listen: 127.0.0.1:1883
          rules:
            - name: tariffs
              mqtt: meters/tariff
              group: tariff
              direction: to-group

        """;

    private readonly TempDirectory _directory = new("gridcast-metrics-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Parse_ListenAndOtlp_GivesTheValues()
    {
        var metrics = LoadValid("""
            metrics:
              listen: 127.0.0.1:9464
              otlp: http://collector.example:4318
              otlpProtocol: http
              exportInterval: 5s
            """).Metrics;

        Assert.Equal(new MetricsSection(new IPEndPoint(IPAddress.Loopback, 9464), new Uri("http://collector.example:4318"), OtlpTransport.Http, TimeSpan.FromSeconds(5)), metrics);
    }

    [Fact]
    public void Parse_OtlpAlone_TakesGrpcAndTheDefaultInterval()
    {
        var metrics = LoadValid("metrics: { otlp: 'http://127.0.0.1:4317' }").Metrics;

        Assert.Equal(new MetricsSection(null, new Uri("http://127.0.0.1:4317"), OtlpTransport.Grpc, MetricsSection.DefaultExportInterval), metrics);
    }

    [Fact]
    public void Parse_NoMetricsSection_GivesNone()
        => Assert.Null(LoadValid(string.Empty).Metrics);

    [Theory]
    [InlineData("metrics: { listen: 127.0.0.1 }", "metrics.listen: '127.0.0.1' is not address:port (e.g. 0.0.0.0:7946 or [::]:7946)")]
    [InlineData("metrics: { listen: 'localhost:9464' }", "metrics.listen: 'localhost:9464' is not address:port (e.g. 0.0.0.0:7946 or [::]:7946)")]
    [InlineData("metrics: {}", "metrics: give listen (a scrape endpoint), otlp (a collector) or both")]
    [InlineData("metrics: { lisen: '127.0.0.1:9464' }", "metrics.lisen: unknown key (did you mean 'listen'?)\nmetrics: give listen (a scrape endpoint), otlp (a collector) or both")]
    [InlineData("metrics: [a]", "metrics: expected a mapping, found a list")]
    [InlineData("metrics: { otlp: 'ftp://collector:21' }", "metrics.otlp: 'ftp://collector:21' is not an http:// or https:// address of a collector (e.g. http://127.0.0.1:4317)")]
    [InlineData("metrics: { otlp: 'http://collector:0' }", "metrics.otlp: 'http://collector:0': port 0 is not from 1 to 65535")]
    [InlineData("metrics: { otlp: 'http://collector:4317', otlpProtocol: thrift }", "metrics.otlpProtocol: 'thrift' is not grpc or http")]
    [InlineData("metrics: { otlp: 'http://collector:4317', exportInterval: 0s }", "metrics.exportInterval: '0s' must be longer than zero")]
    [InlineData("metrics: { listen: '127.0.0.1:9464', otlpProtocol: grpc }", "metrics.otlpProtocol: applies to an OTLP collector; give metrics.otlp too, or remove this key")]
    public void Parse_BadMetricsSection_NamesPathAndProblem(string section, string expected)
    {
        var (configuration, errors) = NodeConfigurationLoader.Parse(Bridge + section, ConfigurationFormat.Yaml, _directory.Path);

        Assert.Null(configuration);
        Assert.Equal(expected, string.Join('\n', errors));
    }

    [Fact]
    public async Task ConfigValidate_MetricsSection_IsInTheSummary()
    {
        var path = _directory.Write("edge-1.yaml", Bridge + """
            metrics:
              listen: 127.0.0.1:9464
              otlp: http://127.0.0.1:4317
            """);

        var (code, process) = await GridcastCli.RunAsync(TimeSpan.FromSeconds(60), "config", "validate", path);
        await using var _ = process;

        Assert.True(code == 0, process.Transcript());
        // The columns are as wide as the longest entry of the whole summary; words are what count here.
        Assert.Equal(
            [
                "metrics listen http://127.0.0.1:9464/metrics and /healthz",
                "metrics otlp http://127.0.0.1:4317/ over grpc, every 15s",
            ],
            process.StandardOutput
                .Where(l => l.StartsWith("metrics", StringComparison.Ordinal))
                .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    private NodeConfiguration LoadValid(string section)
    {
        var (configuration, errors) = NodeConfigurationLoader.Parse(Bridge + section, ConfigurationFormat.Yaml, _directory.Path);
        Assert.Empty(errors);
        return Assert.IsType<NodeConfiguration>(configuration);
    }
}
