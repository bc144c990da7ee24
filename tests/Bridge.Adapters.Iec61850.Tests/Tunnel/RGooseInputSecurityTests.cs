using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Adapters.Iec61850.Tests.Captures;
using Bridge.Adapters.Iec61850.Tests.RGoose.Security;
using Bridge.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>
/// R-GOOSE input with keys: the captures' signed and encrypted frames, and frames our protector
/// makes, reach the group as their goosePdus; forged, replayed, unknown-key and unsecured frames
/// are dropped and counted by reason, while the real traffic keeps flowing.
/// </summary>
public sealed class RGooseInputSecurityTests
{
    [Fact]
    public void TryRead_HmacAndAesGcmCaptures_GiveTheirGoosePdus()
    {
        using var security = new RGooseUnprotector(RGooseSecurityCaptureTests.CaptureKeys());
        var apdus = new List<RGooseReceivedApdu>();

        foreach (var name in new[] { CaptureFiles.RGooseHmac, CaptureFiles.RGooseAesGcm })
        {
            foreach (var datagram in CapturedFrames.UdpPayloads(name))
            {
                Assert.True(RGooseInput.TryRead(datagram, security, RGooseSecurityCaptureTests.CaptureTime, apdus, out var reason, out _), reason);
                var apdu = Assert.Single(apdus);
                Assert.Equal((0x4001, "simpleIOGenericIO/LLN0$GO$gcbAnalogValues"), (apdu.AppId, apdu.GocbRef));
            }
        }
    }

    [Theory]
    [InlineData("plain", "rgoose_unsecured")]
    [InlineData("unknown-key", "rgoose_unknown_key_id")]
    [InlineData("forged", "rgoose_bad_signature")]
    [InlineData("tampered-ciphertext", "rgoose_decrypt_failed")]
    [InlineData("replayed", "rgoose_replay")]
    public void TryRead_RefusedBySecurity_DroppedWithTheReason(string kind, string expected)
    {
        using var security = new RGooseUnprotector(RGooseSecurityCaptureTests.CaptureKeys());
        var apdus = new List<RGooseReceivedApdu>();
        var hmac = CapturedFrames.UdpPayloads(CaptureFiles.RGooseHmac);
        var datagram = kind switch
        {
            "plain" => CapturedFrames.UdpPayloads(CaptureFiles.RGoose)[0].ToArray(),
            "unknown-key" => WithByte(hmac[0], 25, 7),
            "forged" => WithByte(hmac[0], 120, 0x00),
            "tampered-ciphertext" => WithByte(CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm)[0], 100, 0x00),
            "replayed" => hmac[0].ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (kind == "replayed")
        {
            Assert.True(RGooseInput.TryRead(datagram, security, RGooseSecurityCaptureTests.CaptureTime, apdus, out _, out _));
        }

        Assert.False(RGooseInput.TryRead(datagram, security, RGooseSecurityCaptureTests.CaptureTime, apdus, out var reason, out var detail));

        Assert.Equal(expected, reason);
        Assert.Contains("R-GOOSE security", detail, StringComparison.Ordinal);
        Assert.Empty(apdus);
    }

    [Fact]
    public void TryRead_SignedCaptureWithoutKeys_StillTheSecuredReason()
    {
        Assert.False(RGooseInput.TryRead(CapturedFrames.UdpPayloads(CaptureFiles.RGooseAesGcm)[0], [], out var reason, out _));

        Assert.Equal(RGooseInput.SecuredReason, reason);
    }

    [Theory]
    [InlineData(RGooseSecurityAlgorithm.HmacSha256With128)]
    [InlineData(RGooseSecurityAlgorithm.Aes128Gcm)]
    public async Task Receive_ProtectedAmongForgedAndReplayed_OnlyTheGenuineReachTheGroupAndTheRestIsCounted(RGooseSecurityAlgorithm algorithm)
    {
        var time = new FakeTimeProvider(RGooseSecurityCaptureTests.CaptureTime);
        var keys = new RGooseKeySet([new RGooseKey(11, algorithm, RGooseSecurityCaptureTests.Material)]);
        await using var rig = RGooseInputOnLoopback.Start(time: time, security: new RGooseUnprotector(keys));
        using var publisher = RGooseInputOnLoopback.Publisher();
        using var protector = new RGooseProtector(keys);
        using var forger = new RGooseProtector(new RGooseKeySet([new RGooseKey(11, algorithm, "not the real key"u8)]));
        var apdus = CapturedFrames.GooseApdus(CaptureFiles.Goose);

        // The first genuine SPDU, a forged one (same key id, another key), the first again (a
        // replay), an unsecured one, then the second genuine SPDU: when it reaches the group, the
        // loop has counted all before it (datagrams on loopback arrive in order).
        var genuine = Protect(protector, 1, apdus[0]);
        publisher.SendTo(genuine, rig.Listen);
        var first = await rig.Subscriber.FirstAsync();
        publisher.SendTo(Protect(forger, 2, apdus[2]), rig.Listen);
        publisher.SendTo(genuine, rig.Listen);
        publisher.SendTo(Plain(apdus[2]), rig.Listen);
        publisher.SendTo(Protect(protector, 2, apdus[1]), rig.Listen);
        var second = await rig.Subscriber.FirstAsync();

        Assert.Equal(apdus[0], first.Payload.ToArray());
        Assert.Equal(apdus[1], second.Payload.ToArray());
        Assert.Equal(2, rig.Input.Received);
        var expectedForged = algorithm.Encrypts() ? "rgoose_decrypt_failed" : "rgoose_bad_signature";
        Assert.Equal(new Dictionary<string, long> { [expectedForged] = 1, ["rgoose_replay"] = 1, ["rgoose_unsecured"] = 1 }, rig.Input.Dropped);
    }

    private static byte[] Protect(RGooseProtector protector, uint number, byte[] apdu)
    {
        var buffer = new byte[1024];
        Assert.True(protector.TryProtect(RGooseSecurityCaptureTests.CaptureTime, number, 1000, false, apdu, buffer, out var layout));
        return buffer[..layout.Length];
    }

    private static byte[] Plain(byte[] apdu)
    {
        var header = new RGooseSessionHeader { SpduNumber = 3 };
        var buffer = new byte[RGooseCodec.GetEncodedSize(header, apdu.Length)];
        RGooseCodec.Encode(header, 1000, false, apdu, buffer);
        return buffer;
    }

    private static byte[] WithByte(ReadOnlyMemory<byte> datagram, int offset, byte value)
    {
        var copy = datagram.ToArray();
        copy[offset] = copy[offset] == value ? (byte)(value + 1) : value;
        return copy;
    }
}
