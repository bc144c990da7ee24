using System.Globalization;
using DotNet.Testcontainers.Containers;

namespace Bridge.Testing.Containers;

/// <summary>
/// A broker's container started through Testcontainers, with one <see cref="NamespaceTcpForwarder"/>
/// per port it publishes, so the tests reach it on 127.0.0.1 as they reach a child process.
/// Readiness is the broker's own protocol answering through the forwarder (an MQTT CONNACK, an
/// AMQP connection), not a log line: a restarted container still has its first start's log.
/// </summary>
internal sealed class BrokerContainer : IAsyncDisposable
{
    private readonly IContainer _container;
    private readonly Dictionary<int, NamespaceTcpForwarder> _forwarders = [];
    private readonly int _probedPort;
    private readonly Func<int, CancellationToken, Task> _waitUntilReady;
    private readonly TimeSpan _startTimeout;
    private readonly string _what;

    private BrokerContainer(IContainer container, int probedPort, Func<int, CancellationToken, Task> waitUntilReady, TimeSpan startTimeout, string what)
    {
        _container = container;
        _probedPort = probedPort;
        _waitUntilReady = waitUntilReady;
        _startTimeout = startTimeout;
        _what = what;
    }

    /// <summary>
    /// Starts <paramref name="container"/> and returns once <paramref name="waitUntilReady"/>, given
    /// the forwarded port of <paramref name="ports"/>[0], returns; fails with the container's log otherwise.
    /// </summary>
    public static async Task<BrokerContainer> StartAsync(
        ContainerEngine engine, IContainer container, IReadOnlyList<int> ports, Func<int, CancellationToken, Task> waitUntilReady,
        TimeSpan startTimeout, string what, CancellationToken cancellationToken)
    {
        var broker = new BrokerContainer(container, ports[0], waitUntilReady, startTimeout, what);
        try
        {
            await broker.StartContainerAsync(cancellationToken);
            foreach (var port in ports)
            {
                broker._forwarders[port] = NamespaceTcpForwarder.Start(engine, container.GetMappedPublicPort(port));
            }

            await broker.WaitUntilReadyAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port on 127.0.0.1 that reaches <paramref name="containerPort"/>; the same across restarts.</summary>
    public int PortFor(int containerPort) => _forwarders[containerPort].Port;

    /// <summary>Stops the container (SIGTERM to the broker, as an operator's restart would); its files stay.</summary>
    public Task StopAsync() => _container.StopAsync();

    /// <summary>Starts the stopped container again and returns once the broker answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        await StartContainerAsync(cancellationToken);

        // The engine picks a new host port at each start; the forwarders' ports stay.
        foreach (var (port, forwarder) in _forwarders)
        {
            forwarder.TargetPort = _container.GetMappedPublicPort(port);
        }

        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>The container's log so far, standard output then standard error.</summary>
    public async Task<string> LogsAsync()
    {
        try
        {
            var (stdout, stderr) = await _container.GetLogsAsync();
            return $"{_what} ({_container.Name}) log:\n{stdout}{stderr}";
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            return $"{_what}: no log ({e.Message})";
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var forwarder in _forwarders.Values)
        {
            await forwarder.DisposeAsync();
        }

        // Removes the container: with Ryuk off nothing else would (scripts/engine.sh down does at the end).
        await _container.DisposeAsync();
    }

    private async Task StartContainerAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_startTimeout);
        await _container.StartAsync(deadline.Token);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_startTimeout);
        try
        {
            await _waitUntilReady(_forwarders[_probedPort].Port, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var logs = await LogsAsync();
            throw new TimeoutException(string.Create(
                CultureInfo.InvariantCulture,
                $"{_what} in container {_container.Name} did not answer within {_startTimeout.TotalSeconds} s.\n{logs}"));
        }
    }
}
