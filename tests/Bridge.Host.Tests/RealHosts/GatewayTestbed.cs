using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// What the namespace tests of gateways share: a directory for certificates and node files, the
/// <see cref="RoutedDomains"/> network, the <c>gridcast</c> processes (each gateway's current
/// one with the arrival times of its lines), a fresh group and a numbered stream on it.
/// Disposing stops every process, then removes the namespaces and the files.
/// </summary>
internal abstract class GatewayTestbed : IAsyncDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly List<ExternalProcess> _processes = [];
    private readonly DateTimeOffset _clockStarted = DateTimeOffset.UtcNow;

    protected GatewayTestbed(TempDirectory files, RoutedDomains domains, string name)
    {
        Files = files;
        Domains = domains;
        Group = $"ham:sg:gridcast.test.{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    public string Group { get; }

    public string StreamPayload => "stream " + Group;

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The wall-clock time (the clock of sub's <c>receivedAt</c>) of <paramref name="elapsed"/> on <see cref="Clock"/>.</summary>
    public DateTimeOffset WallClock(TimeSpan elapsed) => _clockStarted + elapsed;

    /// <summary>The current process of each gateway.</summary>
    public Dictionary<GatewayHost, ExternalProcess> Runs { get; } = [];

    /// <summary>The arrival times of the lines of each gateway's current process.</summary>
    public Dictionary<GatewayHost, ArrivalLog> Logs { get; } = [];

    protected TempDirectory Files { get; }

    protected RoutedDomains Domains { get; }

    protected ITestOutputHelper? Output { get; set; }

    /// <summary>Starts <c>gridcast pub</c> of <paramref name="length"/> stream messages, <paramref name="interval"/> ms apart, on <paramref name="publisher"/>.</summary>
    public ExternalProcess StartStream(NamespaceHost publisher, int length, int interval) => publisher.StartGridcast(
        ["pub", Group, StreamPayload, "--repeat", length.ToString(CultureInfo.InvariantCulture),
         "--interval", interval.ToString(CultureInfo.InvariantCulture), "--interface", publisher.Interface]);

    /// <summary>Matches a line of the stream whose sequence number satisfies <paramref name="sequence"/>.</summary>
    public Func<string, bool> StreamMessage(Func<ulong, bool> sequence)
        => l => SubMessage.TryParse(l) is { } m && m.Payload == StreamPayload && sequence(m.Sequence);

    /// <summary>The stream's messages in <paramref name="log"/>, in arrival order.</summary>
    public List<(TimeSpan At, SubMessage Message)> Stream(ArrivalLog log)
        => [.. log.Messages().Where(m => m.Message.Payload == StreamPayload)];

    /// <summary>Waits for the publisher of a stream of <paramref name="length"/> messages, <paramref name="interval"/> ms apart, to finish and every one of <paramref name="subs"/> to print its last message.</summary>
    public async Task WaitForStreamEndAsync(ExternalProcess streaming, int length, int interval, IEnumerable<ExternalProcess> subs)
    {
        Assert.True(await streaming.WaitForExitAsync(TimeSpan.FromSeconds((length * interval / 1000.0 * 3) + 20)) == 0, streaming.Transcript());
        foreach (var sub in subs)
        {
            await sub.WaitForLineAsync(StreamMessage(s => s == (ulong)length), Patience);
        }
    }

    /// <summary>
    /// Waits for the next line of <paramref name="gateway"/> that satisfies <paramref name="match"/>,
    /// after those it printed so far; returns when it was read. Call it before the action that causes the line.
    /// </summary>
    public async Task<TimeSpan> NextLineAsync(GatewayHost gateway, Func<string, bool> match)
    {
        var log = Logs[gateway];
        var before = log.Lines().Count(l => match(l.Line));
        var seen = 0;
        await Runs[gateway].WaitForLineAsync(l => match(l) && ++seen > before, Patience);
        return log.Lines().Where(l => match(l.Line)).ElementAt(before).At;
    }

    /// <summary>Starts <paramref name="gateway"/> (again) from its node file and waits until it is ready.</summary>
    public async Task<ExternalProcess> StartGatewayAsync(GatewayHost gateway)
    {
        var run = Track(gateway.Host.StartGridcast("run", "--config", GatewayFiles.ConfigPath(Files.Path, gateway)));
        Runs[gateway] = run;
        Logs[gateway] = new ArrivalLog(run, Clock);
        await run.WaitForLineAsync(l => l.Contains("Gateway ready", StringComparison.Ordinal), Patience);
        return run;
    }

    public string Transcripts() => string.Join('\n', _processes.Select(p => p.Transcript()));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        try
        {
            Domains.Dispose();
        }
        finally
        {
            Files.Dispose();
        }
    }

    /// <summary>
    /// Makes the files and the network of <paramref name="hostsPerDomain"/>, builds the testbed on
    /// them with <paramref name="create"/> and brings it up with <paramref name="converge"/>; on any
    /// failure removes whatever was made.
    /// </summary>
    protected static async Task<T> StartAsync<T>(string name, IReadOnlyList<int> hostsPerDomain, Func<TempDirectory, RoutedDomains, T> create, Func<T, Task> converge)
        where T : GatewayTestbed
    {
        var files = new TempDirectory($"gridcast-{name}-");
        RoutedDomains domains;
        try
        {
            domains = RoutedDomains.Create(hostsPerDomain);
        }
        catch
        {
            files.Dispose();
            throw;
        }

        var testbed = create(files, domains);
        try
        {
            await converge(testbed);
            return testbed;
        }
        catch
        {
            await testbed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Keeps <paramref name="process"/> to stop it at the end and to show its transcript on failure.</summary>
    protected ExternalProcess Track(ExternalProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
