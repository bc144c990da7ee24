using System.Buffers;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Adapters.Iec61850.Tests.Goose;

/// <summary>Round trips of every codec over generated values, and decoders that never throw.</summary>
public sealed class GoosePropertyTests
{
    [Property(Arbitrary = [typeof(GooseGenerators)], MaxTest = 300)]
    public void Encode_ThenTryDecode_GivesTheSameApdu(GooseApdu original)
    {
        var bytes = Encode(original);

        Assert.True(GooseCodec.TryDecode(bytes, out var decoded, out var rejection), rejection.ToString());
        Assert.Equal(original, decoded);
        Assert.Equal(GooseCodec.GetEncodedSize(original), bytes.Length);
    }

    [Property(Arbitrary = [typeof(GooseGenerators)], MaxTest = 300)]
    public void TryDecodeView_ThenEncode_GivesTheSameBytes(GooseApdu original)
    {
        var bytes = Encode(original);

        Assert.True(GooseCodec.TryDecodeView(bytes, out var view, out var rejection), rejection.ToString());
        var again = new ArrayBufferWriter<byte>();
        GooseCodec.Encode(view, again);

        Assert.Equal(bytes, again.WrittenSpan.ToArray());
        Assert.Equal((uint)original.AllData.Count, view.NumDatSetEntries);
        Assert.Equal(original.GocbRef, view.GetGocbRef());
    }

    [Property(Arbitrary = [typeof(GooseGenerators)], MaxTest = 100)]
    public void TryDecodeView_EveryProperPrefix_IsTruncated(GooseApdu original)
    {
        var bytes = Encode(original);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(GooseCodec.TryDecodeView(bytes.AsMemory(0, length), out _, out var rejection));
            Assert.Equal(GooseRejection.Truncated, rejection);
        }
    }

    [Property(Arbitrary = [typeof(GooseGenerators)], MaxTest = 200)]
    public void TryDecode_ApduWithOneByteChanged_NeverThrows(GooseApdu original, int position, byte value)
    {
        var bytes = Encode(original);
        bytes[(int)((uint)position % (uint)bytes.Length)] = value;

        var viewAccepted = GooseCodec.TryDecodeView(bytes, out _, out var viewRejection);
        var accepted = GooseCodec.TryDecode(bytes, out var decoded, out var rejection);

        Assert.Equal(viewAccepted, accepted);
        Assert.Equal(viewRejection, rejection);
        Assert.Equal(accepted, decoded is not null);
    }

    [Property(MaxTest = 500)]
    public void TryDecode_RandomBytes_NeverThrows(byte[] garbage)
    {
        var accepted = GooseCodec.TryDecode(garbage, out var decoded, out var rejection);
        var frame = GooseFrameCodec.TryDecode(garbage, out _, out var frameRejection);
        var spdu = RGooseCodec.TryDecode(garbage, out _, out var spduRejection);

        Assert.Equal(accepted, rejection == GooseRejection.None && decoded is not null);
        Assert.Equal(frame, frameRejection == GooseFrameRejection.None);
        Assert.Equal(spdu, spduRejection == RGooseRejection.None);
    }

    [Property(Arbitrary = [typeof(GooseGenerators)], MaxTest = 200)]
    public void EncodeFrame_ThenTryDecode_GivesTheHeaderAndApdu(GooseFrameHeader header, GooseApdu apdu)
    {
        var pdu = Encode(apdu);
        var frame = new ArrayBufferWriter<byte>();
        GooseFrameCodec.Encode(header, pdu, frame);

        Assert.True(GooseFrameCodec.TryDecode(frame.WrittenMemory, out var decoded, out var rejection), rejection.ToString());
        Assert.Equal(header, decoded.Header);
        Assert.Equal(pdu, decoded.Apdu.ToArray());
        Assert.True(frame.WrittenCount >= GooseFrameCodec.MinFrameSize);
    }

    [Property(Arbitrary = [typeof(GooseGenerators)], MaxTest = 200)]
    public void EncodeSpdu_ThenTryDecode_GivesTheHeaderAndPayload(RGooseSessionHeader header, ushort appId, bool simulation, GooseApdu apdu, bool withSignature)
    {
        var pdu = Encode(apdu);
        var signatureLength = withSignature ? 16 : 0;
        var bytes = new byte[RGooseCodec.GetEncodedSize(header, pdu.Length, signatureLength)];

        var layout = RGooseCodec.Encode(header, appId, simulation, pdu, bytes, signatureLength);

        Assert.True(RGooseCodec.TryDecode(bytes, out var spdu, out var rejection), rejection.ToString());
        Assert.Equal(
            (header.SpduNumber, header.Version, header.TimeOfCurrentKey, header.TimeToNextKey, header.KeyId),
            (spdu.SpduNumber, spdu.Version, spdu.TimeOfCurrentKey, spdu.TimeToNextKey, spdu.KeyId));
        Assert.Equal(header.InitializationVector.ToArray(), spdu.InitializationVector.ToArray());
        Assert.Equal((layout.UserDataOffset, layout.UserDataLength), (spdu.UserDataOffset, spdu.UserData.Length));
        Assert.Equal(withSignature, spdu.HasSignature);
        Assert.Equal(layout.SignedLength, spdu.SignedLength);
        var reader = new RGoosePayloadReader(spdu.UserData);
        Assert.True(reader.TryRead(out var payload, out var payloadRejection), payloadRejection.ToString());
        Assert.Equal((appId, simulation, pdu.Length + 2), (payload.AppId, payload.Simulation, (int)payload.ApduLengthField));
        Assert.Equal(pdu, payload.Apdu.ToArray());
    }

    private static byte[] Encode(GooseApdu apdu)
    {
        var writer = new ArrayBufferWriter<byte>();
        GooseCodec.Encode(apdu, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static class GooseGenerators
    {
        private static readonly Gen<string> References =
            from length in Gen.Choose(0, 129)
            from chars in Gen.ArrayOf(Gen.Choose(0x20, 0x7E).Select(c => (char)c), length)
            select new string(chars);

        private static readonly Gen<uint> Numbers = Gen.OneOf(
            Gen.Elements(0u, 1u, 127u, 128u, 255u, 256u, 65535u, 0x7FFF_FFFFu, 0x8000_0000u, uint.MaxValue),
            ArbMap.Default.GeneratorFor<uint>());

        private static readonly Gen<UtcTime> Times =
            from seconds in ArbMap.Default.GeneratorFor<uint>()
            from fraction in Gen.Choose(0, 0xFF_FFFF)
            from quality in ArbMap.Default.GeneratorFor<byte>()
            select new UtcTime(seconds, (uint)fraction, quality);

        private static readonly Gen<byte[]> Octets =
            from length in Gen.Choose(0, 40)
            from bytes in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
            select bytes;

        private static readonly Gen<GooseData> Primitives = Gen.OneOf(
            ArbMap.Default.GeneratorFor<bool>().Select(v => (GooseData)new GooseBoolean(v)),
            Gen.OneOf(Gen.Elements(0L, -1L, 127L, -128L, 128L, long.MinValue, long.MaxValue), ArbMap.Default.GeneratorFor<long>()).Select(v => (GooseData)new GooseInteger(v)),
            Gen.OneOf(Gen.Elements(0UL, 128UL, ulong.MaxValue), ArbMap.Default.GeneratorFor<ulong>()).Select(v => (GooseData)new GooseUnsigned(v)),
            ArbMap.Default.GeneratorFor<float>().Select(v => (GooseData)new GooseFloat32(v)),
            ArbMap.Default.GeneratorFor<double>().Select(v => (GooseData)new GooseFloat64(v)),
            from bytes in Octets
            from unused in bytes.Length == 0 ? Gen.Constant(0) : Gen.Choose(0, 7)
            select (GooseData)new GooseBitString(bytes, unused),
            Octets.Select(v => (GooseData)new GooseOctetString(v)),
            References.Select(v => (GooseData)new GooseVisibleString(v)),
            Gen.Elements("", "Ω", "Schütz 1", "断路器").Select(v => (GooseData)new GooseMmsString(v)),
            from ms in ArbMap.Default.GeneratorFor<uint>()
            from days in Gen.OneOf(Gen.Constant<ushort?>(null), ArbMap.Default.GeneratorFor<ushort>().Select(d => (ushort?)d))
            select (GooseData)new GooseBinaryTime(new BinaryTime(ms, days)),
            Times.Select(v => (GooseData)new GooseUtcTime(v)),
            from tag in Gen.Elements(8, 11, 13, 14, 15)
            from bytes in Octets
            select (GooseData)new GooseOpaque(tag, bytes));

        public static Arbitrary<GooseApdu> Apdus() => Arb.From(
            from gocbRef in References
            from tal in Numbers
            from datSet in References
            from goId in Gen.OneOf(Gen.Constant<string?>(null), References.Select(r => (string?)r))
            from t in Times
            from stNum in Numbers
            from sqNum in Numbers
            from simulation in ArbMap.Default.GeneratorFor<bool>()
            from confRev in Numbers
            from ndsCom in ArbMap.Default.GeneratorFor<bool>()
            from values in Gen.Sized(size => Data(Math.Min(size, 20), depth: 0)).Select(d => d.ToArray())
            from security in Gen.OneOf(Gen.Constant<byte[]?>(null), Octets.Select(o => (byte[]?)o))
            select new GooseApdu
            {
                GocbRef = gocbRef,
                TimeAllowedToLive = tal,
                DatSet = datSet,
                GoId = goId,
                T = t,
                StNum = stNum,
                SqNum = sqNum,
                Simulation = simulation,
                ConfRev = confRev,
                NdsCom = ndsCom,
                AllData = values,
                Security = security is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(security),
            });

        public static Arbitrary<GooseFrameHeader> Headers() => Arb.From(
            from destination in ArbMap.Default.GeneratorFor<ushort>().Select(MacAddress.Goose)
            from source in ArbMap.Default.GeneratorFor<ulong>().Select(v => new MacAddress(v & 0xFFFF_FFFF_FFFF))
            from tagged in ArbMap.Default.GeneratorFor<bool>()
            from priority in Gen.Choose(0, 7)
            from dei in ArbMap.Default.GeneratorFor<bool>()
            from vid in Gen.Choose(0, 4095)
            from appId in ArbMap.Default.GeneratorFor<ushort>()
            from reserved1 in ArbMap.Default.GeneratorFor<ushort>()
            from reserved2 in ArbMap.Default.GeneratorFor<ushort>()
            select new GooseFrameHeader
            {
                Destination = destination,
                Source = source,
                Vlan = tagged ? new VlanTag((byte)priority, dei, (ushort)vid) : null,
                AppId = appId,
                Reserved1 = reserved1,
                Reserved2 = reserved2,
            });

        public static Arbitrary<RGooseSessionHeader> SessionHeaders() => Arb.From(
            from number in Numbers
            from version in ArbMap.Default.GeneratorFor<ushort>()
            from current in Numbers
            from next in ArbMap.Default.GeneratorFor<short>()
            from key in Numbers
            from iv in Gen.OneOf(Gen.Constant(Array.Empty<byte>()), Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 12))
            select new RGooseSessionHeader
            {
                SpduNumber = number,
                Version = version,
                TimeOfCurrentKey = current,
                TimeToNextKey = next,
                KeyId = key,
                InitializationVector = iv,
            });

        private static Gen<GooseData[]> Data(int size, int depth)
            => from count in Gen.Choose(0, Math.Max(1, size))
               from values in Gen.ArrayOf(Value(size / 2, depth), count)
               select values;

        private static Gen<GooseData> Value(int size, int depth)
            => size <= 1 || depth >= 4
                ? Primitives
                : Gen.Frequency(
                    (4, Primitives),
                    (1, Data(size, depth + 1).Select(d => (GooseData)new GooseStructure(d))),
                    (1, Data(size, depth + 1).Select(d => (GooseData)new GooseArray(d))));
    }
}
