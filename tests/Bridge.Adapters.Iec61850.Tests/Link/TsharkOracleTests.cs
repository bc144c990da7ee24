using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Link;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

namespace Bridge.Adapters.Iec61850.Tests.Link;

/// <summary>
/// tshark as the oracle: GOOSE frames our code puts on a veth in a network namespace (through
/// <see cref="GooseLinkSocket"/>) and R-GOOSE datagrams it sends over UDP, captured by tshark on
/// the other host of the LAN, decode field by field to the values that were sent.
/// </summary>
public sealed class TsharkOracleTests
{
    private const string Purpose = "the GOOSE oracle tests (tshark's goose and r-goose dissectors)";
    private const string GocbRef = "GRIDCAST1LD0/LLN0$GO$gcbTrip";
    private const string DatSet = "GRIDCAST1LD0/LLN0$Trip";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly GooseData[] Values =
    [
        new GooseBoolean(true),
        new GooseInteger(-5),
        new GooseUnsigned(70000),
        new GooseFloat32(1.5f),
        new GooseBitString(new byte[] { 0x40, 0x00 }, 3),
        new GooseVisibleString("open"),
        new GooseOctetString(new byte[] { 0xde, 0xad }),
        new GooseStructure([new GooseInteger(7), new GooseBoolean(false)]),
    ];

    [Fact]
    public async Task GooseFramesSentOnAVeth_DecodedByTshark_HaveTheValuesSent()
    {
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        using var lan = NamespaceLan.Create(2);
        var (publisherHost, captureHost) = (lan.Hosts[0], lan.Hosts[1]);
        string[] fields =
        [
            "goose.appid", "goose.gocbRef", "goose.timeAllowedtoLive", "goose.datSet", "goose.goID", "goose.stNum", "goose.sqNum",
            "goose.simulation", "goose.confRev", "goose.ndsCom", "goose.numDatSetEntries", "goose.boolean", "goose.integer",
            "goose.unsigned", "goose.float_value", "goose.bit_string", "goose.visible_string", "goose.octet_string", "goose.structure",
            "eth.dst", "vlan.priority", "goose.reserve1.s_bit", "goose.t",
        ];
        var publisher = new GoosePublisher(GocbRef, DatSet, "trip", 3, new GooseRetransmissionOptions { FirstInterval = TimeSpan.FromMilliseconds(2), Heartbeat = TimeSpan.FromMilliseconds(16) });
        var t = UtcTime.FromDateTimeOffset(new DateTimeOffset(2026, 12, 4, 13, 50, 47, 250, TimeSpan.Zero), 0x0a);
        publisher.Publish(TimeSpan.Zero, t, Values);
        while (publisher.PollTimeout() is { } due && due <= TimeSpan.FromMilliseconds(30))
        {
            publisher.HandleTimeout(due);
        }

        var apdus = new List<GooseTransmit>();
        while (publisher.TryPollTransmit(out var transmit))
        {
            apdus.Add(transmit);
        }

        Assert.Equal(5, apdus.Count); // at 0, 2, 6, 14 and 30 ms: the interval doubles up to 16
        await using var capture = captureHost.Start(tshark, Capture(apdus.Count, "ether proto 0x88b8 or (vlan and ether proto 0x88b8)", fields));
        await capture.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);

        using var socket = NetworkNamespace.Run(publisherHost.Name, () => GooseLinkSocket.Open(NamespaceLan.HostInterface));
        var header = new GooseFrameHeader
        {
            Destination = MacAddress.Goose(0x0005),
            Source = socket.Address,
            Vlan = new VlanTag(6, false, 0),
            AppId = 0x1234,
            Reserved1 = GooseFrameHeader.SimulateBit,
        };
        var frames = apdus.Select(apdu =>
        {
            var frame = new ArrayBufferWriter<byte>();
            GooseFrameCodec.Encode(header, apdu.Apdu.Span, frame);
            return frame.WrittenMemory;
        }).ToList();
        await SendUntilCapturedAsync(capture, apdus.Count, () => frames.ForEach(f => socket.Send(f.Span)));

        var lines = Lines(capture);
        Assert.Equal(apdus.Count, lines.Count);
        foreach (var line in lines)
        {
            var got = fields.Zip(line).ToDictionary(p => p.First, p => p.Second);
            var apdu = apdus.Single(a => a.SqNum.ToString(CultureInfo.InvariantCulture) == got["goose.sqNum"]);
            Assert.Equal("0x1234", got["goose.appid"]);
            Assert.Equal(GocbRef, got["goose.gocbRef"]);
            Assert.Equal(apdu.TimeAllowedToLive.ToString(CultureInfo.InvariantCulture), got["goose.timeAllowedtoLive"]);
            Assert.Equal(DatSet, got["goose.datSet"]);
            Assert.Equal("trip", got["goose.goID"]);
            Assert.Equal("1", got["goose.stNum"]);
            Assert.Equal(apdu.SqNum.ToString(CultureInfo.InvariantCulture), got["goose.sqNum"]);
            Assert.Equal("0", got["goose.simulation"]);
            Assert.Equal("3", got["goose.confRev"]);
            Assert.Equal("0", got["goose.ndsCom"]);
            Assert.Equal("8", got["goose.numDatSetEntries"]);
            Assert.Equal("1,0", got["goose.boolean"]);
            Assert.Equal("-5,7", got["goose.integer"]);
            Assert.Equal("70000", got["goose.unsigned"]);
            Assert.Equal("1.5", got["goose.float_value"]);
            Assert.Equal("4000", got["goose.bit_string"]);
            Assert.Equal("open", got["goose.visible_string"]);
            Assert.Equal("dead", got["goose.octet_string"]);
            Assert.Equal("2", got["goose.structure"]);
            Assert.Equal("01:0c:cd:01:00:05", got["eth.dst"]);
            Assert.Equal("6", got["vlan.priority"]);
            Assert.Equal("1", got["goose.reserve1.s_bit"]);
            Assert.StartsWith("Dec  4, 2026 13:50:47.2", got["goose.t"], StringComparison.Ordinal);
        }

        Assert.Equal([0u, 1, 2, 3, 4], apdus.Select(a => a.SqNum));
        Assert.Equal(apdus.Count, lines.Select(l => l[Array.IndexOf(fields, "goose.sqNum")]).Distinct().Count());
    }

    [Fact]
    public async Task RGooseDatagramsSentOverUdp_DecodedByTshark_HaveTheValuesSent()
    {
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        using var lan = NamespaceLan.Create(2);
        var (publisherHost, captureHost) = (lan.Hosts[0], lan.Hosts[1]);
        string[] fields = ["rgoose.spdu_id", "rgoose.spdu_num", "rgoose.version", "rgoose.key_id", "rgoose.appid", "rgoose.simulation", "goose.gocbRef", "goose.datSet", "goose.stNum", "goose.sqNum", "goose.integer", "goose.boolean"];
        var publisher = new GoosePublisher(GocbRef, DatSet, null, 1);
        publisher.Publish(TimeSpan.Zero, new UtcTime(1_796_392_247, 0, 0x0a), [new GooseInteger(1234), new GooseBoolean(true)]);
        publisher.HandleTimeout(publisher.PollTimeout()!.Value);
        publisher.HandleTimeout(publisher.PollTimeout()!.Value);
        var datagrams = new List<byte[]>();
        for (var number = 40u; publisher.TryPollTransmit(out var transmit); number++)
        {
            var header = new RGooseSessionHeader { SpduNumber = number };
            var bytes = new byte[RGooseCodec.GetEncodedSize(header, transmit.Apdu.Length)];
            RGooseCodec.Encode(header, 0x4001, simulation: false, transmit.Apdu.Span, bytes);
            datagrams.Add(bytes);
        }

        await using var capture = captureHost.Start(tshark, Capture(datagrams.Count, "udp port 102", fields));
        await capture.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);
        using var udp = NetworkNamespace.Run(publisherHost.Name, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(publisherHost.IPv4, RGooseCodec.Port));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, publisherHost.IPv4.GetAddressBytes());
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
            return socket;
        });
        var group = new IPEndPoint(IPAddress.Parse("230.0.10.11"), RGooseCodec.Port);
        await SendUntilCapturedAsync(capture, datagrams.Count, () => datagrams.ForEach(d => udp.SendTo(d, group)));

        var lines = Lines(capture).DistinctBy(l => l[1]).OrderBy(l => int.Parse(l[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(
            [
                ["0xa1", "40", "0x0002", "0x00000000", "0x4001", "0x00", GocbRef, DatSet, "1", "0", "1234", "1"],
                ["0xa1", "41", "0x0002", "0x00000000", "0x4001", "0x00", GocbRef, DatSet, "1", "1", "1234", "1"],
                ["0xa1", "42", "0x0002", "0x00000000", "0x4001", "0x00", GocbRef, DatSet, "1", "2", "1234", "1"],
            ],
            lines);
    }

    [Fact]
    public async Task ReceiveGooseAsync_FramesFromAnotherHost_KeepsWhatTheFilterSelects()
    {
        Prerequisites.LinuxRoot("the GOOSE link-layer tests (AF_PACKET sockets in namespaces)");
        using var lan = NamespaceLan.Create(2);
        using var sender = NetworkNamespace.Run(lan.Hosts[0].Name, () => GooseLinkSocket.Open(NamespaceLan.HostInterface));
        using var receiver = NetworkNamespace.Run(lan.Hosts[1].Name, () => GooseLinkSocket.Open(NamespaceLan.HostInterface));
        var filter = new GooseCaptureFilter { AppIds = new HashSet<ushort> { 0x0001, 0x0002 }, GocbRefs = new HashSet<string> { GocbRef } };
        var kept = new List<(ushort AppId, uint SqNum)>();
        using var deadline = new CancellationTokenSource(Patience);
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (kept.Count < 2)
            {
                var frame = await receiver.ReceiveGooseAsync(buffer, filter, deadline.Token);
                Assert.True(GooseCodec.TryDecodeView(frame.Apdu, out var view, out var rejection), rejection.ToString());
                kept.Add((frame.Header.AppId, view.SqNum));
            }
        });

        // Frames the filter drops (another APPID, another gocbRef) go first; the sender repeats
        // the round until the receiver has kept two frames, since the receiving socket may start
        // reading after the first round went by.
        for (uint round = 0; !receiving.IsCompleted && !deadline.IsCancellationRequested; round++)
        {
            Send(sender, appId: 0x0003, GocbRef, sqNum: round);
            Send(sender, appId: 0x0001, "OTHER/LLN0$GO$gcb", sqNum: round);
            Send(sender, appId: 0x0002, GocbRef, sqNum: round);
            await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        }

        await receiving;
        Assert.All(kept, k => Assert.Equal(0x0002, k.AppId));
        Assert.True(receiver.Counters.FilteredOut >= 2 * (kept.Count - 1), $"filtered out {receiver.Counters.FilteredOut}");
        Assert.Equal(kept.Count, receiver.Counters.Captured);
        Assert.Equal(sender.Address, MacAddress.Parse(IpCommand.Run("-n", lan.Hosts[0].Name, "-br", "link", "show", NamespaceLan.HostInterface).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]));
    }

    private static void Send(GooseLinkSocket socket, ushort appId, string gocbRef, uint sqNum)
    {
        var apdu = new ArrayBufferWriter<byte>();
        GooseCodec.Encode(new GooseApdu { GocbRef = gocbRef, DatSet = DatSet, SqNum = sqNum, StNum = 1, AllData = [new GooseBoolean(true)] }, apdu);
        var frame = new ArrayBufferWriter<byte>();
        GooseFrameCodec.Encode(new GooseFrameHeader { Destination = MacAddress.Goose(1), Source = socket.Address, AppId = appId }, apdu.WrittenSpan, frame);
        socket.Send(frame.WrittenSpan);
    }

    // tshark says when its capture has started, but a frame sent right then can still be missed:
    // send the whole batch again until tshark has printed `count` lines (and exits, -c).
    private static async Task SendUntilCapturedAsync(ExternalProcess capture, int count, Action sendRound)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Lines(capture).Count < count && clock.Elapsed < Patience)
        {
            sendRound();
            try
            {
                await capture.WaitForLineAsync(l => Lines(capture).Count >= count, TimeSpan.FromMilliseconds(500));
            }
            catch (TimeoutException)
            {
                // Not all seen yet: another round.
            }
        }

        Assert.Equal(0, await capture.WaitForExitAsync(Patience));
    }

    private static List<string[]> Lines(ExternalProcess capture)
        => [.. capture.StandardOutput.Where(l => l.Contains('|', StringComparison.Ordinal)).Select(l => l.Split('|'))];

    private static string[] Capture(int count, string filter, string[] fields)
        => ["-i", NamespaceLan.HostInterface, "-l", "-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-f", filter, "-T", "fields", "-E", "separator=|", .. fields.SelectMany(f => new[] { "-e", f })];
}
