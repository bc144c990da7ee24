using System.Buffers;
using System.Text;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Mms;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Core.Configuration;
using Bridge.Host.Configuration;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Wire;
using static Bridge.Fuzz.FuzzHarness;

namespace Bridge.Fuzz;

/// <summary>
/// Every parser that reads bytes or text from outside, as one fuzz target each. Each target drives
/// the parser the way its caller in the bridge does (a datagram, a TCP stream cut into frames, a
/// payload inside a decoded frame) and checks the parser's own contract: accepted means a value
/// and no error, rejected means a named error. Exceptions are never caught here: one that escapes
/// is a finding.
/// </summary>
public static class FuzzTargets
{
    // The binary codecs allocate their results and little else: 64 KiB covers first-use tables,
    // and 64 bytes per input byte covers every decoded object a byte can stand for many times over.
    private const long BinaryFixed = 64 * 1024;
    private const long BinaryPerByte = 64;

    /// <summary>All targets, by name.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("frame-datagram", "GridCast frame, datagram mode (FrameCodec.TryDecodeDatagram)", FrameDatagram, 4096, BinaryFixed, BinaryPerByte),
        new("frame-stream", "GridCast frames from a TCP stream in two segments (FrameCodec.TryDecode over ReadOnlySequence)", FrameStream, 8192, BinaryFixed, BinaryPerByte),
        new("relay", "Relay payload inside a Relay frame (RelayCodec.TryDecode)", Relay, 4096, BinaryFixed, BinaryPerByte),
        new("link-state", "Link-state flooding message: advertisement or ack (FloodingMessageCodec, LinkStateAdvertisementCodec)", LinkState, 8192, BinaryFixed, BinaryPerByte),
        new("hello", "Designated-gateway election hello (GatewayHelloCodec.TryDecode)", Hello, 4096, BinaryFixed, BinaryPerByte),
        new("report", "Membership report: a Membership datagram carrying a member report or a leaf interest (FrameCodec, MemberReportCodec, LeafInterestCodec)", Report, 4096, BinaryFixed, BinaryPerByte),
        new("agg-request", "Aggregation request (AggregationRequestCodec.TryDecode)", AggregationRequestTarget, 4096, BinaryFixed, BinaryPerByte),
        new("agg-reply", "Aggregation reply (ReplyCodec.TryDecode)", AggregationReply, 4096, BinaryFixed, BinaryPerByte),
        new("agg-partial", "Partial aggregate (PartialAggregateCodec.TryDecode)", AggregationPartial, 8192, BinaryFixed, BinaryPerByte),

        // YAML and JSON readers build a node per token and an error message per mistake; the bound
        // is still linear in the input, which is what "bounded" means for a configuration file.
        new("mapping", "Node configuration with MQTT-to-group mapping rules, YAML or JSON (NodeConfigurationLoader.Parse)", Mapping, 4096, 8L * 1024 * 1024, 8 * 1024),
        new("modbus", "Modbus TCP stream: MBAP frames and request or response PDUs (ModbusTcpFrame, ModbusPdu)", Modbus, 4096, BinaryFixed, BinaryPerByte),
        new("goose", "GOOSE Ethernet frame and APDU with its dataset (GooseFrameCodec, GooseCodec)", Goose, 4096, BinaryFixed, BinaryPerByte),
        new("rgoose", "R-GOOSE UDP payload: session header, payload elements, GOOSE APDUs (RGooseCodec, RGoosePayloadReader, GooseCodec)", RGoose, 4096, BinaryFixed, BinaryPerByte),
        new("mms", "MMS over a TCP stream: TPKT, COTP, TSDU reassembly, session, presentation, ACSE, MMS (Tpkt, CotpCodec, StackCodec)", Mms, 16384, BinaryFixed, BinaryPerByte),
    ];

    /// <summary>The target called <paramref name="name"/>; null when there is none.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    private static void FrameDatagram(ReadOnlyMemory<byte> input)
    {
        var ok = FrameCodec.TryDecodeDatagram(input, out var frame, out var error);
        Check(ok == (error == FrameError.None), "frame-datagram", $"returned {ok} with error {error}");
        if (ok)
        {
            // What the decoder accepts every receiver accepts: Validate is the encoder's check.
            Check(FrameCodec.Validate(frame) == FrameError.None, "frame-datagram", $"decoded a frame Validate rejects ({FrameCodec.Validate(frame)})");
        }
    }

    // The first byte says where the stream is cut in two segments, so frames and headers that
    // straddle a segment boundary (the copy path of TryDecode) are reached as often as whole ones.
    private static void FrameStream(ReadOnlyMemory<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var stream = input[1..];
        var cut = stream.IsEmpty ? 0 : input.Span[0] % (stream.Length + 1);
        var sequence = Segments.Of(stream[..cut], stream[cut..]);
        while (true)
        {
            var ok = FrameCodec.TryDecode(sequence, out var frame, out var consumed, out var error);
            Check(ok == (error == FrameError.None), "frame-stream", $"returned {ok} with error {error}");
            if (!ok)
            {
                return;
            }

            var advanced = sequence.Slice(consumed);
            Check(advanced.Length < sequence.Length, "frame-stream", "accepted a frame without consuming bytes");
            Check(FrameCodec.Validate(frame) == FrameError.None, "frame-stream", "decoded a frame Validate rejects");
            sequence = advanced;
        }
    }

    private static readonly ReadOnlyMemory<byte> RelayGroup = Encoding.UTF8.GetBytes("ham:sg:ami.tariff.rtp");

    // The payload is what the fuzzer writes; the Relay frame around it is fixed, as the frame
    // codec has targets of its own.
    private static void Relay(ReadOnlyMemory<byte> input)
    {
        var relay = new GridCastFrame { Type = FrameType.Relay, Group = RelayGroup, SourceId = 7, Sequence = 1, Payload = input };
        var ok = RelayCodec.TryDecode(relay, out _, out var innerBytes, out var inner, out var error);
        Check(ok == (error == RelayError.None), "relay", $"returned {ok} with error {error}");
        if (ok)
        {
            Check(FrameCodec.Validate(inner) == FrameError.None, "relay", "decoded an inner frame Validate rejects");
            Check(innerBytes.Length <= input.Length, "relay", "inner bytes longer than the payload");
        }
    }

    private static void LinkState(ReadOnlyMemory<byte> input)
    {
        var ok = FloodingMessageCodec.TryDecode(input.Span, out var message, out var error);
        Check(ok == (error == LsaError.None), "link-state", $"returned {ok} with error {error}");
        if (ok && message.Kind == FloodingMessageKind.Advertisement)
        {
            Check(message.Advertisement is not null, "link-state", "an advertisement message without its advertisement");
        }
    }

    private static void Hello(ReadOnlyMemory<byte> input)
    {
        var ok = GatewayHelloCodec.TryDecode(input.Span, out var hello, out var error);
        Check(ok == (error == HelloError.None) && ok == (hello is not null), "hello", $"returned {ok} with error {error}");
    }

    private static void Report(ReadOnlyMemory<byte> input)
    {
        if (!FrameCodec.TryDecodeDatagram(input, out var frame, out _) || frame.Type != FrameType.Membership || frame.IsFragment)
        {
            return;
        }

        // A Membership payload is a member report or a leaf's interest (docs/wire-format.md §5.1.2.1, §5.1.2.2).
        var ok = MemberReportCodec.TryDecode(frame.Payload.Span, out var report, out var error);
        Check(ok == (error == HelloError.None) && ok == (report is not null), "report", $"returned {ok} with error {error}");
        var isInterest = LeafInterestCodec.TryDecode(frame.Payload.Span, out var interest, out var interestError);
        Check(isInterest == (interestError == HelloError.None) && isInterest == (interest is not null), "report", $"leaf interest returned {isInterest} with error {interestError}");
    }

    private static void AggregationRequestTarget(ReadOnlyMemory<byte> input)
    {
        var ok = AggregationRequestCodec.TryDecode(input.Span, out var request, out var error);
        Check(ok == (error == AggregationError.None) && ok == (request is not null), "agg-request", $"returned {ok} with error {error}");
    }

    private static void AggregationReply(ReadOnlyMemory<byte> input)
    {
        var ok = ReplyCodec.TryDecode(input.Span, out var reply, out var error);
        Check(ok == (error == AggregationError.None) && ok == (reply is not null), "agg-reply", $"returned {ok} with error {error}");
    }

    private static void AggregationPartial(ReadOnlyMemory<byte> input)
    {
        var ok = PartialAggregateCodec.TryDecode(input.Span, out var partial, out var error);
        Check(ok == (error == AggregationError.None) && ok == (partial is not null), "agg-partial", $"returned {ok} with error {error}");
    }

    // Relative paths in the file resolve here; it does not exist, so the environment checks find
    // nothing and never touch real files.
    private static readonly string MappingBaseDirectory = Path.Combine(Path.GetTempPath(), "gridcast-fuzz-absent");

    // The first byte picks the syntax (even: YAML, odd: JSON); the rest is the file's text.
    private static void Mapping(ReadOnlyMemory<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var format = (input.Span[0] & 1) == 0 ? ConfigurationFormat.Yaml : ConfigurationFormat.Json;
        var text = Encoding.UTF8.GetString(input.Span[1..]);
        var (configuration, errors) = NodeConfigurationLoader.Parse(text, format, MappingBaseDirectory);
        Check((configuration is null) == (errors.Count > 0), "mapping", $"configuration {(configuration is null ? "null" : "made")} with {errors.Count} errors");
    }

    // The first byte picks the side: even, a server reading requests; odd, a client reading
    // responses to the request that bytes 1 to 5 describe (function, start, count). The rest is
    // the TCP stream, cut into MBAP frames as the adapters do.
    private static void Modbus(ReadOnlyMemory<byte> input)
    {
        if (input.Length < 6)
        {
            return;
        }

        var span = input.Span;
        var server = (span[0] & 1) == 0;
        var request = ClientRequest(span[1], (ushort)((span[2] << 8) | span[3]), (ushort)((span[4] << 8) | span[5]));
        var stream = input[6..];
        while (true)
        {
            var ok = ModbusTcpFrame.TryRead(stream.Span, out var header, out var frameError);
            Check(ok == (frameError == ModbusFrameError.None), "modbus", $"TryRead returned {ok} with error {frameError}");
            if (!ok)
            {
                return;
            }

            Check(header.FrameLength > ModbusLimits.MbapHeaderSize - 1 && header.FrameLength <= stream.Length, "modbus", "frame length outside the buffer");
            var pdu = stream[ModbusLimits.MbapHeaderSize..header.FrameLength];
            if (server)
            {
                var decoded = ModbusPdu.TryDecodeRequest(pdu, out _, out var requestError);
                Check(decoded == (requestError == ModbusRequestError.None), "modbus", $"TryDecodeRequest returned {decoded} with error {requestError}");
            }
            else if (request is { } asked)
            {
                var decoded = ModbusPdu.TryDecodeResponse(pdu, asked, out _, out var responseError);
                Check(decoded == (responseError == ModbusResponseError.None), "modbus", $"TryDecodeResponse returned {decoded} with error {responseError}");
            }

            stream = stream[header.FrameLength..];
        }
    }

    // A request the client side could have sent, so responses are checked against each kind.
    private static ModbusRequest? ClientRequest(byte kind, ushort start, ushort count)
    {
        var coils = Math.Clamp(count % 2001, 1, 2000);
        var registers = Math.Clamp(count % 126, 1, 125);
        var writeCount = Math.Clamp(count % 124, 1, 123);
        try
        {
            return (kind % 8) switch
            {
                0 => ModbusRequest.ReadCoils(start, (ushort)coils),
                1 => ModbusRequest.ReadDiscreteInputs(start, (ushort)coils),
                2 => ModbusRequest.ReadHoldingRegisters(start, (ushort)registers),
                3 => ModbusRequest.ReadInputRegisters(start, (ushort)registers),
                4 => ModbusRequest.WriteSingleCoil(start, (count & 1) != 0),
                5 => ModbusRequest.WriteSingleRegister(start, count),
                6 => ModbusRequest.WriteMultipleRegisters(start, new ushort[writeCount]),
                _ => ModbusRequest.ReadWriteMultipleRegisters(start, (ushort)registers, count, new ushort[Math.Clamp(count % 122, 1, 121)]),
            };
        }
        catch (ArgumentException)
        {
            // A block that runs past address 65535: the client refuses to send it, so there is
            // no response to read.
            return null;
        }
    }

    private static void Goose(ReadOnlyMemory<byte> input)
    {
        var ok = GooseFrameCodec.TryDecode(input, out var frame, out var frameRejection);
        Check(ok == (frameRejection == GooseFrameRejection.None), "goose", $"frame: returned {ok} with {frameRejection}");
        if (ok)
        {
            GooseApdu(frame.Apdu, "goose");
        }
    }

    private static void GooseApdu(ReadOnlyMemory<byte> apdu, string target)
    {
        var viewed = GooseCodec.TryDecodeView(apdu, out _, out var viewRejection);
        Check(viewed == (viewRejection == GooseRejection.None), target, $"view: returned {viewed} with {viewRejection}");
        var decoded = GooseCodec.TryDecode(apdu, out var value, out var rejection);
        Check(decoded == (rejection == GooseRejection.None) && decoded == (value is not null), target, $"APDU: returned {decoded} with {rejection}");
    }

    private static void RGoose(ReadOnlyMemory<byte> input)
    {
        var ok = RGooseCodec.TryDecode(input, out var spdu, out var rejection);
        Check(ok == (rejection == RGooseRejection.None), "rgoose", $"SPDU: returned {ok} with {rejection}");
        if (!ok || spdu.IsEncrypted)
        {
            return;
        }

        var reader = new RGoosePayloadReader(spdu.UserData);
        while (reader.TryRead(out var payload, out rejection))
        {
            GooseApdu(payload.Apdu, "rgoose");
        }
    }

    private static void Mms(ReadOnlyMemory<byte> input)
    {
        var buffer = new ReadOnlySequence<byte>(input);
        var reassembly = new TsduReassembly(65536);
        while (true)
        {
            var status = Tpkt.TryReadFrame(ref buffer, out var tpdu, out var failure);
            Check(status != FrameStatus.Malformed || failure.Error != DecodeError.None, "mms", "a malformed TPKT frame without a reason");
            if (status != FrameStatus.Frame)
            {
                return;
            }

            var decoded = CotpCodec.TryDecode(tpdu.ToArray(), out var cotp, out failure);
            Check(decoded == (failure.Error == DecodeError.None) && decoded == (cotp is not null), "mms", $"COTP: returned {decoded} with {failure}");
            if (cotp is not CotpData data)
            {
                continue;
            }

            if (!reassembly.TryAdd(data, out var tsdu, out failure))
            {
                continue;
            }

            var parsed = StackCodec.TryDecode(tsdu, out var message, out failure);
            Check(parsed == (failure.Error == DecodeError.None) && parsed == (message is not null), "mms", $"stack: returned {parsed} with {failure}");
        }
    }
}
