using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Adapters.Iec61850.Tests.Captures;

namespace Bridge.Adapters.Iec61850.Tests.RGoose.Security;

/// <summary>
/// What <see cref="RGooseProtector"/> writes, <see cref="RGooseUnprotector"/> (the same path the
/// captures go through) accepts and hands back as the goosePdu sent, for every algorithm; the
/// replay window, the keys' validity windows and the key-time fields.
/// </summary>
public sealed class RGooseSecurityRoundTripTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A goosePdu of the third-party Layer-2 capture.</summary>
    private static readonly byte[] Apdu = CapturedFrames.GooseApdus(CaptureFiles.Goose)[0];

    public static TheoryData<RGooseSecurityAlgorithm> Algorithms => new(Enum.GetValues<RGooseSecurityAlgorithm>());

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void TryProtect_EachAlgorithm_UnprotectGivesTheGoosePduBack(RGooseSecurityAlgorithm algorithm)
    {
        var keys = new RGooseKeySet([Key(9, algorithm)]);
        using var protector = new RGooseProtector(keys);
        using var unprotector = new RGooseUnprotector(keys);

        for (var number = 1u; number <= 3; number++)
        {
            var datagram = Protect(protector, number, 0x1001);
            Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());
            Assert.Equal((9u, number, algorithm.Encrypts()), (spdu.KeyId, spdu.SpduNumber, spdu.IsEncrypted));
            Assert.Equal(algorithm.SignatureSize(), spdu.Signature.Length);

            Assert.Equal(RGooseSecurityRejection.None, unprotector.Unprotect(Now, datagram, spdu, out var userData));

            var reader = new RGoosePayloadReader(userData);
            Assert.True(reader.TryRead(out var payload, out var payloadRejection), payloadRejection.ToString());
            Assert.Equal((0x1001, false), (payload.AppId, payload.Simulation));
            Assert.Equal(Apdu, payload.Apdu.ToArray());
            Assert.Equal(algorithm.Encrypts(), !Apdu.AsSpan().SequenceEqual(datagram.AsSpan(spdu.UserDataOffset + RGooseCodec.PayloadElementHeaderSize, Apdu.Length)));
        }
    }

    [Fact]
    public void TryProtect_AesGcm_EveryIvDiffers()
    {
        using var protector = new RGooseProtector(new RGooseKeySet([Key(1, RGooseSecurityAlgorithm.Aes128Gcm)]));

        var ivs = Enumerable.Range(1, 100).Select(n =>
        {
            Assert.True(RGooseCodec.TryDecode(Protect(protector, (uint)n, 1), out var spdu, out _));
            return Convert.ToHexString(spdu.InitializationVector.Span);
        }).ToList();

        Assert.Equal(100, ivs.Distinct().Count());
    }

    [Fact]
    public void TryProtect_TwoProtectors_DrawDifferentIvPrefixes()
    {
        var keys = new RGooseKeySet([Key(1, RGooseSecurityAlgorithm.Aes128Gcm)]);
        using var first = new RGooseProtector(keys);
        using var second = new RGooseProtector(keys);

        Assert.True(RGooseCodec.TryDecode(Protect(first, 1, 1), out var a, out _));
        Assert.True(RGooseCodec.TryDecode(Protect(second, 1, 1), out var b, out _));

        Assert.NotEqual(a.InitializationVector.ToArray(), b.InitializationVector.ToArray());
    }

    [Fact]
    public void Unprotect_ReorderedWithinTheWindow_AcceptedOnceEach()
    {
        var keys = new RGooseKeySet([Key(4, RGooseSecurityAlgorithm.HmacSha256With128)]);
        using var protector = new RGooseProtector(keys);
        using var unprotector = new RGooseUnprotector(keys);
        var datagrams = Enumerable.Range(1, 5).Select(n => Protect(protector, (uint)n, 1)).ToList();

        int[] order = [0, 2, 1, 4, 3, 1, 4];
        var results = order.Select(i => Check(unprotector, datagrams[i])).ToList();

        Assert.Equal(
            [RGooseSecurityRejection.None, RGooseSecurityRejection.None, RGooseSecurityRejection.None, RGooseSecurityRejection.None, RGooseSecurityRejection.None, RGooseSecurityRejection.Replay, RGooseSecurityRejection.Replay],
            results);
    }

    [Fact]
    public void Unprotect_OtherAppIdSameNumbers_ItsOwnStream()
    {
        var keys = new RGooseKeySet([Key(4, RGooseSecurityAlgorithm.Aes128Gcm)]);
        using var protector = new RGooseProtector(keys);
        using var unprotector = new RGooseUnprotector(keys);

        Assert.Equal(RGooseSecurityRejection.None, Check(unprotector, Protect(protector, 7, 0x1001)));
        Assert.Equal(RGooseSecurityRejection.None, Check(unprotector, Protect(protector, 7, 0x1002)));
        Assert.Equal(RGooseSecurityRejection.Replay, Check(unprotector, Protect(protector, 7, 0x1001)));
    }

    [Fact]
    public void Unprotect_KeyOutsideItsWindow_KeyNotValid()
    {
        var key = new RGooseKey(5, RGooseSecurityAlgorithm.HmacSha256With128, new byte[16], Now.AddHours(-2), Now.AddHours(-1));
        var keys = new RGooseKeySet([key]);
        using var protector = new RGooseProtector(keys);
        using var unprotector = new RGooseUnprotector(keys);
        var datagram = new byte[512];
        Assert.True(protector.TryProtect(Now.AddMinutes(-90), 1, 1, false, Apdu, datagram, out var layout));
        var sent = datagram[..layout.Length];

        Assert.Equal(RGooseSecurityRejection.None, Check(unprotector, sent, Now.AddHours(-1).AddSeconds(30)));
        Assert.Equal(RGooseSecurityRejection.KeyNotValid, Check(unprotector, sent, Now));
        Assert.False(protector.TryProtect(Now, 2, 1, false, Apdu, datagram, out _));
    }

    [Fact]
    public void TryProtect_NextKeyStarts_SwitchesToItAndFillsTheKeyTimes()
    {
        var current = new RGooseKey(1, RGooseSecurityAlgorithm.HmacSha256With128, new byte[16], Now.AddHours(-1), Now.AddMinutes(30));
        var next = new RGooseKey(2, RGooseSecurityAlgorithm.Aes128Gcm, new byte[16], Now.AddMinutes(20), Now.AddHours(2));
        var keys = new RGooseKeySet([current, next]);
        using var protector = new RGooseProtector(keys);
        using var unprotector = new RGooseUnprotector(keys);

        var before = Protect(protector, 1, 1);
        var buffer = new byte[512];
        Assert.True(protector.TryProtect(Now.AddMinutes(25), 2, 1, false, Apdu, buffer, out var layout));
        var after = buffer[..layout.Length];

        Assert.True(RGooseCodec.TryDecode(before, out var b, out _));
        Assert.True(RGooseCodec.TryDecode(after, out var a, out _));
        Assert.Equal((1u, (uint)Now.AddHours(-1).ToUnixTimeSeconds(), (short)30), (b.KeyId, b.TimeOfCurrentKey, b.TimeToNextKey));
        Assert.Equal((2u, (uint)Now.AddMinutes(20).ToUnixTimeSeconds(), (short)95), (a.KeyId, a.TimeOfCurrentKey, a.TimeToNextKey));
        Assert.Same(next, keys.Next(current));

        // A receiver holding both keys takes both sides of the switch.
        Assert.Equal(RGooseSecurityRejection.None, Check(unprotector, before));
        Assert.Equal(RGooseSecurityRejection.None, Check(unprotector, after, Now.AddMinutes(25)));
    }

    [Fact]
    public void TryProtect_PinnedKey_UsesItEvenWithANewerOne()
    {
        var keys = new RGooseKeySet([Key(1, RGooseSecurityAlgorithm.HmacSha256With80), new RGooseKey(2, RGooseSecurityAlgorithm.HmacSha256With256, new byte[32], Now.AddDays(-1))]);
        using var pinned = new RGooseProtector(keys, pinnedKeyId: 1);
        using var picked = new RGooseProtector(keys);

        Assert.Equal(1u, pinned.KeyAt(Now)!.Id);
        Assert.Equal(2u, picked.KeyAt(Now)!.Id);
    }

    [Fact]
    public void Unprotect_SignedUnderAKeyWithTheSameIdElsewhere_BadSignature()
    {
        using var protector = new RGooseProtector(new RGooseKeySet([new RGooseKey(3, RGooseSecurityAlgorithm.HmacSha256With128, Enumerable.Repeat((byte)1, 16).ToArray())]));
        using var unprotector = new RGooseUnprotector(new RGooseKeySet([new RGooseKey(3, RGooseSecurityAlgorithm.HmacSha256With128, Enumerable.Repeat((byte)2, 16).ToArray())]));

        Assert.Equal(RGooseSecurityRejection.BadSignature, Check(unprotector, Protect(protector, 1, 1)));
    }

    [Fact]
    public void Unprotect_SignatureShortenedToAnotherAlgorithmsLength_BadSignature()
    {
        // An HMAC-SHA256-128 key: an SPDU bearing the first 10 octets only (as -80 would) is refused, not verified on 80 bits.
        var keys = new RGooseKeySet([Key(3, RGooseSecurityAlgorithm.HmacSha256With128)]);
        using var protector = new RGooseProtector(keys);
        using var unprotector = new RGooseUnprotector(keys);
        var datagram = Protect(protector, 1, 1);
        var shortened = datagram[..^6];
        shortened[^11] = 10;

        Assert.True(RGooseCodec.TryDecode(shortened, out var spdu, out var rejection), rejection.ToString());
        Assert.Equal(10, spdu.Signature.Length);
        Assert.Equal(RGooseSecurityRejection.BadSignature, unprotector.Unprotect(Now, shortened, spdu, out _));
    }

    private static RGooseKey Key(uint id, RGooseSecurityAlgorithm algorithm)
        => new(id, algorithm, Enumerable.Range(1, algorithm == RGooseSecurityAlgorithm.Aes256Gcm ? 32 : 16).Select(i => (byte)(i * 7)).ToArray());

    private static byte[] Protect(RGooseProtector protector, uint number, ushort appId)
    {
        var buffer = new byte[512];
        Assert.True(protector.TryProtect(Now, number, appId, simulation: false, Apdu, buffer, out var layout));
        return buffer[..layout.Length];
    }

    private static RGooseSecurityRejection Check(RGooseUnprotector unprotector, byte[] datagram, DateTimeOffset? at = null)
    {
        Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());
        return unprotector.Unprotect(at ?? Now, datagram, spdu, out _);
    }
}
