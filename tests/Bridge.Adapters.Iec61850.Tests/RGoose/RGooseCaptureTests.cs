using System.Security.Cryptography;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.Tests.Captures;

namespace Bridge.Adapters.Iec61850.Tests.RGoose;

/// <summary>
/// The R-GOOSE captures of a third-party stack (libiec61850's R-GOOSE branch) decode to the
/// values their README documents; the plain ones re-encode to the same bytes; the HMAC
/// signatures verify and the AES-128-GCM payloads decrypt with the README's key.
/// </summary>
public sealed class RGooseCaptureTests
{
    private static readonly byte[] Key = "0123456789ABCDEF"u8.ToArray();

    [Fact]
    public void TryDecode_PlainCapture_HasTheDocumentedSessionHeader()
    {
        var datagrams = CapturedFrames.UdpPayloads(CaptureFiles.RGoose);

        var spdus = datagrams.Select(Decode).ToList();

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (uint)i), spdus.Select(s => s.SpduNumber));
        Assert.All(spdus, spdu =>
        {
            Assert.Equal(RGooseCodec.GooseSessionIdentifier, spdu.SessionIdentifier);
            Assert.Equal(24, spdu.SessionHeaderLength);
            Assert.Equal(18, spdu.CommonHeaderLength);
            Assert.Equal(202u, spdu.SpduLength);
            Assert.Equal(2, spdu.Version);
            Assert.Equal(0u, spdu.TimeOfCurrentKey);
            Assert.Equal(0, spdu.TimeToNextKey);
            Assert.Equal(0u, spdu.KeyId);
            Assert.True(spdu.InitializationVector.IsEmpty);
            Assert.False(spdu.IsEncrypted);
            Assert.Equal(31, spdu.UserDataOffset);
            Assert.Equal(182, spdu.UserData.Length);
            Assert.False(spdu.HasSignature);
            Assert.Equal(213, spdu.SignedLength);
        });
    }

    [Fact]
    public void TryDecode_PlainCapture_CarriesTheDocumentedGooseSequence()
    {
        var apdus = CapturedFrames.UdpPayloads(CaptureFiles.RGoose).Select(d => Payload(Decode(d).UserData)).ToList();

        Assert.Equal(
            [(1u, 0u), (1, 1), (1, 2), (1, 3), (1, 4), (2, 0), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5), (3, 0)],
            apdus.Select(a => (a.Apdu.StNum, a.Apdu.SqNum)));
        Assert.All(apdus, a =>
        {
            Assert.Equal(RGooseCodec.GoosePayloadTag, a.Payload.Tag);
            Assert.False(a.Payload.Simulation);
            Assert.Equal(0x4001, a.Payload.AppId);
            Assert.Equal(178, a.Payload.ApduLengthField);
            Assert.Equal(176, a.Payload.Apdu.Length);
            Assert.Equal("simpleIOGenericIO/LLN0$GO$gcbAnalogValues", a.Apdu.GocbRef);
            Assert.Equal("simpleIOGenericIO/LLN0$GO$gcbAnalogValues", a.Apdu.GoId);
            Assert.Equal("simpleIOGenericIO/LLN0$AnalogValues", a.Apdu.DatSet);
            Assert.Equal(500u, a.Apdu.TimeAllowedToLive);
            Assert.Equal(1u, a.Apdu.ConfRev);
            Assert.Equal(new GooseInteger(5678), a.Apdu.AllData[2]);
        });
        Assert.Equal([1234L, 1234, 1234, 1234, 1234, 1235, 1235, 1235, 1235, 1235, 1235, 1236], apdus.Select(a => ((GooseInteger)a.Apdu.AllData[0]).Value));

        var first = apdus[0].Apdu;
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 13, 55, 55, 118, TimeSpan.Zero), Truncate(first.T.ToDateTimeOffset()));
        Assert.Equal(new GooseBinaryTime(new BinaryTime(50155118, 15678)), first.AllData[1]);
        // t and the binary-time change with stNum only.
        Assert.Equal(apdus[0].Apdu.T, apdus[4].Apdu.T);
        Assert.NotEqual(apdus[4].Apdu.T, apdus[5].Apdu.T);
    }

    [Fact]
    public void Encode_DecodedPlainCapture_GivesTheSameBytes()
    {
        foreach (var datagram in CapturedFrames.UdpPayloads(CaptureFiles.RGoose))
        {
            var spdu = Decode(datagram);
            var (payload, _) = Payload(spdu.UserData);
            var header = new RGooseSessionHeader
            {
                SpduNumber = spdu.SpduNumber,
                Version = spdu.Version,
                TimeOfCurrentKey = spdu.TimeOfCurrentKey,
                TimeToNextKey = spdu.TimeToNextKey,
                KeyId = spdu.KeyId,
            };
            var encoded = new byte[RGooseCodec.GetEncodedSize(header, payload.Apdu.Length)];

            var layout = RGooseCodec.Encode(header, payload.AppId, payload.Simulation, payload.Apdu.Span, encoded);

            Assert.Equal(datagram.ToArray(), encoded);
            Assert.Equal(new RGooseLayout(213, 31, 182, -1, 0), layout);
        }
    }

    [Fact]
    public void Signature_HmacCapture_IsTheHmacSha256OfTheSignedBytesTruncatedTo16()
    {
        var datagrams = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac);

        Assert.Equal(12, datagrams.Count);
        var summaries = new List<(uint, uint, long)>();
        foreach (var datagram in datagrams)
        {
            var spdu = Decode(datagram);
            Assert.Equal(2u, spdu.KeyId);
            Assert.True(spdu.HasSignature);
            Assert.Equal(16, spdu.Signature.Length);
            Assert.Equal(213, spdu.SignedLength);
            Assert.Equal(231, datagram.Length);

            var mac = HMACSHA256.HashData(Key, datagram.Span[..spdu.SignedLength]);

            Assert.Equal(mac[..16], spdu.Signature.ToArray());
            summaries.Add(Summary(Payload(spdu.UserData).Apdu));
        }

        Assert.Equal([(1u, 0u, 1234L), (1, 1, 1234), (1, 2, 1234), (1, 3, 1234), (1, 4, 1234), (2, 0, 1235), (2, 1, 1235), (2, 2, 1235), (2, 3, 1235), (2, 4, 1235), (2, 5, 1235), (3, 0, 1236)], summaries);
    }

    [Fact]
    public void Encode_WithRoomForASignature_FilledWithTheHmacGivesTheCapturedBytes()
    {
        var datagram = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac)[3];
        var spdu = Decode(datagram);
        var (payload, _) = Payload(spdu.UserData);
        var header = new RGooseSessionHeader { SpduNumber = spdu.SpduNumber, KeyId = spdu.KeyId };
        var encoded = new byte[RGooseCodec.GetEncodedSize(header, payload.Apdu.Length, signatureLength: 16)];

        var layout = RGooseCodec.Encode(header, payload.AppId, payload.Simulation, payload.Apdu.Span, encoded, signatureLength: 16);
        HMACSHA256.HashData(Key, encoded.AsSpan(0, layout.SignedLength)).AsSpan(0, 16).CopyTo(encoded.AsSpan(layout.SignatureOffset));

        Assert.Equal(datagram.ToArray(), encoded);
    }

    [Fact]
    public void Decrypt_AesGcmCapture_GivesTheDocumentedGooseSequence()
    {
        var datagrams = CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm);
        using var aes = new AesGcm(Key, tagSizeInBytes: 16);
        var summaries = new List<(uint, uint, long)>();

        foreach (var datagram in datagrams)
        {
            var spdu = Decode(datagram);
            Assert.Equal(1u, spdu.KeyId);
            Assert.True(spdu.IsEncrypted);
            Assert.Equal(12, spdu.InitializationVector.Length);
            Assert.Equal(43, spdu.UserDataOffset);
            var plaintext = new byte[spdu.UserData.Length];

            aes.Decrypt(spdu.InitializationVector.Span, spdu.UserData.Span, spdu.Signature.Span, plaintext, datagram.Span[..spdu.UserDataOffset]);

            var apdu = Payload(plaintext).Apdu;
            summaries.Add((apdu.StNum, apdu.SqNum, ((GooseInteger)apdu.AllData[0]).Value));
        }

        Assert.Equal(
            [(1u, 0u, 1234L), (1, 1, 1234), (1, 2, 1234), (1, 3, 1234), (1, 4, 1234), (2, 0, 1235), (2, 1, 1235), (2, 2, 1235), (2, 3, 1235), (2, 4, 1235), (2, 5, 1235), (3, 0, 1236), (3, 1, 1236)],
            summaries);
    }

    [Fact]
    public void Decrypt_AesGcmCaptureWithAFlippedHeaderBit_FailsAuthentication()
    {
        var datagram = CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm)[0].ToArray();
        datagram[13] ^= 0x01; // the SPDU number, inside the associated data
        var spdu = Decode(datagram);
        using var aes = new AesGcm(Key, tagSizeInBytes: 16);

        Assert.ThrowsAny<CryptographicException>(() => aes.Decrypt(
            spdu.InitializationVector.Span, spdu.UserData.Span, spdu.Signature.Span, new byte[spdu.UserData.Length], datagram.AsSpan(0, spdu.UserDataOffset)));
    }

    private static RGooseSpdu Decode(ReadOnlyMemory<byte> datagram)
    {
        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());
        return spdu;
    }

    private static (RGoosePayload Payload, GooseApdu Apdu) Payload(ReadOnlyMemory<byte> userData)
    {
        var reader = new RGoosePayloadReader(userData);
        Assert.True(reader.TryRead(out var payload, out var rejection), rejection.ToString());
        Assert.False(reader.TryRead(out _, out var end));
        Assert.Equal(RGooseRejection.None, end);
        Assert.True(GooseCodec.TryDecode(payload.Apdu, out var apdu, out var gooseRejection), gooseRejection.ToString());
        return (payload, apdu);
    }

    private static (uint StNum, uint SqNum, long Value) Summary(GooseApdu apdu) => (apdu.StNum, apdu.SqNum, ((GooseInteger)apdu.AllData[0]).Value);

    private static DateTimeOffset Truncate(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerMillisecond), time.Offset);
}
