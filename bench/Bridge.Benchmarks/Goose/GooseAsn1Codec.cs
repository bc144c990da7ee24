using System.Buffers.Binary;
using System.Formats.Asn1;
using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Benchmarks.Goose;

/// <summary>
/// The GOOSE APDU through the BCL's System.Formats.Asn1 (AsnReader, AsnWriter), for comparison
/// with GooseCodec: same model in and out, same checks where the BCL makes them. Benchmark-only.
/// </summary>
/// <remarks>
/// AsnWriter writes BOOLEAN TRUE as 0xFF (DER), GooseCodec as 0x01 (as libiec61850): the bytes
/// differ there and only there; both decoders read either.
/// </remarks>
public static class GooseAsn1Codec
{
    private static readonly Asn1Tag Pdu = new(TagClass.Application, 1, isConstructed: true);

    public static GooseApdu Decode(ReadOnlyMemory<byte> apdu)
    {
        var outer = new AsnReader(apdu, AsnEncodingRules.BER);
        var fields = outer.ReadSequence(Pdu);
        outer.ThrowIfNotEmpty();
        var gocbRef = fields.ReadCharacterString(UniversalTagNumber.VisibleString, Context(0));
        var tal = ReadUInt32(fields, 1);
        var datSet = fields.ReadCharacterString(UniversalTagNumber.VisibleString, Context(2));
        string? goId = null;
        if (fields.HasData && fields.PeekTag().HasSameClassAndValue(Context(3)))
        {
            goId = fields.ReadCharacterString(UniversalTagNumber.VisibleString, Context(3));
        }

        var t = fields.ReadOctetString(Context(4));
        if (t.Length != UtcTime.Size)
        {
            throw new AsnContentException("t is not 8 octets");
        }

        var stNum = ReadUInt32(fields, 5);
        var sqNum = ReadUInt32(fields, 6);
        var simulation = fields.HasData && fields.PeekTag().HasSameClassAndValue(Context(7)) && fields.ReadBoolean(Context(7));
        var confRev = ReadUInt32(fields, 8);
        var ndsCom = fields.HasData && fields.PeekTag().HasSameClassAndValue(Context(9)) && fields.ReadBoolean(Context(9));
        var entries = ReadUInt32(fields, 10);
        var allData = fields.ReadSequence(Context(11, constructed: true));
        ReadOnlyMemory<byte>? security = null;
        if (fields.HasData)
        {
            security = fields.ReadEncodedValue();
        }

        fields.ThrowIfNotEmpty();
        var values = ReadData(allData, depth: 0);
        if (values.Count != entries)
        {
            throw new AsnContentException("numDatSetEntries differs from allData");
        }

        return new GooseApdu
        {
            GocbRef = gocbRef,
            TimeAllowedToLive = tal,
            DatSet = datSet,
            GoId = goId,
            T = UtcTime.Read(t),
            StNum = stNum,
            SqNum = sqNum,
            Simulation = simulation,
            ConfRev = confRev,
            NdsCom = ndsCom,
            AllData = values,
            Security = security,
        };
    }

    public static byte[] Encode(GooseApdu apdu)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence(Pdu))
        {
            writer.WriteCharacterString(UniversalTagNumber.VisibleString, apdu.GocbRef, Context(0));
            writer.WriteInteger(apdu.TimeAllowedToLive, Context(1));
            writer.WriteCharacterString(UniversalTagNumber.VisibleString, apdu.DatSet, Context(2));
            if (apdu.GoId is not null)
            {
                writer.WriteCharacterString(UniversalTagNumber.VisibleString, apdu.GoId, Context(3));
            }

            Span<byte> t = stackalloc byte[UtcTime.Size];
            apdu.T.Write(t);
            writer.WriteOctetString(t, Context(4));
            writer.WriteInteger(apdu.StNum, Context(5));
            writer.WriteInteger(apdu.SqNum, Context(6));
            writer.WriteBoolean(apdu.Simulation, Context(7));
            writer.WriteInteger(apdu.ConfRev, Context(8));
            writer.WriteBoolean(apdu.NdsCom, Context(9));
            writer.WriteInteger(apdu.AllData.Count, Context(10));
            using (writer.PushSequence(Context(11, constructed: true)))
            {
                WriteData(writer, apdu.AllData);
            }
        }

        return writer.Encode();
    }

    private static List<GooseData> ReadData(AsnReader reader, int depth)
    {
        if (depth > GooseLimits.Default.MaxDepth)
        {
            throw new AsnContentException("nesting too deep");
        }

        var values = new List<GooseData>();
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            if (tag.TagClass != TagClass.ContextSpecific)
            {
                throw new AsnContentException($"unknown data tag {tag}");
            }

            values.Add(tag.TagValue switch
            {
                GooseDataCodec.ArrayTag => new GooseArray(ReadData(reader.ReadSequence(tag), depth + 1)),
                GooseDataCodec.StructureTag => new GooseStructure(ReadData(reader.ReadSequence(tag), depth + 1)),
                GooseDataCodec.BooleanTag => new GooseBoolean(reader.ReadBoolean(tag)),
                GooseDataCodec.BitStringTag => ReadBitString(reader, tag),
                GooseDataCodec.IntegerTag => reader.TryReadInt64(out var integer, tag) ? new GooseInteger(integer) : throw new AsnContentException("integer out of range"),
                GooseDataCodec.UnsignedTag => reader.TryReadUInt64(out var unsigned, tag) ? new GooseUnsigned(unsigned) : throw new AsnContentException("unsigned out of range"),
                GooseDataCodec.FloatingPointTag => ReadFloat(reader.ReadOctetString(tag)),
                GooseDataCodec.OctetStringTag => new GooseOctetString(reader.ReadOctetString(tag)),
                GooseDataCodec.VisibleStringTag => new GooseVisibleString(reader.ReadCharacterString(UniversalTagNumber.VisibleString, tag)),
                GooseDataCodec.BinaryTimeTag => new GooseBinaryTime(BinaryTime.Read(reader.ReadOctetString(tag))),
                GooseDataCodec.MmsStringTag => new GooseMmsString(reader.ReadCharacterString(UniversalTagNumber.UTF8String, tag)),
                GooseDataCodec.UtcTimeTag => new GooseUtcTime(UtcTime.Read(reader.ReadOctetString(tag))),
                _ => new GooseOpaque(tag.TagValue, reader.ReadOctetString(tag)),
            });
        }

        return values;
    }

    private static void WriteData(AsnWriter writer, IReadOnlyList<GooseData> values)
    {
        foreach (var value in values)
        {
            var tag = Context(value.TagNumber, value is GooseStructure or GooseArray);
            switch (value)
            {
                case GooseStructure structure:
                    using (writer.PushSequence(tag))
                    {
                        WriteData(writer, structure.Members);
                    }

                    break;
                case GooseArray array:
                    using (writer.PushSequence(tag))
                    {
                        WriteData(writer, array.Elements);
                    }

                    break;
                case GooseBoolean boolean:
                    writer.WriteBoolean(boolean.Value, tag);
                    break;
                case GooseInteger integer:
                    writer.WriteInteger(integer.Value, tag);
                    break;
                case GooseUnsigned unsigned:
                    writer.WriteInteger(unsigned.Value, tag);
                    break;
                case GooseBitString bits:
                    writer.WriteBitString(bits.Bits.Span, bits.UnusedBits, tag);
                    break;
                case GooseFloat32 single:
                {
                    Span<byte> content = stackalloc byte[5];
                    content[0] = 8;
                    BinaryPrimitives.WriteSingleBigEndian(content[1..], single.Value);
                    writer.WriteOctetString(content, tag);
                    break;
                }

                case GooseOctetString octets:
                    writer.WriteOctetString(octets.Value.Span, tag);
                    break;
                case GooseVisibleString text:
                    writer.WriteCharacterString(UniversalTagNumber.VisibleString, text.Value, tag);
                    break;
                case GooseBinaryTime time:
                {
                    Span<byte> content = stackalloc byte[6];
                    time.Value.Write(content);
                    writer.WriteOctetString(content[..time.Value.Size], tag);
                    break;
                }

                case GooseUtcTime time:
                {
                    Span<byte> content = stackalloc byte[UtcTime.Size];
                    time.Value.Write(content);
                    writer.WriteOctetString(content, tag);
                    break;
                }

                default:
                    throw new NotSupportedException($"the benchmark's datasets hold no {value.GetType().Name}");
            }
        }
    }

    private static GooseBitString ReadBitString(AsnReader reader, Asn1Tag tag)
    {
        var bits = reader.ReadBitString(out var unused, tag);
        return new GooseBitString(bits, unused);
    }

    private static GooseData ReadFloat(byte[] content) => content switch
    {
        [8, _, _, _, _] => new GooseFloat32(BinaryPrimitives.ReadSingleBigEndian(content.AsSpan(1))),
        [11, _, _, _, _, _, _, _, _] => new GooseFloat64(BinaryPrimitives.ReadDoubleBigEndian(content.AsSpan(1))),
        _ => throw new AsnContentException("bad floating-point"),
    };

    private static uint ReadUInt32(AsnReader reader, int tag)
        => reader.TryReadUInt32(out var value, Context(tag)) ? value : throw new AsnContentException($"field [{tag}] out of range");

    private static Asn1Tag Context(int number, bool constructed = false) => new(TagClass.ContextSpecific, number, constructed);
}
