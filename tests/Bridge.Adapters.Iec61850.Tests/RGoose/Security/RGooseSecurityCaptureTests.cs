using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Adapters.Iec61850.Tests.Captures;

namespace Bridge.Adapters.Iec61850.Tests.RGoose.Security;

/// <summary>
/// The security layer against the third-party captures (libiec61850's R-GOOSE branch): every
/// signed frame verifies and every encrypted one decrypts through <see cref="RGooseUnprotector"/>
/// with the keys the captures' README gives, a changed octet anywhere fails, and our
/// <see cref="RGooseProtector"/> signs a captured frame's content to the captured bytes.
/// </summary>
public sealed class RGooseSecurityCaptureTests
{
    /// <summary>The README's key: the 16 ASCII octets <c>0123456789ABCDEF</c>.</summary>
    public static readonly byte[] Material = "0123456789ABCDEF"u8.ToArray();

    /// <summary>The captures' time (2026-12-04); both keys have no window, so any time would do.</summary>
    public static readonly DateTimeOffset CaptureTime = new(2026, 12, 4, 13, 56, 0, TimeSpan.Zero);

    /// <summary>The keys of both captures: key 2 HMAC-SHA256-128, key 1 AES-128-GCM.</summary>
    public static RGooseKeySet CaptureKeys() => new(
    [
        new RGooseKey(2, RGooseSecurityAlgorithm.HmacSha256With128, Material),
        new RGooseKey(1, RGooseSecurityAlgorithm.Aes128Gcm, Material),
    ]);

    private static readonly (uint StNum, uint SqNum, long Value)[] HmacSequence =
        [(1, 0, 1234), (1, 1, 1234), (1, 2, 1234), (1, 3, 1234), (1, 4, 1234), (2, 0, 1235), (2, 1, 1235), (2, 2, 1235), (2, 3, 1235), (2, 4, 1235), (2, 5, 1235), (3, 0, 1236)];

    [Fact]
    public void Unprotect_HmacCapture_EveryFrameVerifiesAndReadsTheDocumentedSequence()
    {
        using var unprotector = new RGooseUnprotector(CaptureKeys());

        var read = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac).Select(d => Accept(unprotector, d)).ToList();

        Assert.Equal(HmacSequence, read);
    }

    [Fact]
    public void Unprotect_AesGcmCapture_EveryFrameDecryptsToTheDocumentedSequence()
    {
        using var unprotector = new RGooseUnprotector(CaptureKeys());

        var read = CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm).Select(d => Accept(unprotector, d)).ToList();

        Assert.Equal([.. HmacSequence, (3u, 1u, 1236L)], read);
    }

    [Fact]
    public void Unprotect_AesGcmCapture_PlaintextIsThePlainCapturesPayloadLayout()
    {
        using var unprotector = new RGooseUnprotector(CaptureKeys());
        var encrypted = CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm)[0];
        var plain = CapturedFrames.UdpPayloads(CaptureFiles.RGoose)[0];
        Assert.True(RGooseCodec.TryDecode(encrypted, out var spdu, out _));
        Assert.True(RGooseCodec.TryDecode(plain, out var plainSpdu, out _));

        Assert.Equal(RGooseSecurityRejection.None, unprotector.Unprotect(CaptureTime, encrypted, spdu, out var userData));

        // Same element header (tag, simulation, APPID, APDU length) and goosePdu framing; the values differ (another run).
        Assert.Equal(plainSpdu.UserData.Span[..9].ToArray(), userData.Span[..9].ToArray());
        Assert.Equal(plainSpdu.UserData.Length, userData.Length);
    }

    public static TheoryData<string, int> HmacTampering => new()
    {
        { "session header length", 3 },
        { "SPDU length", 9 },
        { "SPDU number", 13 },
        { "key times", 17 },
        { "time to next key", 21 },
        { "APPID", 34 },
        { "goosePdu", 120 },
        { "last payload octet", 212 },
        { "signature", 230 },
    };

    [Theory]
    [MemberData(nameof(HmacTampering))]
    public void Unprotect_HmacCaptureWithOneBitChanged_BadSignature(string where, int offset)
    {
        var (result, nothingRead) = UnprotectWithBitsFlipped(CaptureFiles.RGooseHmac, 5, offset, 0x10);

        Assert.Equal(RGooseSecurityRejection.BadSignature, result);
        Assert.True(nothingRead, where);
    }

    [Theory]
    [InlineData("SPDU number", 13)]
    [InlineData("key times", 19)]
    [InlineData("IV", 30)]
    [InlineData("ciphertext", 43)]
    [InlineData("ciphertext end", 224)]
    [InlineData("tag", 242)]
    public void Unprotect_AesGcmCaptureWithOneBitChanged_DecryptFailed(string where, int offset)
    {
        var (result, nothingRead) = UnprotectWithBitsFlipped(CaptureFiles.RGooseAesGcm, 2, offset, 0x01);

        Assert.Equal(RGooseSecurityRejection.DecryptFailed, result);
        Assert.True(nothingRead, where);
    }

    [Fact]
    public void Unprotect_CaptureWithTheOtherCapturesKeyId_FailsWithThatKeysCheck()
    {
        // The HMAC capture's frame under key 1 (AES-GCM): no IV, so it cannot be a GCM SPDU.
        using var unprotector = new RGooseUnprotector(CaptureKeys());
        var datagram = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac)[0].ToArray();
        datagram[25] = 1;
        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out _));

        Assert.Equal(RGooseSecurityRejection.DecryptFailed, unprotector.Unprotect(CaptureTime, datagram, spdu, out _));
    }

    [Fact]
    public void Unprotect_KeysWithoutTheCapturesKeyId_UnknownKeyId()
    {
        using var unprotector = new RGooseUnprotector(new RGooseKeySet([new RGooseKey(3, RGooseSecurityAlgorithm.HmacSha256With128, Material)]));

        foreach (var name in new[] { CaptureFiles.RGooseHmac, CaptureFiles.RGooseAesGcm })
        {
            var datagram = CapturedFrames.UdpPayloads(name)[0];
            Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out _));
            Assert.Equal(RGooseSecurityRejection.UnknownKeyId, unprotector.Unprotect(CaptureTime, datagram, spdu, out _));
        }
    }

    [Fact]
    public void Unprotect_HmacCaptureUnderAnotherKeyMaterial_BadSignature()
    {
        using var unprotector = new RGooseUnprotector(new RGooseKeySet([new RGooseKey(2, RGooseSecurityAlgorithm.HmacSha256With128, "0123456789ABCDEG"u8)]));
        var datagram = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac)[0];
        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out _));

        Assert.Equal(RGooseSecurityRejection.BadSignature, unprotector.Unprotect(CaptureTime, datagram, spdu, out _));
    }

    [Fact]
    public void Unprotect_PlainCapture_Unsecured()
    {
        using var unprotector = new RGooseUnprotector(CaptureKeys());
        var datagram = CapturedFrames.UdpPayloads(CaptureFiles.RGoose)[0];
        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out _));

        Assert.Equal(RGooseSecurityRejection.Unsecured, unprotector.Unprotect(CaptureTime, datagram, spdu, out _));
    }

    [Fact]
    public void Unprotect_HmacCaptureFrameTwice_SecondIsAReplay()
    {
        using var unprotector = new RGooseUnprotector(CaptureKeys());
        var frames = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac);
        foreach (var frame in frames)
        {
            Accept(unprotector, frame);
        }

        Assert.True(RGooseCodec.TryDecode(frames[4], out var spdu, out _));

        Assert.Equal(RGooseSecurityRejection.Replay, unprotector.Unprotect(CaptureTime, frames[4], spdu, out var userData));
        Assert.True(userData.IsEmpty);
    }

    [Fact]
    public void TryProtect_HmacCaptureContent_GivesTheCapturedBytes()
    {
        using var protector = new RGooseProtector(CaptureKeys(), pinnedKeyId: 2);

        foreach (var datagram in CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac))
        {
            Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out _));
            var reader = new RGoosePayloadReader(spdu.UserData);
            Assert.True(reader.TryRead(out var payload, out _));
            var buffer = new byte[512];

            Assert.True(protector.TryProtect(CaptureTime, spdu.SpduNumber, payload.AppId, payload.Simulation, payload.Apdu.Span, buffer, out var layout));

            Assert.Equal(datagram.ToArray(), buffer[..layout.Length]);
        }
    }

    [Fact]
    public void TryProtect_AesGcmCaptureContent_LaidOutAsTheCaptureAndDecryptsToTheSamePayload()
    {
        using var protector = new RGooseProtector(CaptureKeys(), pinnedKeyId: 1, fillRandom: s => s.Fill(0x5A));
        using var unprotector = new RGooseUnprotector(CaptureKeys());
        using var captureReader = new RGooseUnprotector(CaptureKeys());
        var captured = CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm)[0];
        Assert.True(RGooseCodec.TryDecode(captured, out var capturedSpdu, out _));
        Assert.Equal(RGooseSecurityRejection.None, captureReader.Unprotect(CaptureTime, captured, capturedSpdu, out var plaintext));
        var reader = new RGoosePayloadReader(plaintext);
        Assert.True(reader.TryRead(out var payload, out _));
        var buffer = new byte[512];

        Assert.True(protector.TryProtect(CaptureTime, capturedSpdu.SpduNumber, payload.AppId, payload.Simulation, payload.Apdu.Span, buffer, out var layout));

        // Same length and the same octets up to the IV (everything but IV, ciphertext and tag).
        Assert.Equal(captured.Length, layout.Length);
        Assert.Equal(captured.Span[..27].ToArray(), buffer[..27]);
        Assert.Equal(captured.Span[39..43].ToArray(), buffer[39..43]);
        Assert.Equal([0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0, 0, 0, 1], buffer[27..39]);
        Assert.NotEqual(plaintext.Span.ToArray(), buffer[43..(43 + plaintext.Length)]);
        Assert.True(RGooseCodec.TryDecode(buffer.AsMemory(0, layout.Length), out var ours, out _));
        Assert.Equal(RGooseSecurityRejection.None, unprotector.Unprotect(CaptureTime, buffer.AsMemory(0, layout.Length), ours, out var decrypted));
        Assert.Equal(plaintext.Span.ToArray(), decrypted.Span.ToArray());
    }

    /// <summary>
    /// Flips <paramref name="bits"/> of the octet at <paramref name="offset"/> in frame <paramref name="frame"/>
    /// of <paramref name="capture"/>, asserts the SPDU still decodes, and unprotects it with the captures' keys:
    /// what security says, and whether it handed back no user data.
    /// </summary>
    private static (RGooseSecurityRejection Result, bool NothingRead) UnprotectWithBitsFlipped(string capture, int frame, int offset, byte bits)
    {
        using var unprotector = new RGooseUnprotector(CaptureKeys());
        var datagram = CapturedFrames.UdpPayloads(capture)[frame].ToArray();
        datagram[offset] ^= bits;

        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());

        var result = unprotector.Unprotect(CaptureTime, datagram, spdu, out var userData);
        return (result, userData.IsEmpty);
    }

    /// <summary>Unprotects <paramref name="datagram"/>, asserting it is accepted, and summarises its one goosePdu.</summary>
    private static (uint StNum, uint SqNum, long Value) Accept(RGooseUnprotector unprotector, ReadOnlyMemory<byte> datagram)
    {
        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());
        Assert.Equal(RGooseSecurityRejection.None, unprotector.Unprotect(CaptureTime, datagram, spdu, out var userData));
        var reader = new RGoosePayloadReader(userData);
        Assert.True(reader.TryRead(out var payload, out var payloadRejection), payloadRejection.ToString());
        Assert.Equal(0x4001, payload.AppId);
        Assert.True(GooseCodec.TryDecode(payload.Apdu, out var apdu, out var gooseRejection), gooseRejection.ToString());
        return (apdu.StNum, apdu.SqNum, ((GooseInteger)apdu.AllData[0]).Value);
    }
}
