using System.Diagnostics.Metrics;
using Bridge.Host.Bridging;
using Bridge.Host.Configuration;
using Bridge.Host.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Bridge.Host.Diagnostics;

/// <summary>Adds the node's metrics, their exporters and its health checks (the <c>metrics</c> section) to the host.</summary>
internal static class MetricsRegistration
{
    /// <summary>
    /// Adds them for <paramref name="configuration"/>, loaded from <paramref name="path"/>. Call
    /// before the node's parts are added: the listener then starts first, so a port in use stops
    /// the node before anything else ran, and <c>/healthz</c> answers while the parts start.
    /// </summary>
    public static void Add(IServiceCollection services, NodeConfiguration configuration, string path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Metrics is not { } section)
        {
            return;
        }

        services.AddSingleton(provider => new GridcastMetrics(
            provider.GetRequiredService<IMeterFactory>(),
            configuration,
            provider.GetService<BridgeService>(),
            provider.GetService<GatewayRegistration.GatewayService>()));
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("gridcast", serviceInstanceId: configuration.Node.Id, autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics =>
        {
            metrics.AddMeter([.. GridcastMetrics.Meters]);
            if (section.Listen is not null)
            {
                metrics.AddPrometheusExporter();
            }

            if (section.Otlp is { } collector)
            {
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = EndpointOf(collector, section.OtlpTransport);
                    exporter.Protocol = section.OtlpTransport == OtlpTransport.Http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)Math.Min(section.ExportInterval.TotalMilliseconds, int.MaxValue);
                });
            }
        });

        var configurationHealth = new ConfigurationHealth(path, configuration);
        services.AddSingleton(configurationHealth);
        var checks = services.AddHealthChecks().AddCheck("configuration", configurationHealth);
        if (configuration.Bridge is not null)
        {
            checks.Add(new HealthCheckRegistration("adapters", provider => new AdaptersHealth(provider.GetRequiredService<BridgeService>()), null, null));
        }

        if (configuration.Gateway is { } gateway)
        {
            checks.Add(new HealthCheckRegistration(
                "overlay", provider => new OverlayHealth(provider.GetRequiredService<GatewayRegistration.GatewayService>(), gateway), null, null));
        }

        services.AddSingleton(section);
        services.AddHostedService<MetricsListener>();
    }

    /// <summary>
    /// The address the OTLP exporter posts to. Over HTTP the exporter takes an address set in code
    /// as the whole URL, so a collector's address without a path (<c>http://host:4318</c>, as
    /// people write it) gets the signal's path, <c>/v1/metrics</c>; gRPC needs none.
    /// </summary>
    public static Uri EndpointOf(Uri collector, OtlpTransport transport)
    {
        ArgumentNullException.ThrowIfNull(collector);
        return transport == OtlpTransport.Http && collector.AbsolutePath == "/" ? new Uri(collector, "v1/metrics") : collector;
    }
}
