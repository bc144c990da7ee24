using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;

namespace Bridge.Benchmarks.Goose;

/// <summary>
/// Cost per R-GOOSE SPDU of the security layer: <c>Protect</c> (encode, then sign or encrypt in
/// place, as the sender does) against <c>EncodePlain</c> (encode only), and <c>Unprotect</c>
/// (decode the session layer, then verify or decrypt, as the receiver does) against
/// <c>DecodePlain</c>.
/// </summary>
/// <remarks>
/// Two sizes: <c>Small</c> is a goosePdu of one boolean whose SPDU is about 100 octets (the
/// issue's yardstick); <c>Capture</c> is libiec61850's example APDU (176 octets, a 213-octet SPDU
/// before the signature). <c>Unprotect</c> checks the same SPDU again and again: after the first
/// call the replay window refuses it, but only after the signature or tag was checked, so the
/// measured work is that of an accepted SPDU plus the window's lookup.
/// BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.
/// </remarks>
[MemoryDiagnoser]
public class RGooseSecurityBenchmarks : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly byte[] _buffer = new byte[2048];
    private byte[] _apdu = [];
    private byte[] _protected = [];
    private byte[] _plain = [];
    private RGooseProtector _protector = null!;
    private RGooseUnprotector _unprotector = null!;

    [Params(RGooseSecurityAlgorithm.HmacSha256With128, RGooseSecurityAlgorithm.Aes128Gcm, RGooseSecurityAlgorithm.Aes256Gcm)]
    public RGooseSecurityAlgorithm Algorithm { get; set; }

    [Params("Small", "Capture")]
    public string Size { get; set; } = "Small";

    [GlobalSetup]
    public void Setup()
    {
        var apdu = Size == "Small"
            ? new GooseApdu { GocbRef = "IED1LD0/LLN0$GO$gcb1", DatSet = "IED1LD0/LLN0$ds1", StNum = 3, SqNum = 9, ConfRev = 1, TimeAllowedToLive = 2000, AllData = [new GooseBoolean(true)] }
            : GooseCodecBenchmarks.CaptureApdu();
        var writer = new ArrayBufferWriter<byte>();
        GooseCodec.Encode(apdu, writer);
        _apdu = writer.WrittenMemory.ToArray();
        var material = Enumerable.Range(0, Algorithm == RGooseSecurityAlgorithm.Aes256Gcm ? 32 : 16).Select(i => (byte)i).ToArray();
        var keys = new RGooseKeySet([new RGooseKey(5, Algorithm, material)]);
        _protector = new RGooseProtector(keys);
        _unprotector = new RGooseUnprotector(keys);
        _protected = _buffer.AsSpan(0, Protect()).ToArray();
        _plain = _buffer.AsSpan(0, EncodePlain()).ToArray();

        // A benchmark that silently measured a rejection would be worthless: the first check must accept.
        if (!RGooseCodec.TryDecode(_protected, out var spdu, out _)
            || _unprotector.Unprotect(Now, _protected, spdu, out var userData) != RGooseSecurityRejection.None
            || !userData.Span[RGooseCodec.PayloadElementHeaderSize..].SequenceEqual(_apdu)
            || Unprotect() != RGooseSecurityRejection.Replay || DecodePlain() != _plain.Length - RGooseCodec.FixedHeaderSize - 4)
        {
            throw new InvalidOperationException("the SPDU does not round-trip");
        }
    }

    /// <inheritdoc/>
    [GlobalCleanup]
    public void Dispose()
    {
        _protector?.Dispose();
        _unprotector?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public int EncodePlain()
        => RGooseCodec.Encode(new RGooseSessionHeader { SpduNumber = 7 }, 0x4001, false, _apdu, _buffer).Length;

    [Benchmark]
    public int Protect()
    {
        _protector.TryProtect(Now, 7, 0x4001, false, _apdu, _buffer, out var layout);
        return layout.Length;
    }

    [Benchmark]
    public int DecodePlain()
    {
        RGooseCodec.TryDecode(_plain, out var spdu, out _);
        return spdu.UserData.Length;
    }

    [Benchmark]
    public RGooseSecurityRejection Unprotect()
    {
        RGooseCodec.TryDecode(_protected, out var spdu, out _);
        return _unprotector.Unprotect(Now, _protected, spdu, out _);
    }
}
