using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Bridge.Testing.Containers;

/// <summary>
/// The Docker engine the broker fixtures start their brokers in, when <c>scripts/test.sh</c>
/// brought one up: it runs in a network namespace of its own (scripts/engine.sh), its client
/// socket is <c>DOCKER_HOST</c>, and the images were built locally (compose/images/build.sh).
/// Without it (<c>GRIDCAST_BROKERS</c> is not <c>containers</c>) the fixtures run the brokers as
/// child processes; <c>scripts/test.sh</c> says once which of the two a run used.
/// </summary>
/// <remarks>
/// The ports the engine publishes exist only inside its namespace, while the tests run in the
/// machine's own namespace (the namespace tests need its interfaces and routes). So a fixture
/// reaches a container through a <see cref="NamespaceTcpForwarder"/>: a listener on 127.0.0.1
/// here whose connections continue from a socket made inside the engine's namespace.
/// </remarks>
public sealed class ContainerEngine
{
    /// <summary>The variable that selects containers (<c>containers</c>) or child processes (anything else, or unset).</summary>
    public const string ModeVariable = "GRIDCAST_BROKERS";

    /// <summary>The engine's network namespace, a file such as <c>/run/netns/gridcast-engine</c>.</summary>
    public const string NamespaceVariable = "GRIDCAST_ENGINE_NETNS";

    private static readonly Lazy<ContainerEngine?> Instance = new(Create);

    private readonly NamespaceSocketFactory _sockets;

    private ContainerEngine(string networkNamespace, string mosquittoImage, string rabbitMqImage, string? gridcastImage)
    {
        NetworkNamespace = networkNamespace;
        MosquittoImage = mosquittoImage;
        RabbitMqImage = rabbitMqImage;
        GridcastImage = gridcastImage;
        _sockets = new NamespaceSocketFactory(networkNamespace);
    }

    /// <summary>The engine of this run, or null when the brokers run as child processes.</summary>
    /// <exception cref="MissingPrerequisiteException">Containers were asked for, and what they need is not there.</exception>
    public static ContainerEngine? Current => Instance.Value;

    /// <summary>Whether this run's brokers are containers.</summary>
    public static bool InUse => Current is not null;

    /// <summary>The engine's network namespace file.</summary>
    public string NetworkNamespace { get; }

    /// <summary>The Mosquitto image, tagged by its recipe's hash (<c>GRIDCAST_MOSQUITTO_IMAGE</c>).</summary>
    public string MosquittoImage { get; }

    /// <summary>The RabbitMQ image (<c>GRIDCAST_RABBITMQ_IMAGE</c>).</summary>
    public string RabbitMqImage { get; }

    /// <summary>The gridcast image, when it was built for this run (<c>GRIDCAST_GRIDCAST_IMAGE</c>).</summary>
    public string? GridcastImage { get; }

    /// <summary>A TCP socket that lives in the engine's namespace, where its published ports are.</summary>
    public Task<Socket> CreateTcpSocketAsync() => _sockets.CreateTcpSocketAsync();

    private static ContainerEngine? Create()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable(ModeVariable), "containers", StringComparison.Ordinal))
        {
            return null;
        }

        const string Purpose = "the broker fixtures in containers (GRIDCAST_BROKERS=containers)";
        var networkNamespace = Required(NamespaceVariable, Purpose);
        _ = Required("DOCKER_HOST", Purpose);
        if (!File.Exists(networkNamespace))
        {
            throw new MissingPrerequisiteException($"{Purpose}: the engine's namespace {networkNamespace} does not exist: start it with scripts/engine.sh up");
        }

        return new ContainerEngine(
            networkNamespace,
            Required("GRIDCAST_MOSQUITTO_IMAGE", Purpose),
            Required("GRIDCAST_RABBITMQ_IMAGE", Purpose),
            Environment.GetEnvironmentVariable("GRIDCAST_GRIDCAST_IMAGE"));
    }

    private static string Required(string variable, string purpose)
        => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new MissingPrerequisiteException(
                $"{purpose}: {variable} is not set: scripts/test.sh sets it (scripts/engine.sh up and compose/images/build.sh --env print the values)");
}

/// <summary>
/// Makes sockets inside another network namespace: one thread of this process moves into it
/// (setns(2) affects only the calling thread) and creates the sockets there; a socket keeps the
/// namespace it was created in, whichever thread uses it afterwards.
/// </summary>
internal sealed class NamespaceSocketFactory
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<TaskCompletionSource<Socket>> _requests = [];

    public NamespaceSocketFactory(string networkNamespace)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => Run(networkNamespace, entered))
        {
            IsBackground = true,
            Name = "sockets in " + networkNamespace,
        };
        thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    public Task<Socket> CreateTcpSocketAsync()
    {
        // Continuations must not run on the namespace's thread: whatever they create would land there.
        var request = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add(request);
        return request.Task;
    }

    private void Run(string networkNamespace, TaskCompletionSource entered)
    {
        using (var handle = File.OpenHandle(networkNamespace, FileMode.Open, FileAccess.Read))
        {
            if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                entered.SetException(new MissingPrerequisiteException(
                    string.Create(CultureInfo.InvariantCulture, $"the broker fixtures cannot enter the engine's namespace {networkNamespace}: setns failed with errno {error} (root is needed)")));
                return;
            }
        }

        entered.SetResult();
        foreach (var request in _requests.GetConsumingEnumerable())
        {
            try
            {
                request.SetResult(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            }
            catch (SocketException e)
            {
                request.SetException(e);
            }
        }
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
