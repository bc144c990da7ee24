using Bridge.Host.Bridging;
using Bridge.Host.Configuration;
using Bridge.Host.Node;
using Bridge.Multicast.Overlay.Gateway;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bridge.Host.Diagnostics;

/// <summary>
/// What the node file says and what the reloads made of it: healthy while the configuration in
/// force is the file's; degraded after a reload was refused (the last good one keeps running).
/// </summary>
internal sealed class ConfigurationHealth(string path, NodeConfiguration configuration) : IHealthCheck
{
    private string? _refusal;

    /// <summary>Remembers why the last reload was refused; null when the last reload was applied.</summary>
    public void Reloaded(string? refusal) => Volatile.Write(ref _refusal, refusal);

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(Volatile.Read(ref _refusal) is { } refusal
            ? HealthCheckResult.Degraded($"{path}: the last reload was refused ({refusal}); the last good configuration keeps running")
            : HealthCheckResult.Healthy($"{path} loaded: node {configuration.Node.Id}"));
}

/// <summary>Healthy when every adapter side the configuration names reaches its peer (connected, or listening).</summary>
internal sealed class AdaptersHealth(BridgeService bridge) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var fine = new List<string>();
        foreach (var reading in bridge.ReadAdapters().Where(static r => r.Configured))
        {
            switch (reading.Running)
            {
                case null:
                    problems.Add($"{reading.Kind}: not running yet ({reading.Description}: starting, or waiting for its broker)");
                    break;
                case { Connected: false } status:
                    problems.Add($"{reading.Kind}: not connected to {status.Peer}");
                    break;
                case { } status:
                    fine.Add($"{reading.Kind}: {(status.Peer.StartsWith("listening", StringComparison.Ordinal) ? status.Peer : $"connected to {status.Peer}")}");
                    break;
            }
        }

        return Task.FromResult(problems.Count > 0
            ? HealthCheckResult.Unhealthy(string.Join("; ", problems))
            : HealthCheckResult.Healthy(fine.Count > 0 ? string.Join("; ", fine) : "no adapter sides"));
    }
}

/// <summary>
/// The gateway's overlay links: healthy with every configured peer (or a leaf's upstream in use)
/// up; degraded when some configured peers are down but one is up; unhealthy when the gateway is
/// not running or none of its configured peers is up.
/// </summary>
internal sealed class OverlayHealth(GatewayRegistration.GatewayService gateway, GatewaySection section) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (gateway.Node is not { } node)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the gateway is not running"));
        }

        var configured = GatewayRegistration.ConfiguredPeers(section);
        if (configured.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no configured peers"));
        }

        var up = node.State.Neighbors.Select(static n => n.Value).ToHashSet(StringComparer.Ordinal);
        var down = configured.Where(p => !up.Contains(p)).ToList();
        var links = $"{configured.Count - down.Count} of {configured.Count} configured link(s) up";
        if (down.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy(links));
        }

        var detail = $"{links}; down: {string.Join(", ", down)}";
        var leafServed = section.Role == GatewayRole.Leaf && node.State.ActiveUpstream is not null;
        return Task.FromResult(down.Count < configured.Count && (leafServed || section.Role == GatewayRole.Transit)
            ? HealthCheckResult.Degraded(detail)
            : HealthCheckResult.Unhealthy(detail));
    }
}
