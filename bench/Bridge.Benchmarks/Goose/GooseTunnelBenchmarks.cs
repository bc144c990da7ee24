using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Link;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;

namespace Bridge.Benchmarks.Goose;

/// <summary>
/// The CPU the GOOSE tunnel spends per frame at each end, without the system calls and the
/// multicast layer (measured on their own in this project): <see cref="CaptureEnd"/> is what the
/// capture side does with a received Ethernet frame before handing it to the router (frame
/// decode, the capture filter, the APDU's view decode, the address, the copy of the APDU, the
/// rule match); <see cref="FarEnd"/> what the far end does with a group APDU until the frame is
/// ready to send (view decode, supervision, adoption by the publisher with its re-encoding, the
/// Ethernet framing). Each far-end APDU is a new state (stNum + 1): the trip path.
/// </summary>
[MemoryDiagnoser]
public class GooseTunnelBenchmarks
{
    private const string GocbRef = "SUBA1LD0/LLN0$GO$gcbTrip";
    private const int States = 4096;
    private readonly ArrayBufferWriter<byte> _frameOut = new(2048);
    private readonly GooseAddress _target = new(0x1001, MacAddress.Goose(1), null, new VlanTag(4, false, 0));
    private byte[][] _apdus = [];
    private ReadOnlyMemory<byte> _frameIn;
    private GooseCaptureFilter _filter = GooseCaptureFilter.All;
    private RoutingTable _table = null!;
    private GooseRelay _relay = null!;
    private long _tick;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var values = Enumerable.Range(0, 8).SelectMany(i => new GooseData[] { new GooseBoolean(i % 2 == 0), new GooseBitString(new byte[] { 0x00, 0x00 }, 3) }).ToArray();
        var apdu = new GooseApdu { GocbRef = GocbRef, DatSet = "SUBA1LD0/LLN0$Trip", TimeAllowedToLive = 2000, ConfRev = 1, AllData = values };
        _apdus = [.. Enumerable.Range(1, States).Select(st =>
        {
            var writer = new ArrayBufferWriter<byte>();
            GooseCodec.Encode(apdu with { StNum = (uint)st }, writer);
            return writer.WrittenMemory.ToArray();
        })];
        var frame = new ArrayBufferWriter<byte>();
        GooseFrameCodec.Encode(new GooseFrameHeader { Destination = MacAddress.Goose(1), Source = new MacAddress(0x02_00_00_00_00_01), AppId = 0x1001 }, _apdus[0], frame);
        _frameIn = frame.WrittenMemory.ToArray();
        GooseEndpoint.TryParse($"appid=0x1001 gocbRef={GocbRef}", false, out var capture, out _);
        _table = new RoutingTable([new MappingRule { Name = "trip", Endpoint = capture!, Groups = [GroupTemplate.Parse("ham:sg:goose.trip")], Direction = RuleDirection.ToGroup }]);
        _filter = GooseTunnelSide.CaptureFilter(_table);
        _relay = new GooseRelay(GooseRetransmissionOptions.Default);
    }

    [Benchmark]
    public int CaptureEnd()
    {
        if (!GooseFrameCodec.TryDecode(_frameIn, out var frame, out _) || !_filter.Matches(frame) || !GooseCodec.TryDecodeView(frame.Apdu, out var view, out _))
        {
            throw new InvalidOperationException("the frame must pass");
        }

        var address = new GooseAddress(frame.Header.AppId, frame.Header.Destination, view.GetGocbRef());
        var payload = frame.Apdu.ToArray();
        var groups = 0;
        foreach (var group in _table.GroupsFor(address))
        {
            groups += group.ToString().Length > 0 ? 1 : 0;
        }

        return groups + payload.Length;
    }

    [Benchmark]
    public int FarEnd()
    {
        var apdu = _apdus[_next];
        _next = (_next + 1) % States;
        if (!GooseCodec.TryDecodeView(apdu, out var view, out _))
        {
            throw new InvalidOperationException("the APDU must decode");
        }

        _relay.HandleApdu(TimeSpan.FromTicks(++_tick), _target, view);
        var written = 0;
        while (_relay.TryPollTransmit(out var transmit))
        {
            _frameOut.ResetWrittenCount();
            written += GooseFrameCodec.Encode(new GooseFrameHeader { Destination = _target.Destination, Source = new MacAddress(0x02_00_00_00_00_02), Vlan = _target.Vlan, AppId = _target.AppId }, transmit.Transmit.Apdu.Span, _frameOut);
        }

        while (_relay.TryPollEvent(out _))
        {
        }

        return written;
    }
}
