using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Testing.Containers;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Images;

namespace Bridge.Testing.Brokers;

/// <summary>A TLS listener's files, PEM: the CA clients are told of, and the broker's certificate and key.</summary>
/// <param name="CaFile">The CA certificate; with <paramref name="RequireClientCertificate"/>, client certificates must chain to it.</param>
/// <param name="CertificateFile">The broker's certificate.</param>
/// <param name="KeyFile">The broker's private key.</param>
/// <param name="RequireClientCertificate">Whether clients must present a certificate (mutual TLS).</param>
public sealed record MosquittoTls(string CaFile, string CertificateFile, string KeyFile, bool RequireClientCertificate = false);

/// <summary>What a <see cref="MosquittoBroker"/> adds to its default (anonymous, plain, no persistence) setup.</summary>
public sealed record MosquittoOptions
{
    /// <summary>Users and passwords; when set, a password file holds them and anonymous clients are refused.</summary>
    public IReadOnlyDictionary<string, string>? Users { get; init; }

    /// <summary>A second listener, with TLS, on <see cref="MosquittoBroker.TlsPort"/>.</summary>
    public MosquittoTls? Tls { get; init; }

    /// <summary>
    /// Whether the broker saves its sessions, subscriptions, queued QoS 1 messages and retained
    /// messages when stopped and reloads them on <see cref="MosquittoBroker.RestartAsync"/>.
    /// </summary>
    public bool Persistent { get; init; }
}

/// <summary>
/// A real Mosquitto (Debian's <c>mosquitto</c> package) reached on a free loopback port, with
/// anonymous access and no persistence; <see cref="MosquittoOptions"/> add users, a TLS listener
/// or persistence. When the run has a container engine (<see cref="ContainerEngine.Current"/>),
/// the broker is a Testcontainers container of the locally built image, reached through a
/// <see cref="NamespaceTcpForwarder"/>; otherwise it is a child process, its config in a fresh
/// temp directory.
/// </summary>
/// <remarks>
/// A child process is ready at the first of: the broker's "running" log line, or a TCP connection
/// it accepts. Mosquitto block-buffers stdout when it is a pipe, so in practice the log arrives
/// only when it exits and the accepted connection decides; an early exit fails with its
/// transcript. A container is ready when the broker answers an MQTT CONNECT (the engine's port
/// forwarding accepts connections before the broker listens). Disposing kills only this broker's
/// process, or removes its container, and deletes its directory.
/// </remarks>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);

    private const int ContainerPort = 1883;
    private const int ContainerTlsPort = 8883;
    private const string ContainerFiles = "/etc/gridcast";
    private static readonly TimeSpan ContainerStartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _executable;
    private readonly TempDirectory _directory;
    private readonly string _configPath;
    private readonly BrokerContainer? _container;
    private ExternalProcess? _process;

    private MosquittoBroker(string executable, TempDirectory directory, string configPath, int port, int? tlsPort, ExternalProcess process)
    {
        _executable = executable;
        _directory = directory;
        _configPath = configPath;
        Port = port;
        TlsPort = tlsPort;
        _process = process;
    }

    private MosquittoBroker(TempDirectory directory, BrokerContainer container, bool tls)
    {
        _executable = string.Empty;
        _directory = directory;
        _configPath = string.Empty;
        _container = container;
        Port = container.PortFor(ContainerPort);
        TlsPort = tls ? container.PortFor(ContainerTlsPort) : null;
    }

    /// <summary>The TCP port on 127.0.0.1; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    /// <summary>The TLS listener's port on 127.0.0.1, when <see cref="MosquittoOptions.Tls"/> asked for one.</summary>
    public int? TlsPort { get; }

    /// <summary>The TLS listener as an <c>mqtts://</c> URL.</summary>
    public Uri TlsUri => new($"mqtts://127.0.0.1:{(TlsPort ?? throw new InvalidOperationException("this broker has no TLS listener")).ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The broker as the bridge's <c>--broker</c> option names it.</summary>
    public Uri Uri => new($"mqtt://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    private ExternalProcess Running => _process ?? throw new InvalidOperationException("mosquitto is not running");

    /// <summary>
    /// Finds the mosquitto executable on PATH or in /usr/sbin, where Debian installs it.
    /// </summary>
    /// <exception cref="MissingPrerequisiteException">Mosquitto is not installed.</exception>
    public static string FindExecutable()
        => Prerequisites.Command("mosquitto", "mosquitto", "the MQTT tests (a real broker)");

    /// <summary>Starts a broker on a free port and returns once it accepts connections.</summary>
    public static Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken = default)
        => StartAsync(new MosquittoOptions(), cancellationToken);

    /// <summary>Starts a broker with <paramref name="options"/> on free ports and returns once it accepts connections.</summary>
    public static async Task<MosquittoBroker> StartAsync(MosquittoOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (ContainerEngine.Current is { } engine)
        {
            return await StartContainerAsync(engine, options, cancellationToken);
        }

        var executable = FindExecutable();
        var scratch = new TempDirectory("gridcast-mosquitto-");
        var directory = scratch.Path;
        var configPath = Path.Combine(directory, "mosquitto.conf");
        try
        {
            string? passwordFile = null;
            if (options.Users is { Count: > 0 } users)
            {
                passwordFile = Path.Combine(directory, "passwords");
                await WritePasswordFileAsync(passwordFile, users);
            }

            // The port is free when FreePorts picks it but may be taken before mosquitto binds it.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePorts.Tcp();
                int? tlsPort = options.Tls is null ? null : FreePorts.Tcp();
                await File.WriteAllTextAsync(configPath, Config(port, tlsPort, options, passwordFile, directory), cancellationToken);
                var (process, failure, portTaken) = await LaunchAsync(executable, configPath, port, cancellationToken);
                if (process is not null)
                {
                    return new MosquittoBroker(executable, scratch, configPath, port, tlsPort, process);
                }

                if (!portTaken || attempt == StartAttempts)
                {
                    throw new InvalidOperationException(failure);
                }
            }
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops the broker (SIGTERM, as an operator's restart would) and starts it again on the same
    /// port; returns once it accepts connections. Its clients are disconnected and, with no
    /// persistence, their sessions and subscriptions are gone; with
    /// <see cref="MosquittoOptions.Persistent"/>, the broker saved them on the way down.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_container is not null)
        {
            await _container.StopAsync();
            await _container.StartAgainAsync(cancellationToken);
            return;
        }

        var old = Running;
        _process = null;
        try
        {
            old.Terminate();
            await old.WaitForExitAsync(StopTimeout);
        }
        finally
        {
            await old.DisposeAsync();
        }

        var (process, failure, _) = await LaunchAsync(_executable, _configPath, Port, cancellationToken);
        _process = process ?? throw new InvalidOperationException(failure);
    }

    /// <summary>
    /// What the broker printed so far. A child process flushes its log when it exits, so this is
    /// mostly empty while it runs; a container's broker logs to standard error, unbuffered.
    /// </summary>
    public async Task<string> TranscriptAsync()
        => _container is not null ? await _container.LogsAsync() : _process?.Transcript() ?? "(mosquitto is not running)";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        var process = _process;
        _process = null;
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        _directory.Dispose();
    }

    private static async Task<MosquittoBroker> StartContainerAsync(ContainerEngine engine, MosquittoOptions options, CancellationToken cancellationToken)
    {
        var scratch = new TempDirectory("gridcast-mosquitto-");
        try
        {
            var ports = new List<int> { ContainerPort };
            var builder = new ContainerBuilder(engine.MosquittoImage)
                .WithImagePullPolicy(PullPolicy.Never)
                .WithPortBinding(ContainerPort, assignRandomHostPort: true);
            string? passwordFile = null;
            var command = $"exec /usr/sbin/mosquitto -c {ContainerFiles}/mosquitto.conf";
            if (options.Users is { Count: > 0 } users)
            {
                // Hashed inside the container by its own mosquitto_passwd, from a plain copy each
                // start, so a restart does not hash the hashes.
                passwordFile = $"{ContainerFiles}/passwords";
                var plain = string.Concat(users.Select(u => $"{u.Key}:{u.Value}\n"));
                builder = builder.WithResourceMapping(Encoding.UTF8.GetBytes(plain), FilePath.Of($"{ContainerFiles}/passwords.txt"));
                command = $"cp {ContainerFiles}/passwords.txt {passwordFile} && mosquitto_passwd -U {passwordFile} && chmod 644 {passwordFile} && {command}";
            }

            if (options.Tls is { } tls)
            {
                ports.Add(ContainerTlsPort);
                builder = builder.WithPortBinding(ContainerTlsPort, assignRandomHostPort: true)
                    .WithResourceMapping(await File.ReadAllBytesAsync(tls.CaFile, cancellationToken), FilePath.Of($"{ContainerFiles}/ca.crt"))
                    .WithResourceMapping(await File.ReadAllBytesAsync(tls.CertificateFile, cancellationToken), FilePath.Of($"{ContainerFiles}/broker.crt"))
                    .WithResourceMapping(await File.ReadAllBytesAsync(tls.KeyFile, cancellationToken), FilePath.Of($"{ContainerFiles}/broker.key"));
            }

            var containerOptions = options.Tls is { } t
                ? options with { Tls = t with { CaFile = $"{ContainerFiles}/ca.crt", CertificateFile = $"{ContainerFiles}/broker.crt", KeyFile = $"{ContainerFiles}/broker.key" } }
                : options;
            var config = Config(ContainerPort, options.Tls is null ? null : ContainerTlsPort, containerOptions, passwordFile, "/var/lib/mosquitto", inContainer: true);
            builder = builder.WithResourceMapping(Encoding.UTF8.GetBytes(config), FilePath.Of($"{ContainerFiles}/mosquitto.conf"))
                .WithEntrypoint("/bin/sh", "-c")
                .WithCommand(command);
            var container = await BrokerContainer.StartAsync(
                engine, builder.Build(), ports, WaitUntilConnAckAsync, ContainerStartTimeout, "mosquitto", cancellationToken);
            return new MosquittoBroker(scratch, container, options.Tls is not null);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>Returns once a broker on <paramref name="port"/> answers an MQTT 3.1.1 CONNECT with a CONNACK (accepted or not).</summary>
    private static async Task WaitUntilConnAckAsync(int port, CancellationToken cancellationToken)
    {
        // CONNECT, remaining length 17: "MQTT", level 4, clean session, keep-alive 60 s, client id "probe".
        byte[] connect = [0x10, 17, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, 5, (byte)'p', (byte)'r', (byte)'o', (byte)'b', (byte)'e'];
        var answer = new byte[1];
        while (true)
        {
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    await probe.SendAsync(connect, SocketFlags.None, cancellationToken);
                    if (await probe.ReceiveAsync(answer, SocketFlags.None, cancellationToken) == 1 && answer[0] == 0x20)
                    {
                        return;
                    }
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(ProbeInterval, cancellationToken);
        }
    }

    private static string Config(int port, int? tlsPort, MosquittoOptions options, string? passwordFile, string directory, bool inContainer = false)
    {
        var lines = new List<string>();

        // Started as root, mosquitto 2 drops to user "mosquitto" before it reads password files,
        // certificates and its database, which this user's 0700 temp directory keeps from it.
        // In a container the files are the image's own user's to read, and the user may stay.
        if (!inContainer && (passwordFile is not null || options.Tls is not null || options.Persistent))
        {
            lines.Add($"user {Environment.UserName}");
        }

        // A container's listeners take every address: connections come through the engine's forwarding.
        var address = inContainer ? "0.0.0.0" : "127.0.0.1";
        lines.Add($"listener {port.ToString(CultureInfo.InvariantCulture)} {address}");
        if (options.Tls is { } tls && tlsPort is { } securePort)
        {
            lines.Add($"listener {securePort.ToString(CultureInfo.InvariantCulture)} {address}");
            lines.Add($"cafile {tls.CaFile}");
            lines.Add($"certfile {tls.CertificateFile}");
            lines.Add($"keyfile {tls.KeyFile}");
            lines.Add(tls.RequireClientCertificate ? "require_certificate true" : "require_certificate false");
        }

        lines.Add(passwordFile is null ? "allow_anonymous true" : "allow_anonymous false");
        if (passwordFile is not null)
        {
            lines.Add($"password_file {passwordFile}");
        }

        if (options.Persistent)
        {
            lines.Add("persistence true");
            lines.Add($"persistence_location {directory}{Path.DirectorySeparatorChar}");
        }
        else
        {
            lines.Add("persistence false");
        }

        // A container's log is read while it runs; mosquitto buffers stdout but not stderr.
        lines.Add(inContainer ? "log_dest stderr" : "log_dest stdout");
        lines.Add(string.Empty);
        return string.Join('\n', lines);
    }

    private static async Task WritePasswordFileAsync(string path, IReadOnlyDictionary<string, string> users)
    {
        var tool = Prerequisites.Command("mosquitto_passwd", "mosquitto", "the MQTT tests with passwords");
        var create = true;
        foreach (var (user, password) in users)
        {
            // -c creates the file with the first user; -b takes the password from the command line.
            string[] arguments = create ? ["-b", "-c", path, user, password] : ["-b", path, user, password];
            create = false;
            await using var process = ExternalProcess.Start(tool, arguments);
            var exit = await process.WaitForExitAsync(StartTimeout);
            if (exit != 0)
            {
                throw new InvalidOperationException($"mosquitto_passwd exited with {exit.ToString(CultureInfo.InvariantCulture)}: {process.Transcript()}");
            }
        }
    }

    private static async Task<(ExternalProcess? Process, string Failure, bool PortTaken)> LaunchAsync(
        string executable, string configPath, int port, CancellationToken cancellationToken)
    {
        var process = ExternalProcess.Start(executable, ["-c", configPath]);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);

        // WaitForLineAsync fails, with the transcript, as soon as the process exits.
        var running = process.WaitForLineAsync(line => line.EndsWith(" running", StringComparison.Ordinal), StartTimeout);
        var accepting = WaitUntilAcceptingAsync(port, deadline.Token);
        var first = await Task.WhenAny(running, accepting);
        await deadline.CancelAsync();
        Observe(running);
        Observe(accepting);
        if (first.IsCompletedSuccessfully)
        {
            return (process, string.Empty, false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            await process.DisposeAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        string reason;
        try
        {
            await running;
            reason = "it stopped answering";
        }
        catch (TimeoutException ex)
        {
            reason = ex.Message;
        }

        var portTaken = process.StandardOutput.Concat(process.StandardError)
            .Any(line => line.Contains("Address already in use", StringComparison.Ordinal));
        await process.DisposeAsync();
        return (null, $"mosquitto did not start on 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}: {reason}", portTaken);
    }

    private static async Task WaitUntilAcceptingAsync(int port, CancellationToken cancellationToken)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        while (true)
        {
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    await probe.ConnectAsync(endpoint, cancellationToken);
                    return;
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(ProbeInterval, cancellationToken);
        }
    }

    /// <summary>Keeps the loser of a race from reporting an unobserved exception later.</summary>
    private static void Observe(Task task)
        => _ = task.ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
