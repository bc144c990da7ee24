using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Bridge.Host.Diagnostics;

/// <summary>
/// Serves the node's metrics in Prometheus text at <c>/metrics</c> and its health at
/// <c>/healthz</c> on <c>metrics.listen</c>, with a Kestrel of its own: the node runs on the
/// Generic Host, which has no web server, and giving the whole node a web host for two endpoints
/// would put the node's lifetime in ASP.NET Core's hands. The scrape endpoint reads the node's
/// <see cref="MeterProvider"/>, and <c>/healthz</c> the node's health checks, through the node's services.
/// </summary>
/// <remarks>
/// <c>/healthz</c> answers in plain text: the overall status on the first line, then one line per
/// check, <c>NAME: STATUS: DESCRIPTION</c>, so the reason for a bad status is in the body;
/// HTTP 503 when unhealthy, 200 when healthy or degraded (degraded still carries traffic).
/// </remarks>
internal sealed partial class MetricsListener(
    MetricsSection section, GridcastMetrics metrics, MeterProvider meterProvider, HealthCheckService health, ILogger<MetricsListener> logger)
    : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The node's meters; held so they exist before the first collection.</summary>
    public GridcastMetrics Metrics { get; } = metrics;

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (section.Listen is not { } listen)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

        // Kestrel's own logs and lifetime messages are for web applications; the node logs what matters here.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NodeOwnedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(listen));
        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        app.MapGet("/healthz", WriteHealthAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();

            // Kestrel's words ("Failed to bind to address http://…") do not say which key set it.
            // Its cause ("Address already in use") is; the exception skips the wrapper between.
            var cause = e.GetBaseException();
            throw new IOException($"metrics.listen: cannot listen on {listen}: {cause.Message}", cause);
        }

        _app = app;
        Log.Listening(logger, listen.ToString());
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
    }

    private async Task WriteHealthAsync(HttpContext context)
    {
        var report = await health.CheckHealthAsync(context.RequestAborted);
        var text = new StringBuilder();
        text.Append(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {entry.Status}: {entry.Description ?? entry.Exception?.Message ?? "-"}\n");
        }

        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }

    /// <summary>The listener starts and stops with the node; it watches no signals of its own.</summary>
    private sealed class NodeOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(601, LogLevel.Information, "Metrics on http://{Listen}/metrics, health on http://{Listen}/healthz")]
        public static partial void Listening(ILogger logger, string listen);
    }
}
