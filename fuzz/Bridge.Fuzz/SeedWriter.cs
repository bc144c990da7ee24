using System.Buffers;
using System.Text;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Fuzz;

/// <summary>
/// Writes the seeds of the binary GridCast and Modbus targets with the real encoders, from the
/// same values the codec tests round-trip, so every seed is a valid input the fuzzer mutates from.
/// The IEC 61850 seeds come from the captures in shared/iec61850 (fuzz/seeds-from-captures.py) and
/// the mapping seeds from the example configurations.
/// </summary>
public static class SeedWriter
{
    private static readonly GroupName[] Groups =
    [
        GroupName.Parse("ham:sg:ami.tariff.rtp"),
        GroupName.Parse("ham:sg:vpp.schedule"),
        GroupName.Parse("ham:ip:239.192.0.7:5000"),
    ];

    /// <summary>Writes every seed under <paramref name="root"/>/TARGET/; returns how many files.</summary>
    public static int WriteAll(string root)
    {
        var seeds = new List<(string Target, string Name, byte[] Bytes)>();
        var data = Frame(FrameType.Data, Groups[0], "tariff 0.21 EUR/kWh"u8.ToArray());
        var hello = new GatewayHello(new GatewayId("gw-a"), 200, true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), Groups);
        var helloBytes = GatewayHelloCodec.Encode(hello);

        seeds.Add(("frame-datagram", "data", data));
        seeds.Add(("frame-datagram", "fragment", Frame(FrameType.Data, Groups[1], new byte[40], fragmentIndex: 1, fragmentCount: 3, messageLength: 100)));
        seeds.Add(("frame-datagram", "tagged", Frame(FrameType.Heartbeat, Groups[2], [], tag: new byte[16])));
        seeds.Add(("frame-stream", "two-frames", [3, .. data, .. Frame(FrameType.Membership, Groups[0], helloBytes)]));
        seeds.Add(("frame-stream", "one-frame", [60, .. data]));

        var relay = RelayCodec.Encode(new GatewayId("gw-ingress"), Decode(data), data);
        seeds.Add(("relay", "data", Decode(relay).Payload.ToArray()));

        var advertisement = new LinkStateAdvertisement(
            new GatewayId("gw-a"), 42, [new AdvertisedLink(new GatewayId("gw-b"), 1500), new AdvertisedLink(new GatewayId("gw-c"), 70000)], Groups);
        var buffer = new ArrayBufferWriter<byte>();
        FloodingMessageCodec.EncodeAdvertisement(advertisement, 1200, buffer);
        seeds.Add(("link-state", "advertisement", buffer.WrittenSpan.ToArray()));
        buffer.ResetWrittenCount();
        FloodingMessageCodec.EncodeAck(new GatewayId("gw-a"), 42, buffer);
        seeds.Add(("link-state", "ack", buffer.WrittenSpan.ToArray()));

        seeds.Add(("hello", "three-groups", helloBytes));
        seeds.Add(("hello", "no-groups", GatewayHelloCodec.Encode(hello with { Groups = [], Ready = false })));
        seeds.Add(("report", "member", MemberReportFormat.Default.Encode(new Bridge.Multicast.Endpoint.MembershipReport(0x1234, 3, TimeSpan.FromSeconds(10), Groups), 1_700_000_000_000_000)));

        var spec = new AggregationSpec
        {
            Functions = AggregateFunctions.All,
            HistogramBounds = [-1.5, 0, 10, 1e9],
            CollectMaxItems = 100,
            CollectMaxBytes = 4096,
            WantMissingIds = true,
        };
        seeds.Add(("agg-request", "full", AggregationRequestCodec.Encode(new AggregationRequest(0xFEDC_BA98_7654_3210, spec, TimeSpan.FromMilliseconds(2500)))));
        seeds.Add(("agg-request", "count-sum", AggregationRequestCodec.Encode(new AggregationRequest(7, new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum }, TimeSpan.FromSeconds(2)))));
        seeds.Add(("agg-reply", "with-data", ReplyCodec.Encode(new Reply(9, ulong.MaxValue, -230.125, new byte[] { 1, 2, 3 }))));
        seeds.Add(("agg-reply", "plain", ReplyCodec.Encode(new Reply(1, 2, 3))));
        seeds.Add(("agg-partial", "full", PartialAggregateCodec.Encode(new PartialAggregate
        {
            RequestId = 99,
            MembershipKnown = true,
            Contributors = 4,
            SumUnits = ValueUnits.ToUnits(10.25),
            Min = -1,
            Max = 7.25,
            Late = 2,
            MembersKnown = 10,
            MissingCount = 6,
            MissingMemberIds = [3, 8, 1000],
            MissingSubtreeCount = 3,
            MissingSubtrees = [new GatewayId("gw-a"), new GatewayId("gw-b")],
            PartialsMerged = 5,
            Histogram = [1, 1, 1, 1, 0],
            Items = [new CollectedItem(1, -1, Encoding.UTF8.GetBytes("ok")), new CollectedItem(2, 7.25, ReadOnlyMemory<byte>.Empty)],
            CollectOverflow = 2,
            CollectCut = new CollectedItem(5, 1, Encoding.UTF8.GetBytes("xyz")),
        })));
        seeds.Add(("agg-partial", "empty", PartialAggregateCodec.Encode(new PartialAggregate { RequestId = 1 })));

        AddModbus(seeds);

        foreach (var (target, name, bytes) in seeds)
        {
            var folder = Path.Combine(root, target);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, $"seed-{name}"), bytes);
        }

        return seeds.Count;
    }

    // Server seeds (first byte even) are request streams; client seeds (odd) name the request in
    // bytes 1 to 5 and carry its response.
    private static void AddModbus(List<(string, string, byte[])> seeds)
    {
        var read = ModbusRequest.ReadHoldingRegisters(100, 4);
        var coils = ModbusRequest.ReadCoils(0, 10);
        var write = ModbusRequest.WriteMultipleRegisters(10, [1, 2, 3]);
        var readWrite = ModbusRequest.ReadWriteMultipleRegisters(0, 2, 50, [7]);
        seeds.Add(("modbus", "server-requests", [0, 0, 0, 0, 0, 0, .. Request(1, read), .. Request(2, coils), .. Request(3, write), .. Request(4, readWrite), .. Request(5, ModbusRequest.WriteSingleCoil(3, true))]));
        seeds.Add(("modbus", "client-registers", [1, 2, 0, 100, 0, 4, .. Response(1, ModbusResponse.Registers(read, [1, 2, 3, 4]))]));
        seeds.Add(("modbus", "client-coils", [1, 0, 0, 0, 0, 10, .. Response(1, ModbusResponse.Coils(coils, [true, false, true, true, false, false, false, false, true, true]))]));
        seeds.Add(("modbus", "client-exception", [1, 2, 0, 100, 0, 4, .. Response(1, ModbusResponse.Exception(read, ModbusExceptionCode.IllegalDataAddress))]));
        seeds.Add(("modbus", "client-written", [1, 6, 0, 10, 0, 3, .. Response(1, ModbusResponse.Written(write))]));
    }

    private static byte[] Request(ushort transaction, ModbusRequest request)
    {
        var bytes = new byte[ModbusTcpFrame.GetRequestSize(request)];
        ModbusTcpFrame.EncodeRequest(transaction, 1, request, bytes);
        return bytes;
    }

    private static byte[] Response(ushort transaction, ModbusResponse response)
    {
        var bytes = new byte[ModbusTcpFrame.GetResponseSize(response)];
        ModbusTcpFrame.EncodeResponse(transaction, 1, response, bytes);
        return bytes;
    }

    private static byte[] Frame(FrameType type, GroupName group, byte[] payload, ushort fragmentIndex = 0, ushort fragmentCount = 1, uint messageLength = 0, byte[]? tag = null)
    {
        var frame = new GridCastFrame
        {
            Type = type,
            ContentType = ContentType.Raw,
            Group = Encoding.UTF8.GetBytes(group.WireName),
            SourceId = 0xABCDEF,
            Sequence = 17,
            TimestampMicroseconds = 1_700_000_000_000_000,
            FragmentIndex = fragmentIndex,
            FragmentCount = fragmentCount,
            MessageLength = messageLength == 0 ? (uint)payload.Length : messageLength,
            Payload = payload,
            Tag = tag ?? ReadOnlyMemory<byte>.Empty,
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }

    private static GridCastFrame Decode(byte[] datagram)
    {
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error))
        {
            throw new InvalidOperationException($"a seed the decoder rejects: {error}");
        }

        return frame;
    }
}
