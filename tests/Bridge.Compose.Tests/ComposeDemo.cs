using System.Globalization;
using System.Text.Json;
using Bridge.Testing;
using Bridge.Testing.Containers;
using Xunit.Abstractions;

namespace Bridge.Compose.Tests;

/// <summary>
/// compose/demo.yml brought up with docker-compose 1.29 on the run's engine, under a project name
/// of its own; disposing brings it down with its volume. Every device's log is followed from the
/// start (<c>docker-compose logs --follow</c>), so the tests wait for lines rather than poll.
/// </summary>
internal sealed class ComposeDemo : IAsyncDisposable
{
    /// <summary>The device services and the reading each answers with (compose/demo.yml).</summary>
    public static readonly IReadOnlyDictionary<string, double> Readings = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["north-1"] = 1,
        ["north-2"] = 2,
        ["south-1"] = 10,
        ["south-2"] = 20,
    };

    /// <summary>The services on two networks: the gateways, and nothing else.</summary>
    public static readonly IReadOnlyList<string> Gateways = ["gw-headend", "gw-north", "gw-south"];

    public const string TariffGroup = "ham:sg:ami.tariff.rtp";
    public const string ReadingsGroup = "ham:sg:ami.readings";

    /// <summary>The head-end bridge's address on the head-end network, where requests are asked.</summary>
    public const string HeadEndAddress = "10.70.0.20";

    private const string DemoFile = "compose/demo.yml";
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _compose;
    private readonly string _project;
    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, ExternalProcess> _logs = new(StringComparer.Ordinal);

    private ComposeDemo(string compose, string project, ITestOutputHelper output)
    {
        _compose = compose;
        _project = project;
        _output = output;
    }

    /// <summary>The followed log of each device service.</summary>
    public IReadOnlyDictionary<string, ExternalProcess> DeviceLogs => _logs;

    /// <summary>Brings the demo up (<c>up -d</c>, nothing built or pulled) and starts following the devices' logs.</summary>
    public static async Task<ComposeDemo> UpAsync(ContainerEngine engine, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var compose = Prerequisites.Command("docker-compose", "docker-compose", "the compose demo test");
        var demo = new ComposeDemo(compose, string.Create(CultureInfo.InvariantCulture, $"gridcast-demo-{Environment.ProcessId}"), output);
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var (code, up) = await demo.RunAsync(UpTimeout, "up", "-d", "--no-build");
            Assert.True(code == 0, $"docker-compose up failed:\n{up}");
            output.WriteLine($"docker-compose up -d: {started.Elapsed.TotalSeconds:F1} s");
            foreach (var device in Readings.Keys)
            {
                demo._logs[device] = demo.Start("logs", "--follow", "--no-color", "--no-log-prefix", device);
            }

            return demo;
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>docker-compose ARGS</c> on the demo's project to its end: exit code and transcript.</summary>
    public async Task<(int ExitCode, string Transcript)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        await using var process = Start(arguments);
        var code = await process.WaitForExitAsync(timeout);
        return (code, process.Transcript());
    }

    /// <summary>Runs <c>docker-compose ARGS</c> to its end and returns its standard output, failing the test on a non-zero exit.</summary>
    public async Task<IReadOnlyList<string>> OutputOfAsync(params string[] arguments)
    {
        await using var process = Start(arguments);
        var code = await process.WaitForExitAsync(CommandTimeout);
        Assert.True(code == 0, process.Transcript());
        return process.StandardOutput;
    }

    /// <summary>
    /// Asks every device for its reading from the head-end's network (<c>gridcast request</c> in the
    /// head-end bridge's container) and returns the result JSON.
    /// </summary>
    public async Task<JsonElement> RequestReadingsAsync(string deadline)
    {
        var lines = await OutputOfAsync(
            "exec", "-T", "headend-bridge", "gridcast", "request", ReadingsGroup,
            "--aggregate", "count,sum,mean", "--deadline", deadline, "--json", "--interface", HeadEndAddress);
        return JsonDocument.Parse(Assert.Single(lines, l => l.StartsWith('{'))).RootElement.Clone();
    }

    /// <summary>The names of the networks <paramref name="service"/>'s container is on, without the project prefix.</summary>
    public async Task<IReadOnlyList<string>> NetworksOfAsync(string service)
    {
        var id = Assert.Single(await OutputOfAsync("ps", "-q", service), l => l.Length > 0);
        var docker = Prerequisites.Command("/usr/bin/docker", "docker.io", "the compose demo test");
        await using var inspect = ExternalProcess.Start(docker, ["inspect", "--format", "{{range $name, $_ := .NetworkSettings.Networks}}{{println $name}}{{end}}", id]);
        Assert.True(await inspect.WaitForExitAsync(CommandTimeout) == 0, inspect.Transcript());
        return [.. inspect.StandardOutput.Where(l => l.Length > 0).Select(l => l.StartsWith(_project + "_", StringComparison.Ordinal) ? l[(_project.Length + 1)..] : l).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every service's log, for a failure message.</summary>
    public async Task<string> AllLogsAsync()
    {
        var (_, transcript) = await RunAsync(CommandTimeout, "logs", "--no-color");
        return transcript;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var log in _logs.Values)
        {
            await log.DisposeAsync();
        }

        var (code, down) = await RunAsync(UpTimeout, "down", "--volumes", "--timeout", "5");
        if (code != 0)
        {
            _output.WriteLine($"docker-compose down failed (the engine's teardown removes what is left):\n{down}");
        }
    }

    private ExternalProcess Start(params string[] arguments)
        => ExternalProcess.Start(_compose, ["--project-name", _project, "--file", DemoFile, .. arguments], workingDirectory: RepositoryPaths.Root);
}
