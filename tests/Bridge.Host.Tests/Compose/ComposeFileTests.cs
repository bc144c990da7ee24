using System.Xml.Linq;
using Bridge.Testing;

namespace Bridge.Host.Tests.Compose;

/// <summary>
/// Checks the compose demo (compose/demo.yml, compose/demo/, compose/Dockerfile,
/// compose/mosquitto.conf) without a Docker engine: Compose v1 validates and normalises the file,
/// and the node files its gridcast services run pass <c>gridcast config validate</c>. The demo run
/// for real is tests/Bridge.Compose.Tests.
/// </summary>
public sealed class ComposeFileTests
{
    private const string DemoFile = "compose/demo.yml";
    private const string GridcastImage = "gridcast:dev";
    private const string MosquittoConfig = "/etc/mosquitto/mosquitto.conf";
    private const string CertificateVolume = "/var/lib/gridcast/certs/";
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Config_DemoFile_IsValid()
    {
        var run = await RunComposeAsync("config", "--quiet");

        Assert.True(run.ExitCode == 0, $"docker-compose rejected {DemoFile}:\n{run.Transcript}");
    }

    [Fact]
    public async Task ConfigServices_DemoFile_ListsBrokerBridgeGatewaysAndDevices()
    {
        var run = await RunComposeAsync("config", "--services");

        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.Equal(
            ["certs", "gw-headend", "gw-north", "gw-south", "headend-bridge", "mosquitto", "north-1", "north-2", "south-1", "south-2"],
            run.Output.Where(l => l.Length > 0).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Config_MosquittoVolume_MountsExistingConfigWhereTheImageReadsIt()
    {
        var config = await ReadNormalisedConfigAsync();

        var mount = Assert.Single(config.Service("mosquitto").List("volumes"), v => v.Contains("mosquitto.conf", StringComparison.Ordinal));
        var parts = mount.Split(':');
        Assert.True(File.Exists(parts[0]), $"the mosquitto service mounts '{parts[0]}', which does not exist");
        Assert.Equal(MosquittoConfig, parts[1]);
        // The image (compose/images/mosquitto) starts the broker with that file.
        Assert.Contains($"\"{MosquittoConfig}\"", File.ReadAllText(RepositoryPaths.Combine("compose", "images", "mosquitto", "Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_HostFileVolumes_ExistInRepository()
    {
        var config = await ReadNormalisedConfigAsync();

        var mounts = config.ServiceNames.SelectMany(name => config.Service(name).List("volumes")).Where(v => v.StartsWith('/')).ToList();

        Assert.NotEmpty(mounts);
        Assert.All(mounts, mount => Assert.True(File.Exists(mount.Split(':')[0]), $"{DemoFile} mounts '{mount.Split(':')[0]}', which does not exist"));
    }

    [Fact]
    public async Task Config_GridcastServices_BuildFromTheRepositoryDockerfile()
    {
        var config = await ReadNormalisedConfigAsync();

        var services = config.ServicesWithImage(GridcastImage);
        Assert.Equal(config.ServiceNames.Where(n => n != "mosquitto").Order(StringComparer.Ordinal), services.Select(b => b.Name).Order(StringComparer.Ordinal));
        foreach (var service in services)
        {
            // Compose writes the context as an absolute path; the Dockerfile's COPY lines assume the root.
            Assert.Equal(RepositoryPaths.Root.TrimEnd('/'), service.Scalar("context")?.TrimEnd('/'));
            Assert.Equal("compose/Dockerfile", service.Scalar("dockerfile"));
        }
    }

    /// <summary>
    /// The node files the demo's <c>gridcast run</c> services read pass <c>gridcast config
    /// validate</c>, with certificates made as the demo's certs service makes them (a CA and one
    /// certificate per gateway) in place of the volume the containers mount.
    /// </summary>
    [Fact]
    public async Task RunCommands_DemoFile_NameNodeFilesThatValidate()
    {
        var config = await ReadNormalisedConfigAsync();
        using var certificates = new TempDirectory("gridcast-compose-certs-");
        await RunGridcastAsync("certs", "ca", "--out", certificates.Path, "--name", "Compose Test CA");
        var nodeFiles = 0;

        foreach (var name in config.ServiceNames.Order(StringComparer.Ordinal))
        {
            var service = config.Service(name);
            var command = service.List("command");
            if (command is not ["run", "--config", var inContainer])
            {
                continue;
            }

            var mount = Assert.Single(service.List("volumes"), v => v.Split(':')[1] == inContainer);
            var text = await File.ReadAllTextAsync(mount.Split(':')[0]);
            if (text.Contains(CertificateVolume, StringComparison.Ordinal))
            {
                await RunGridcastAsync("certs", "node", name, "--ca", certificates.Path, "--out", certificates.Path);
                text = text.Replace(CertificateVolume, certificates.Path + "/", StringComparison.Ordinal);
            }

            var copy = certificates.Combine(name + ".yaml");
            await File.WriteAllTextAsync(copy, text);
            var (code, process) = await GridcastCli.RunAsync(ProcessTimeout, "config", "validate", copy);
            await using var _ = process;
            Assert.True(code == 0, $"{name}: {mount.Split(':')[0]} does not validate:\n{process.Transcript()}");
            nodeFiles++;
        }

        // The head-end bridge and the three gateways.
        Assert.Equal(4, nodeFiles);
    }

    [Fact]
    public void CopySources_Dockerfile_ExistInRepository()
    {
        var sources = DockerfileCopySources();

        Assert.NotEmpty(sources);
        Assert.All(sources, source =>
        {
            var path = RepositoryPaths.Combine(source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"compose/Dockerfile copies '{source}', which is not in the repository");
        });
    }

    [Fact]
    public void CopySources_Dockerfile_IncludeEveryProjectTheHostReferences()
    {
        var sources = DockerfileCopySources().ToHashSet(StringComparer.Ordinal);

        // The restore layer copies project files one by one; a project missing there fails the image build.
        var missing = ProjectClosure("src/Bridge.Host/Bridge.Host.csproj").Where(p => !sources.Contains(p)).ToList();

        Assert.True(missing.Count == 0, $"compose/Dockerfile does not copy {string.Join(", ", missing)} before restoring");
    }

    private static async Task RunGridcastAsync(params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(ProcessTimeout, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
    }

    private static async Task<ComposeRun> RunComposeAsync(params string[] arguments)
    {
        var compose = Prerequisites.Command("docker-compose", "docker-compose", "validating compose/demo.yml");
        await using var process = ExternalProcess.Start(compose, ["-f", DemoFile, .. arguments], workingDirectory: RepositoryPaths.Root);
        var exitCode = await process.WaitForExitAsync(ProcessTimeout);
        return new ComposeRun(exitCode, process.StandardOutput, process.Transcript());
    }

    private static async Task<ComposeConfig> ReadNormalisedConfigAsync()
    {
        var run = await RunComposeAsync("config");
        Assert.True(run.ExitCode == 0, run.Transcript);
        return ComposeConfig.Parse(run.Output);
    }

    /// <summary>
    /// The sources of the Dockerfile's COPY instructions that read the build context (not
    /// <c>COPY --from=stage</c>), as paths relative to the repository root.
    /// </summary>
    private static List<string> DockerfileCopySources()
    {
        var text = File.ReadAllText(RepositoryPaths.Combine("compose", "Dockerfile"));
        var instructions = text.Replace("\\\n", " ", StringComparison.Ordinal)
            .Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'));

        var sources = new List<string>();
        foreach (var instruction in instructions)
        {
            var words = instruction.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!words[0].Equals("COPY", StringComparison.OrdinalIgnoreCase)
                || words.Any(w => w.StartsWith("--from=", StringComparison.Ordinal)))
            {
                continue;
            }

            var operands = words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            Assert.True(operands.Count >= 2, $"COPY without source and destination: {instruction}");
            sources.AddRange(operands.SkipLast(1));
        }

        return sources;
    }

    /// <summary>A project file and every project it references, directly or not, relative to the root.</summary>
    private static SortedSet<string> ProjectClosure(string project)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(RepositoryPaths.Combine(current))!;
            foreach (var reference in XDocument.Load(RepositoryPaths.Combine(current)).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                pending.Push(Path.GetRelativePath(RepositoryPaths.Root, Path.GetFullPath(Path.Combine(directory, include))).Replace('\\', '/'));
            }
        }

        return seen;
    }

    /// <summary>What a finished docker-compose run left: its exit code, output lines and transcript.</summary>
    private sealed record ComposeRun(int ExitCode, IReadOnlyList<string> Output, string Transcript);

    /// <summary>
    /// The few parts of <c>docker-compose config</c> output the tests read. That output is
    /// normalised YAML (two-space indent, block lists), so a line reader suffices.
    /// </summary>
    private sealed class ComposeConfig
    {
        private readonly Dictionary<string, ComposeService> _services;

        private ComposeConfig(Dictionary<string, ComposeService> services) => _services = services;

        public IReadOnlyCollection<string> ServiceNames => _services.Keys;

        public ComposeService Service(string name)
            => _services.TryGetValue(name, out var service) ? service : throw new KeyNotFoundException($"no service '{name}' in {DemoFile}");

        public List<ComposeService> ServicesWithImage(string image)
            => [.. _services.Values.Where(s => s.Scalar("image") == image)];

        public static ComposeConfig Parse(IReadOnlyList<string> lines)
        {
            var services = new Dictionary<string, ComposeService>(StringComparer.Ordinal);
            ComposeService? service = null;
            string? key = null;
            var inServices = false;
            foreach (var line in lines)
            {
                var indent = line.Length - line.TrimStart(' ').Length;
                var content = line.Trim();
                if (content.Length == 0)
                {
                    continue;
                }

                if (indent == 0)
                {
                    inServices = content == "services:";
                    service = null;
                    continue;
                }

                if (!inServices)
                {
                    continue;
                }

                if (indent == 2 && content.EndsWith(':'))
                {
                    service = new ComposeService(content[..^1]);
                    services.Add(service.Name, service);
                    key = null;
                }
                else if (service is not null && content.StartsWith("- ", StringComparison.Ordinal) && key is not null)
                {
                    service.AddItem(key, Unquote(content[2..]));
                }
                else if (service is not null && content.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
                {
                    key = content[..colon];
                    var value = content[(colon + 1)..].Trim();
                    if (value.Length > 0)
                    {
                        service.SetScalar(key, Unquote(value));
                    }
                }
            }

            return new ComposeConfig(services);
        }

        private static string Unquote(string value)
        {
            if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            {
                return value[1..^1].Replace("''", "'", StringComparison.Ordinal);
            }

            return value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
        }
    }

    /// <summary>One service: its scalar settings and list items by key (nesting flattened).</summary>
    private sealed class ComposeService(string name)
    {
        private readonly Dictionary<string, string> _scalars = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public string? Scalar(string key) => _scalars.GetValueOrDefault(key);

        public List<string> List(string key) => _lists.GetValueOrDefault(key) ?? [];

        public void SetScalar(string key, string value) => _scalars[key] = value;

        public void AddItem(string key, string item)
        {
            if (!_lists.TryGetValue(key, out var items))
            {
                _lists[key] = items = [];
            }

            items.Add(item);
        }
    }
}
