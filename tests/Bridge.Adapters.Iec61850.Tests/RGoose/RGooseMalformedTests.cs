using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.Tests.Captures;

namespace Bridge.Adapters.Iec61850.Tests.RGoose;

/// <summary>Datagrams that are no R-GOOSE SPDU are rejected with the reason named; so are bad payload elements.</summary>
public sealed class RGooseMalformedTests
{
    private static readonly byte[] Plain = CapturedFrames.UdpPayloads(CaptureFiles.RGoose)[0].ToArray();

    public static TheoryData<string, byte[], RGooseRejection> Malformed() => new()
    {
        { "the captured SPDU", Plain, RGooseRejection.None },
        { "empty", [], RGooseRejection.Truncated },
        { "fixed header cut", Plain[..26], RGooseRejection.Truncated },
        { "payload length cut", Plain[..29], RGooseRejection.Truncated },
        { "not CLTP unit data", Change(Plain, (1, 0x41)), RGooseRejection.NotCltpUnitData },
        { "sampled values session", Change(Plain, (2, 0xA2)), RGooseRejection.NotGooseSession },
        { "common header identifier 0x81", Change(Plain, (4, 0x81)), RGooseRejection.BadCommonHeader },
        { "IV longer than the datagram", Change(Plain, (26, 0xF0)), RGooseRejection.InitializationVectorBeyondEnd },
        { "payload length one too many", Change(Plain, (30, 0xB7)), RGooseRejection.PayloadBeyondEnd },
        { "payload length 2^32 - 1", Change(Plain, (27, 0xFF), (28, 0xFF), (29, 0xFF), (30, 0xFF)), RGooseRejection.PayloadBeyondEnd },
        { "a stray byte after the payload", [.. Plain, 0x00], RGooseRejection.BadTrailer },
        { "a signature longer than the datagram", [.. Plain, 0x85, 0x10, 0x01], RGooseRejection.BadTrailer },
        { "two signatures", [.. Plain, 0x85, 0x01, 0x01, 0x85, 0x01, 0x01], RGooseRejection.BadTrailer },
        { "padding and a signature", [.. Plain, 0xAF, 0x02, 0x00, 0x00, 0x85, 0x01, 0x01], RGooseRejection.None },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_MalformedDatagram_IsRejectedWithTheNamedReason(string name, byte[] datagram, RGooseRejection expected)
    {
        var accepted = RGooseCodec.TryDecode(datagram, out _, out var rejection);

        Assert.True(expected == rejection, $"{name}: {rejection}, expected {expected}");
        Assert.Equal(expected == RGooseRejection.None, accepted);
    }

    public static TheoryData<string, byte[], RGooseRejection> MalformedPayloads()
    {
        Assert.True(RGooseCodec.TryDecode(Plain, out var spdu, out _));
        var element = spdu.UserData.ToArray();
        return new()
        {
            { "the captured element", element, RGooseRejection.None },
            { "APDU length = goosePdu length (no + 2)", Change(element, (5, 0xB0)), RGooseRejection.None },
            { "header cut", element[..5], RGooseRejection.PayloadElementTruncated },
            { "goosePdu cut", element[..100], RGooseRejection.PayloadElementTruncated },
            { "sampled values element", Change(element, (0, 0x82)), RGooseRejection.NotGoosePayload },
            { "APDU length 100", Change(element, (4, 0x00), (5, 0x64)), RGooseRejection.ApduLengthMismatch },
            { "a stray byte after the element", [.. element, 0x81], RGooseRejection.PayloadElementTruncated },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void TryRead_MalformedPayloadElement_IsRejectedWithTheNamedReason(string name, byte[] userData, RGooseRejection expected)
    {
        var reader = new RGoosePayloadReader(userData);
        var rejection = RGooseRejection.None;
        var elements = 0;
        while (reader.TryRead(out _, out rejection))
        {
            elements++;
        }

        Assert.True(expected == rejection, $"{name}: {rejection}, expected {expected}");
        Assert.Equal(expected == RGooseRejection.None ? 1 : elements, elements);
    }

    private static byte[] Change(byte[] bytes, params (int Offset, byte Value)[] changes)
    {
        var copy = bytes.ToArray();
        foreach (var (offset, value) in changes)
        {
            copy[offset] = value;
        }

        return copy;
    }
}
