using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Link;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Bridge.Benchmarks.Goose;

/// <summary>
/// GOOSE frames over a veth pair through the two ways of reaching the link layer: an AF_PACKET
/// socket (<see cref="GooseLinkSocket"/>) and libpcap through SharpPcap. Per way: the send rate
/// and the sender's CPU per frame, the share of a burst that arrives, and the one-way latency of
/// single frames (send, then wait until the receiver has it). Prints a Markdown table.
/// </summary>
/// <remarks>
/// Needs root and two interfaces joined as a veth pair, in a namespace of its own:
/// <c>unshare -n sh -c 'ip link add ga type veth peer name gb; ip link set ga up; ip link set gb up; exec dotnet Bridge.Benchmarks.dll goose-link --send ga --receive gb'</c>.
/// </remarks>
public static class GooseLinkComparison
{
    public static async Task<int> RunAsync(string[] args)
    {
        var send = Option(args, "--send", "ga");
        var receive = Option(args, "--receive", "gb");
        var frames = int.Parse(Option(args, "--frames", "100000"), CultureInfo.InvariantCulture);
        var pings = int.Parse(Option(args, "--pings", "2000"), CultureInfo.InvariantCulture);
        var frame = Frame();

        Console.WriteLine($"| way | send rate (frames/s) | CPU per frame, both ends (µs) | burst of {frames} received | one-way latency p50 (µs) | p99 (µs) | pings lost |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var way in Option(args, "--ways", "AF_PACKET,SharpPcap").Split(','))
        {
            await using var link = way == "AF_PACKET" ? (ILink)new PacketLink(send, receive) : new PcapLink(send, receive);
            Console.Error.WriteLine($"{way}: burst of {frames}");
            var (rate, cpu, received) = await BurstAsync(link, frame, frames);
            Console.Error.WriteLine($"{way}: {pings} pings");
            var (p50, p99, lost) = await PingsAsync(link, frame, pings);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {way} | {rate:N0} | {cpu:F2} | {received:N0} ({100.0 * received / frames:F1} %) | {p50:F0} | {p99:F0} | {lost} of {pings} |"));
        }

        return 0;
    }

    private static async Task<(double Rate, double CpuMicroseconds, long Received)> BurstAsync(ILink link, byte[] frame, int count)
    {
        var before = link.Received;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            link.Send(frame);
        }

        var elapsed = clock.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        // Let the receiver drain: stop when nothing more came for half a second.
        var last = -1L;
        while (link.Received != last)
        {
            last = link.Received;
            await Task.Delay(500);
        }

        return (count / elapsed.TotalSeconds, cpuUsed.TotalMicroseconds / count, link.Received - before);
    }

    private static async Task<(double P50, double P99, int Lost)> PingsAsync(ILink link, byte[] frame, int count)
    {
        var latencies = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var target = link.Received + 1;
            var clock = Stopwatch.StartNew();
            link.Send(frame);
            while (link.Received < target)
            {
                if (clock.Elapsed > TimeSpan.FromMilliseconds(200))
                {
                    break; // lost: not counted
                }

                Thread.SpinWait(20);
            }

            if (link.Received >= target)
            {
                latencies.Add(clock.Elapsed.TotalMicroseconds);
            }

            await Task.Yield();
        }

        latencies.Sort();
        return latencies.Count == 0
            ? (double.NaN, double.NaN, count)
            : (latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)], count - latencies.Count);
    }

    private static byte[] Frame()
    {
        var apdu = new ArrayBufferWriter<byte>();
        GooseCodec.Encode(
            new GooseApdu
            {
                GocbRef = "simpleIOGenericIO/LLN0$GO$gcbAnalogValues",
                TimeAllowedToLive = 500,
                DatSet = "simpleIOGenericIO/LLN0$AnalogValues",
                GoId = "simpleIOGenericIO/LLN0$GO$gcbAnalogValues",
                StNum = 1,
                ConfRev = 1,
                AllData = [new GooseInteger(1234), new GooseBinaryTime(new BinaryTime(0, 0)), new GooseInteger(5678)],
            },
            apdu);
        var frame = new ArrayBufferWriter<byte>();
        GooseFrameCodec.Encode(new GooseFrameHeader { Destination = MacAddress.Goose(1), Source = new MacAddress(0x02_00_00_00_00_01), AppId = 1000 }, apdu.WrittenSpan, frame);
        return frame.WrittenSpan.ToArray();
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private interface ILink : IAsyncDisposable
    {
        long Received { get; }

        void Send(byte[] frame);
    }

    private sealed class PacketLink : ILink
    {
        private readonly GooseLinkSocket _sender;
        private readonly GooseLinkSocket _receiver;
        private readonly Thread _loop;
        private long _received;

        public PacketLink(string send, string receive)
        {
            _sender = GooseLinkSocket.Open(send);
            _receiver = GooseLinkSocket.Open(receive);
            // A capture thread of its own with blocking reads, as SharpPcap has.
            _loop = new Thread(() =>
            {
                var buffer = new byte[2048];
                try
                {
                    while (true)
                    {
                        _receiver.ReceiveGoose(buffer, GooseCaptureFilter.All);
                        Interlocked.Increment(ref _received);
                    }
                }
                catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException)
                {
                    // Disposed: the run is over.
                }
            })
            { IsBackground = true, Name = "AF_PACKET capture" };
            _loop.Start();
        }

        public long Received => Interlocked.Read(ref _received);

        public void Send(byte[] frame) => _sender.Send(frame);

        public ValueTask DisposeAsync()
        {
            _receiver.Dispose();
            _loop.Join(TimeSpan.FromSeconds(2)); // a packet socket may not wake a blocked read on close; the thread is a background one
            _sender.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PcapLink : ILink
    {
        private readonly LibPcapLiveDevice _sender;
        private readonly LibPcapLiveDevice _receiver;
        private long _received;

        public PcapLink(string send, string receive)
        {
            var devices = LibPcapLiveDeviceList.New();
            _sender = devices.Single(d => d.Name == send);
            _receiver = devices.Single(d => d.Name == receive);
            _sender.Open(new DeviceConfiguration { Mode = DeviceModes.None });
            _receiver.Open(new DeviceConfiguration { Mode = DeviceModes.Promiscuous, Immediate = true, BufferSize = 16 << 20 });
            _receiver.Filter = "ether proto 0x88b8";
            var buffer = new byte[65536];
            _receiver.OnPacketArrival += (_, capture) =>
            {
                // The callback runs on SharpPcap's one capture thread: one reused buffer suffices.
                var data = capture.Data;
                data.CopyTo(buffer);
                if (GooseFrameCodec.TryDecode(buffer.AsMemory(0, data.Length), out GooseFrame _, out GooseFrameRejection _))
                {
                    Interlocked.Increment(ref _received);
                }
            };
            _receiver.StartCapture();
        }

        public long Received => Interlocked.Read(ref _received);

        public void Send(byte[] frame) => _sender.SendPacket(frame);

        public ValueTask DisposeAsync()
        {
            _receiver.StopCapture();
            _receiver.Close();
            _sender.Close();
            return ValueTask.CompletedTask;
        }
    }
}
