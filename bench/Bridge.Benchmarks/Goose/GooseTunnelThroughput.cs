using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Link;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

namespace Bridge.Benchmarks.Goose;

/// <summary>
/// Frames per second per core through the GOOSE tunnel, A's wire to B's wire: two
/// <c>gridcast run</c> nodes in network namespaces joined by IP multicast on one segment
/// (<see cref="NamespaceLan"/>), each with a substation LAN (a veth pair in its namespace) as in
/// the end-to-end test. On A's LAN a sender publishes <c>--blocks</c> control blocks round robin,
/// every frame a new state (stNum + 1, so B relays each at once: the trip path, never <c>behind</c>),
/// at each offered rate of <c>--rates</c> for <c>--seconds</c>; on B's LAN a capture thread counts
/// the frames. The CPU of each node is read from /proc before and after; frames per second per
/// core is what B's wire received per second over the cores both nodes used together (a rate of
/// 0 measures the nodes idle). Prints a Markdown table.
/// </summary>
/// <remarks>
/// Needs root (namespaces, AF_PACKET) and the built <c>gridcast.dll</c> (<c>--gridcast</c>, by default
/// the Release build of src/Bridge.Host beside the repository's root, found from the working directory).
/// B repeats on its own only after 10 s and A's publisher's timeAllowedtoLive is 30 s, so B's wire
/// carries relayed frames only.
/// </remarks>
public static class GooseTunnelThroughput
{
    private const string Group = "ham:sg:goose.bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var gridcast = Path.GetFullPath(Option(args, "--gridcast", Path.Combine("src", "Bridge.Host", "bin", "Release", "net10.0", "gridcast.dll")));
        var blocks = int.Parse(Option(args, "--blocks", "16"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Option(args, "--seconds", "5"), CultureInfo.InvariantCulture);
        var rates = Option(args, "--rates", "0,1000,5000,10000,20000,40000").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        if (!File.Exists(gridcast))
        {
            await Console.Error.WriteLineAsync($"no {gridcast}: build src/Bridge.Host -c Release or pass --gridcast");
            return 2;
        }

        using var lan = NamespaceLan.Create(2);
        var (hostA, hostB) = (lan.Hosts[0], lan.Hosts[1]);
        AddSubstationLan(hostA.Name, "subA", "iedA");
        AddSubstationLan(hostB.Name, "subB", "iedB");
        using var files = new TempDirectory();
        var group = $"{Group}.{lan.Prefix}";
        var configA = files.Write("a.yaml", Node("bench-a", group, """
              goose:
                interface: subA
              rules:
                - name: capture
                  goose: appid=0x1001
                  group: trip
                  direction: to-group
            """));
        var configB = files.Write("b.yaml", Node("bench-b", group, """
              goose:
                interface: subB
                firstInterval: 10s
                heartbeat: 10s
              rules:
                - name: emit
                  goose: appid=0x1001 dst=01-0C-CD-01-00-01
                  group: trip
                  direction: from-group
            """));
        await using var nodeA = hostA.Start("dotnet", gridcast, "run", "--config", configA);
        await using var nodeB = hostB.Start("dotnet", gridcast, "run", "--config", configB);
        var patience = TimeSpan.FromSeconds(60);
        await nodeA.WaitForLineAsync(l => l.Contains("GOOSE side on subA", StringComparison.Ordinal), patience);
        await nodeB.WaitForLineAsync(l => l.Contains("GOOSE side on subB", StringComparison.Ordinal), patience);

        using var send = NetworkNamespace.Run(hostA.Name, () => GooseLinkSocket.Open("iedA"));
        using var receive = NetworkNamespace.Run(hostB.Name, () => GooseLinkSocket.Open("iedB"));
        await using var counter = new FrameCounter(receive);
        var sender = new Sender(send, blocks);

        // Until B's wire has a frame: the group is joined on both sides.
        var converging = Stopwatch.StartNew();
        while (counter.Received == 0)
        {
            if (converging.Elapsed > patience)
            {
                await Console.Error.WriteLineAsync("no frame reached B's wire\n" + nodeA.Transcript() + nodeB.Transcript());
                return 1;
            }

            sender.Send();
            Thread.Sleep(10);
        }

        // Warm-up (tiered JIT, buffers), not printed.
        _ = Measure(sender, counter, nodeA.Id, nodeB.Id, rates.Max(), 3);

        Console.WriteLine($"| offered (frames/s) | received on B's wire (frames/s) | lost | CPU node A (cores) | CPU node B (cores) | frames/s per core (both nodes) | CPU per frame A + B (µs) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var rate in rates)
        {
            var (offered, received, cpuA, cpuB) = Measure(sender, counter, nodeA.Id, nodeB.Id, rate, seconds);
            var cores = (cpuA + cpuB) / seconds;
            if (offered == 0)
            {
                // The nodes' own cost with nothing to carry (timers, membership, the group's keepalives).
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| 0 (idle) | {received / seconds:N0} | | {cpuA / seconds:F2} | {cpuB / seconds:F2} | | |"));
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {offered / seconds:N0} | {received / seconds:N0} | {offered - received:N0} ({100.0 * (offered - received) / offered:F2} %) | {cpuA / seconds:F2} | {cpuB / seconds:F2} | {received / seconds / cores:N0} | {(cpuA + cpuB) * 1e6 / received:F1} |"));
        }

        return 0;
    }

    /// <summary>Sends at <paramref name="rate"/> for <paramref name="seconds"/>, waits for B's wire to go quiet; returns frames sent and received and each node's CPU seconds.</summary>
    private static (long Offered, long Received, double CpuA, double CpuB) Measure(Sender sender, FrameCounter counter, int pidA, int pidB, int rate, double seconds)
    {
        var (cpuA, cpuB) = (CpuSeconds(pidA), CpuSeconds(pidB));
        var received = counter.Received;
        var sent = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            // Paced in 1 ms steps: send what the rate owes by now.
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                sender.Send();
            }

            Thread.Sleep(1);
        }

        // The tail: frames still in the nodes' queues when the sending stopped.
        var last = -1L;
        while (counter.Received != last)
        {
            last = counter.Received;
            Thread.Sleep(300);
        }

        return (sent, counter.Received - received, CpuSeconds(pidA) - cpuA, CpuSeconds(pidB) - cpuB);
    }

    /// <summary>utime + stime of <paramref name="pid"/> (/proc/PID/stat, fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string Node(string id, string group, string bridge) => $"""
        node:
          id: {id}
        groups:
          trip:
            uri: {group}
        domain:
          interface: {NamespaceLan.HostInterface}
        bridge:
        {bridge}
        """;

    private static void AddSubstationLan(string host, string nodeEnd, string iedEnd)
    {
        IpCommand.Run("-n", host, "link", "add", nodeEnd, "type", "veth", "peer", "name", iedEnd);
        IpCommand.Run("-n", host, "link", "set", nodeEnd, "up");
        IpCommand.Run("-n", host, "link", "set", iedEnd, "up");
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>Substation A's IEDs: <c>blocks</c> control blocks, each frame the next state of the next one.</summary>
    private sealed class Sender(GooseLinkSocket socket, int blocks)
    {
        private readonly uint[] _stNum = new uint[blocks];
        private readonly string[] _gocbRefs = [.. Enumerable.Range(0, blocks).Select(i => $"SUBA{i}LD0/LLN0$GO$gcbTrip")];
        private readonly ArrayBufferWriter<byte> _apdu = new(512);
        private readonly ArrayBufferWriter<byte> _frame = new(1024);
        private readonly GooseData[] _values = [.. Enumerable.Range(0, 8).SelectMany(i => new GooseData[] { new GooseBoolean(i % 2 == 0), new GooseBitString(new byte[] { 0x00, 0x00 }, 3) })];
        private int _next;

        public void Send()
        {
            var block = _next;
            _next = (_next + 1) % _stNum.Length;
            var stNum = ++_stNum[block];
            _apdu.ResetWrittenCount();
            GooseCodec.Encode(new GooseApdu { GocbRef = _gocbRefs[block], DatSet = "SUBA1LD0/LLN0$Trip", TimeAllowedToLive = 30_000, ConfRev = 1, StNum = stNum, AllData = _values }, _apdu);
            _frame.ResetWrittenCount();
            GooseFrameCodec.Encode(new GooseFrameHeader { Destination = MacAddress.Goose(1), Source = socket.Address, AppId = 0x1001 }, _apdu.WrittenSpan, _frame);
            socket.Send(_frame.WrittenSpan);
        }
    }

    /// <summary>Counts the GOOSE frames on B's wire on a thread of its own.</summary>
    private sealed class FrameCounter : IAsyncDisposable
    {
        private readonly GooseLinkSocket _socket;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _received;

        public FrameCounter(GooseLinkSocket socket)
        {
            _socket = socket;
            _loop = Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);
        }

        public long Received => Interlocked.Read(ref _received);

        /// <summary>Stops the thread: closing the socket ends its blocking receive.</summary>
        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Dispose();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private void Run()
        {
            var buffer = new byte[2048];
            while (!_stop.IsCancellationRequested)
            {
                _ = _socket.ReceiveGoose(buffer, GooseCaptureFilter.All);
                Interlocked.Increment(ref _received);
            }
        }
    }
}
