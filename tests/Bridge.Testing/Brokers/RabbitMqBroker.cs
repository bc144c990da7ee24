using System.Globalization;
using Bridge.Testing.Containers;
using DotNet.Testcontainers.Images;
using RabbitMQ.Client;
using Testcontainers.RabbitMq;

namespace Bridge.Testing.Brokers;

/// <summary>
/// A real RabbitMQ (Debian's <c>rabbitmq-server</c> package) reached on a free loopback port, with
/// <c>guest</c> allowed. When the run has a container engine (<see cref="ContainerEngine.Current"/>)
/// it is a Testcontainers.RabbitMq container of the locally built image (compose/images/rabbitmq),
/// reached through a <see cref="NamespaceTcpForwarder"/>; its database lives in the container, so
/// it survives <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>. Otherwise it is a child
/// process: its own epmd, a
/// unique node name, the AMQP and distribution ports free on 127.0.0.1, its database, logs, cookie
/// and config in a fresh temp directory, and <c>guest</c> allowed from loopback.
/// </summary>
/// <remarks>
/// The server is run from <see cref="ServerScript"/> directly: the /usr/sbin wrapper switches to
/// the rabbitmq user, whose Erlang cookie is not ours. epmd is started first as our own child, or
/// the node would start a daemon that outlives the test. Readiness is an AMQP connection the
/// broker accepts (boot takes a few seconds); an early exit fails with the transcript. Disposing stops the node (killing its process tree if it does not stop in time), then the epmd it
/// started, and deletes its directory; nothing else is touched.
/// </remarks>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    /// <summary>Where Debian installs the server's start script.</summary>
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    // A quiet machine boots the broker in 5 to 10 s; one with a load of 50 on 2 cores took over
    // 60 s once (the Erlang VM stalled between boot steps). Waiting longer costs nothing when it
    // starts, and a broker that never starts still fails the test with its whole log.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);
    private static int _instances;

    private const int ContainerPort = 5672;

    private readonly TempDirectory _directory;
    private readonly Dictionary<string, string> _environment;
    private readonly BrokerContainer? _container;
    private ExternalProcess? _epmd;
    private ExternalProcess? _server;
    private bool _containerRunning;

    private RabbitMqBroker(TempDirectory directory, int port, Dictionary<string, string> environment)
    {
        _directory = directory;
        Port = port;
        _environment = environment;
    }

    private RabbitMqBroker(TempDirectory directory, BrokerContainer container)
    {
        _directory = directory;
        _environment = [];
        _container = container;
        _containerRunning = true;
        Port = container.PortFor(ContainerPort);
    }

    /// <summary>The AMQP port on 127.0.0.1; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    /// <summary>The broker with the default user, as the bridge's settings name it.</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Starts a broker on free ports and returns once it accepts AMQP connections.</summary>
    /// <exception cref="MissingPrerequisiteException">RabbitMQ is not installed.</exception>
    public static async Task<RabbitMqBroker> StartAsync(CancellationToken cancellationToken = default)
    {
        if (ContainerEngine.Current is { } engine)
        {
            return await StartContainerAsync(engine, cancellationToken);
        }

        if (!File.Exists(ServerScript))
        {
            throw new MissingPrerequisiteException(
                $"the AMQP tests run a real RabbitMQ, and {ServerScript} does not exist: "
                + "install it with 'apt-get install -y rabbitmq-server' (scripts/test.sh does)");
        }

        var scratch = new TempDirectory("gridcast-rabbitmq-");
        var directory = scratch.Path;
        var broker = new RabbitMqBroker(scratch, FreePorts.Tcp(), Environment(directory));
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), "loopback_users = none\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, "empty-env"), string.Empty, cancellationToken);
            Directory.CreateDirectory(Path.Combine(directory, "home"));
            var epmdPort = FreePorts.Tcp();
            broker._environment["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
            broker._environment["RABBITMQ_NODE_PORT"] = broker.Port.ToString(CultureInfo.InvariantCulture);
            broker._environment["RABBITMQ_DIST_PORT"] = FreePorts.Tcp().ToString(CultureInfo.InvariantCulture);
            broker._epmd = ExternalProcess.Start(
                Prerequisites.Command("epmd", "erlang-base", "the AMQP tests' RabbitMQ"), ["-address", "127.0.0.1", "-port", epmdPort.ToString(CultureInfo.InvariantCulture)]);
            await broker.LaunchAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops the node gracefully (SIGTERM, as an operator's restart would) and starts it again on
    /// the same port with the same database, so durable exchanges, queues, bindings and persistent
    /// messages survive; returns once it accepts AMQP connections again.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAgainAsync(cancellationToken);
    }

    /// <summary>
    /// Stops the node gracefully and waits until it has exited; <see cref="StartAgainAsync"/>
    /// brings it back. Clients see their connections closed.
    /// </summary>
    public async Task StopAsync()
    {
        if (_container is not null)
        {
            _containerRunning = _containerRunning ? false : throw new InvalidOperationException("rabbitmq-server is not running");
            await _container.StopAsync();
            return;
        }

        var old = _server ?? throw new InvalidOperationException("rabbitmq-server is not running");
        _server = null;
        try
        {
            // The script waits for the Erlang VM; SIGTERM to the VM stops the node cleanly.
            var pidFile = _directory.Combine("rabbit.pid");
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture, out var vm))
            {
                Prerequisites.Signal(vm, PosixSignalNumber.Term);
            }
            else
            {
                old.Terminate();
            }

            await old.WaitForExitAsync(StopTimeout);
        }
        finally
        {
            await old.DisposeAsync();
        }
    }

    /// <summary>Starts a node stopped by <see cref="StopAsync"/> again, on the same port and database.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_container is not null)
        {
            _containerRunning = !_containerRunning ? true : throw new InvalidOperationException("rabbitmq-server is running");
            await _container.StartAgainAsync(cancellationToken);
            return;
        }

        await (_server is null ? LaunchAsync(cancellationToken) : throw new InvalidOperationException("rabbitmq-server is running"));
    }

    /// <summary>What the node printed so far (its log goes to standard output).</summary>
    public async Task<string> TranscriptAsync()
        => _container is not null ? await _container.LogsAsync() : _server?.Transcript() ?? "(rabbitmq-server is not running)";

    /// <summary>A connection factory for ordinary clients of this broker (no automatic recovery).</summary>
    public ConnectionFactory ConnectionFactory(string name) => Factory(Uri, name);

    private static ConnectionFactory Factory(Uri uri, string name) => new()
    {
        Uri = uri,
        ClientProvidedName = name,
        AutomaticRecoveryEnabled = false,
        RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_server is not null)
        {
            // A graceful stop lets the start script reap the VM; killing the tree would leave the
            // VM a zombie of init in a container whose init does not reap.
            try
            {
                await StopAsync();
            }
            catch (TimeoutException)
            {
                // StopAsync killed the tree.
            }
        }

        var epmd = _epmd;
        _epmd = null;
        if (epmd is not null)
        {
            await epmd.DisposeAsync();
        }

        _directory.Dispose();
    }

    private static async Task<RabbitMqBroker> StartContainerAsync(ContainerEngine engine, CancellationToken cancellationToken)
    {
        var scratch = new TempDirectory("gridcast-rabbitmq-");
        try
        {
            // The image's rabbitmq.conf lets guest in from the engine's forwarding (loopback_users = none).
            var container = new RabbitMqBuilder(engine.RabbitMqImage)
                .WithImagePullPolicy(PullPolicy.Never)
                .WithUsername("guest")
                .WithPassword("guest")
                .Build();
            var broker = await BrokerContainer.StartAsync(
                engine, container, [ContainerPort], (port, token) => WaitUntilAcceptingAsync(port, null, token), StartTimeout, "rabbitmq-server", cancellationToken);
            return new RabbitMqBroker(scratch, broker);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>Returns once the broker on <paramref name="port"/> accepts an AMQP connection, failing early when <paramref name="exited"/> does.</summary>
    private static async Task WaitUntilAcceptingAsync(int port, Task? exited, CancellationToken cancellationToken)
    {
        var factory = Factory(new Uri($"amqp://guest:guest@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), "readiness-probe");
        while (true)
        {
            if (exited is { IsCompleted: true })
            {
                // Never a match: it completes only by failing, with the transcript.
                await exited;
            }

            try
            {
                await using var probe = await factory.CreateConnectionAsync(cancellationToken);
                return;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Not listening yet (unreachable), or listening but still booting (handshake refused).
            }

            await (exited is null ? Task.Delay(ProbeInterval, cancellationToken) : Task.WhenAny(exited, Task.Delay(ProbeInterval, cancellationToken)));
        }
    }

    private static Dictionary<string, string> Environment(string directory)
    {
        var node = $"gridcast{System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}x"
            + $"{Interlocked.Increment(ref _instances).ToString(CultureInfo.InvariantCulture)}@localhost";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = Path.Combine(directory, "home"),
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbit.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "empty-env"),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var server = ExternalProcess.Start(ServerScript, [], _environment, _directory.Path);
        _server = server;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        var exited = server.WaitForLineAsync(static _ => false, StartTimeout);
        try
        {
            await WaitUntilAcceptingAsync(Port, exited, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"rabbitmq-server did not accept AMQP on 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)} within "
                + $"{StartTimeout.TotalSeconds} s.\n{server.Transcript()}");
        }
        finally
        {
            _ = exited.ContinueWith(
                static t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
