using System.Globalization;
using Bridge.Testing;
using Bridge.Testing.Modbus;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// Issue 13's real peers across two multicast domains joined by a gateway pair (network
/// namespaces, <see cref="RoutedDomains"/>): mbpoll (libmodbus) is the head-end's master of a
/// <c>gridcast run --config</c> node with <c>bridge.modbus.listen</c> in domain 1, and
/// <c>gridcast run --config</c> nodes with <c>bridge.modbus.device</c>, each beside its own
/// pymodbus device, sit in both domains (one in domain 1, two in domain 2).
/// </summary>
/// <remarks>
/// <para>
/// Domain 1: gw-d1, the head-end node, device node A. Domain 2: gw-d2 (it dials gw-d1), device
/// nodes B and C. Every node names the one group; the head-end maps holding register 10 of unit 1
/// to it (to-group, a master's write is a group command) and three aggregating blocks (sum and
/// count, mean, and a sum with quorum 3). Each device node maps register 10 of its device to the
/// group (from-group): a command is written there, and a request is answered by reading it.
/// The gateways learn their domain's members from the nodes' member reports.
/// </para>
/// <para>
/// No sleeps: the overlay has converged once a master's write is seen in a device of domain 2
/// (the test writes and reads back until it is), and later writes are read back until they
/// show, within a bound.
/// </para>
/// </remarks>
public sealed class ModbusAcrossDomainsTests(ITestOutputHelper output)
{
    private const int HeadEndPort = 1502;
    private const int DevicePort = 5020;

    [Fact]
    public async Task Mbpoll_WriteAndAggregatedReadsOnTheHeadEnd_ReachEveryDeviceInBothDomainsAndAStoppedOneIsNotCounted()
    {
        await using var net = await Deployment.StartAsync(output);

        // A master's write reaches every device of the group, in both domains.
        await net.WriteHeadEndAsync(4321);
        foreach (var device in net.Devices)
        {
            await net.WaitForRegisterAsync(device, 4321);
        }

        // Distinct values, written to each device directly: the aggregate is theirs, not the command's.
        ushort[] values = [101, 202, 303];
        foreach (var (device, value) in net.Devices.Zip(values))
        {
            await net.WriteDeviceAsync(device, value);
        }

        Assert.Equal(["606", "3"], await net.ReadHeadEndAsync("4", 100, 2));
        Assert.Equal(["202"], await net.ReadHeadEndAsync("4:float", 110, 1));
        Assert.Equal(["606"], await net.ReadHeadEndAsync("4", 120, 1));

        // Device C (domain 2) stops: the sum and count leave it out, the quorum block says so with 0x0B.
        await net.Devices[2].Pymodbus.StopAsync();

        Assert.Equal(["303", "2"], await net.ReadHeadEndAsync("4", 100, 2));
        Assert.Equal(["151.5"], await net.ReadHeadEndAsync("4:float", 110, 1));
        var (code, transcript) = await net.TryReadHeadEndAsync("4", 120, 1);
        Assert.True(code != 0, transcript);
        Assert.Contains("Target device failed to respond", transcript, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A device node, its host and the pymodbus device beside it.</summary>
    private sealed record DeviceNode(string Id, NamespaceHost Host, PymodbusServer Pymodbus);

    /// <summary>The two domains with their gateways, the head-end node and the device nodes, running.</summary>
    private sealed class Deployment : GatewayTestbed
    {
        private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(60);

        private Deployment(TempDirectory files, RoutedDomains domains)
            : base(files, domains, "modbus")
        {
            var (d1, d2) = (domains.Domains[0], domains.Domains[1]);
            G1 = new GatewayHost("gw-d1", d1.Hosts[0]);
            G2 = new GatewayHost("gw-d2", d2.Hosts[0]);
            HeadEndHost = d1.Hosts[1];
            DeviceHosts = [("device-a", d1.Hosts[2]), ("device-b", d2.Hosts[1]), ("device-c", d2.Hosts[2])];
        }

        public GatewayHost G1 { get; }

        public GatewayHost G2 { get; }

        public NamespaceHost HeadEndHost { get; }

        public IReadOnlyList<(string Id, NamespaceHost Host)> DeviceHosts { get; }

        public List<DeviceNode> Devices { get; } = [];

        public static Task<Deployment> StartAsync(ITestOutputHelper output)
            => StartAsync("modbus", [3, 3], static (files, domains) => new Deployment(files, domains), net => net.ConvergeAsync(output));

        /// <summary>mbpoll on the head-end's host writes <paramref name="value"/> to its holding register 10.</summary>
        public async Task WriteHeadEndAsync(ushort value)
        {
            var (code, transcript) = await MbpollAsync(HeadEndHost, HeadEndPort, ["-t", "4", "-r", "10", "127.0.0.1", Text(value)]);
            Assert.True(code == 0, transcript + Transcripts());
        }

        /// <summary>mbpoll on the head-end's host reads <paramref name="count"/> values of <paramref name="type"/> from <paramref name="start"/>; returns what it printed for each.</summary>
        public async Task<string[]> ReadHeadEndAsync(string type, int start, int count)
        {
            var (code, transcript) = await TryReadHeadEndAsync(type, start, count);
            Assert.True(code == 0, transcript + Transcripts());
            return [.. Enumerable.Range(0, count).Select(i => Printed(transcript, start + (i * (type.EndsWith("float", StringComparison.Ordinal) ? 2 : 1))))];
        }

        /// <summary>As <see cref="ReadHeadEndAsync"/>, returning mbpoll's exit code and output.</summary>
        public Task<(int Code, string Transcript)> TryReadHeadEndAsync(string type, int start, int count)
            => MbpollAsync(HeadEndHost, HeadEndPort, ["-t", type, "-B", "-r", Text(start), "-c", Text(count), "-1", "127.0.0.1"]);

        /// <summary>mbpoll beside <paramref name="device"/> writes its register 10 directly.</summary>
        public async Task WriteDeviceAsync(DeviceNode device, ushort value)
        {
            var (code, transcript) = await MbpollAsync(device.Host, DevicePort, ["-t", "4", "-r", "10", "127.0.0.1", Text(value)]);
            Assert.True(code == 0, transcript + Transcripts());
        }

        /// <summary>Reads <paramref name="device"/>'s register 10 until it holds <paramref name="value"/> (a group command takes its time to arrive).</summary>
        public async Task WaitForRegisterAsync(DeviceNode device, ushort value)
        {
            string last = "";
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var (code, transcript) = await MbpollAsync(device.Host, DevicePort, ["-t", "4", "-r", "10", "-c", "1", "-1", "127.0.0.1"]);
                last = transcript;
                if (code == 0 && Printed(transcript, 10) == Text(value))
                {
                    return;
                }
            }

            Assert.Fail($"register 10 of {device.Id} never held {value}; last read:\n{last}\n{Transcripts()}");
        }

        private async Task ConvergeAsync(ITestOutputHelper output)
        {
            Output = output;
            await GatewayFiles.MakeCertificatesAsync(Files.Path, "GridCast Modbus Test CA", [G1, G2]);
            GatewayFiles.WriteTransit(Files.Path, G1, Group, [(G2, false)], learnMembers: true, acceptLeaves: false);
            GatewayFiles.WriteTransit(Files.Path, G2, Group, [(G1, true)], learnMembers: true, acceptLeaves: false);
            await Task.WhenAll(new[] { G1, G2 }.Select(StartGatewayAsync));

            foreach (var (id, host) in DeviceHosts)
            {
                var pymodbus = await PymodbusServer.StartAsync(DevicePort, host);
                Track(pymodbus.Process);
                Devices.Add(new DeviceNode(id, host, pymodbus));
                await StartNodeAsync(host, id, $"""
                      modbus:
                        device: 127.0.0.1:{DevicePort}
                        units: [1]
                      rules:
                        - name: setpoint
                          modbus: unit=1 holding=10 type=u16
                          group: stream
                          direction: from-group
                    """);
            }

            await StartNodeAsync(HeadEndHost, "head-end", $"""
                  modbus:
                    listen: 127.0.0.1:{HeadEndPort}
                    units: [1]
                  rules:
                    - name: setpoint
                      modbus: unit=1 holding=10 type=u16
                      group: stream
                      direction: to-group
                    - name: total
                      modbus: unit=1 holding=100-101 type=u16 aggregate=sum,count deadline=3s
                      group: stream
                      direction: from-group
                    - name: average
                      modbus: unit=1 holding=110-111 type=f32 aggregate=mean deadline=3s
                      group: stream
                      direction: from-group
                    - name: all-three
                      modbus: unit=1 holding=120 type=u16 aggregate=sum quorum=3 deadline=3s
                      group: stream
                      direction: from-group
                """);

            // Converged once a master's write reaches the far domain: write again until it has.
            var started = Clock.Elapsed;
            var far = Devices[1];
            for (ushort value = 1; ; value++)
            {
                await WriteHeadEndAsync(value);
                var (code, transcript) = await MbpollAsync(far.Host, DevicePort, ["-t", "4", "-r", "10", "-c", "1", "-1", "127.0.0.1"]);
                if (code == 0 && Printed(transcript, 10) == Text(value))
                {
                    break;
                }

                Assert.True(Clock.Elapsed - started < Convergence, $"no write reached {far.Id} in domain 2 within {Convergence}\n{Transcripts()}");
            }

            output.WriteLine($"overlay converged: a write reached domain 2 after {(Clock.Elapsed - started).TotalMilliseconds:F0} ms");
        }

        private async Task StartNodeAsync(NamespaceHost host, string id, string bridge)
        {
            var path = Path.Combine(Files.Path, id + ".yaml");
            await File.WriteAllTextAsync(path, $"""
                node:
                  id: {id}
                groups:
                  stream:
                    uri: {Group}
                domain:
                  interface: {RoutedDomains.HostInterface}
                bridge:
                {bridge}
                """);
            var run = Track(host.StartGridcast("run", "--config", path));
            await run.WaitForLineAsync(l => l.Contains("Bridge running", StringComparison.Ordinal), Patience);
        }

        private static async Task<(int Code, string Transcript)> MbpollAsync(NamespaceHost host, int port, string[] arguments)
        {
            var mbpoll = Prerequisites.Command("mbpoll", "mbpoll", "the Modbus test across two domains with a real master (mbpoll)");
            string[] common = ["-m", "tcp", "-p", Text(port), "-0", "-o", "10", "-a", "1"];
            await using var process = host.Start(mbpoll, [.. common, .. arguments]);
            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (code, process.Transcript());
        }

        private static string Printed(string transcript, int register)
        {
            var prefix = $"[{Text(register)}]:";
            var line = transcript.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            return line is null ? string.Empty : line[prefix.Length..].Trim();
        }

        private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
