using System.Buffers.Binary;
using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Mms.Pdu;

/// <remarks>
/// <code>
/// Data CHOICE (context tags)
///   a1 array { Data ... }          a2 structure { Data ... }      83 boolean
///   84 bit-string (unused bits, bits)                              85 integer    86 unsigned
///   87 floating-point: exponent width (8 or 11), then the IEEE 754 single or double, big-endian
///   89 octet-string   8a visible-string   8b generalized-time   8c binary-time (4 or 6 octets)
///   90 mMSString (UTF-8)   91 utc-time (4 octets seconds, 3 fraction, 1 quality)
///   8d bcd, 8e booleanArray, 8f objId: kept encoded (MmsUnsupportedValue)
/// TypeSpecification CHOICE
///   a0 typeName { ObjectName }     a1 array { 80 packed, 81 numberOfElements, a2 { elementType } }
///   a2 structure { 80 packed, a1 components { 30 { 80 componentName, a1 { componentType } } ... } }
///   83 boolean NULL   84 bit-string size   85 integer bits   86 unsigned bits
///   a7 floating-point { 02 format-width, 02 exponent-width }   89 octet-string size
///   8a visible-string size   8b generalized-time NULL   8c binary-time BOOLEAN (with date)
///   8d bcd digits   8f objId NULL   90 mMSString size   91 utc-time NULL
/// </code>
/// </remarks>
public static partial class MmsPduCodec
{
    /// <summary>Writes one Data value.</summary>
    public static void WriteData(BerWriter writer, MmsValue value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        Span<byte> scratch = stackalloc byte[9];
        switch (value)
        {
            case MmsArray array:
                writer.Push(BerTag.ContextConstructed(1));
                foreach (var element in array.Elements)
                {
                    WriteData(writer, element);
                }

                writer.Pop();
                break;
            case MmsStructure structure:
                writer.Push(BerTag.ContextConstructed(2));
                foreach (var member in structure.Members)
                {
                    WriteData(writer, member);
                }

                writer.Pop();
                break;
            case MmsBoolean boolean:
                writer.WriteBoolean(BerTag.Context(3), boolean.Value);
                break;
            case MmsBitString bits:
                writer.WriteBitString(BerTag.Context(4), bits.Value);
                break;
            case MmsInteger integer:
                writer.WriteInteger(BerTag.Context(5), integer.Value);
                break;
            case MmsUnsigned unsigned:
                writer.WriteUnsigned(BerTag.Context(6), unsigned.Value);
                break;
            case MmsFloat32 single:
                scratch[0] = 8;
                BinaryPrimitives.WriteSingleBigEndian(scratch[1..], single.Value);
                writer.WritePrimitive(BerTag.Context(7), scratch[..5]);
                break;
            case MmsFloat64 wide:
                scratch[0] = 11;
                BinaryPrimitives.WriteDoubleBigEndian(scratch[1..], wide.Value);
                writer.WritePrimitive(BerTag.Context(7), scratch[..9]);
                break;
            case MmsOctetString octets:
                writer.WritePrimitive(BerTag.Context(9), octets.Value);
                break;
            case MmsVisibleString visible:
                writer.WriteLatin1String(BerTag.Context(10), visible.Value);
                break;
            case MmsGeneralizedTime generalized:
                writer.WriteLatin1String(BerTag.Context(11), generalized.Value);
                break;
            case MmsBinaryTime binary:
                writer.WritePrimitive(BerTag.Context(12), scratch[..binary.Value.Write(scratch)]);
                break;
            case MmsString text:
                writer.WriteUtf8String(BerTag.Context(16), text.Value);
                break;
            case MmsUtcTime utc:
                utc.Value.Write(scratch);
                writer.WritePrimitive(BerTag.Context(17), scratch[..UtcTime.EncodedLength]);
                break;
            case MmsUnsupportedValue other:
                writer.WriteBytes(other.Encoding);
                break;
            default:
                throw new ArgumentException($"unknown value {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>Decodes one Data value (the whole of <paramref name="data"/>); for tests and tools.</summary>
    public static bool TryDecodeData(ReadOnlySpan<byte> data, out MmsValue? value, out DecodeFailure failure, MmsDecodeLimits? limits = null)
    {
        value = null;
        failure = default;
        try
        {
            var reader = new BerReader(data, StackLayer.Mms, 0, (limits ?? MmsDecodeLimits.Default).MaxBerDepth);
            value = new Decoder(limits ?? MmsDecodeLimits.Default).Data(ref reader, 0);
            reader.ExpectEnd("Data");
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes one TypeSpecification.</summary>
    public static void WriteTypeSpecification(BerWriter writer, MmsTypeSpecification type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        switch (type)
        {
            case MmsNamedType named:
                writer.Push(BerTag.ContextConstructed(0));
                WriteObjectName(writer, named.Name);
                writer.Pop();
                break;
            case MmsArrayType array:
                writer.Push(BerTag.ContextConstructed(1));
                if (array.Packed)
                {
                    writer.WriteBoolean(BerTag.Context(0), true);
                }

                writer.WriteUnsigned(BerTag.Context(1), array.NumberOfElements);
                writer.Push(BerTag.ContextConstructed(2));
                WriteTypeSpecification(writer, array.ElementType);
                writer.Pop();
                writer.Pop();
                break;
            case MmsStructureType structure:
                writer.Push(BerTag.ContextConstructed(2));
                if (structure.Packed)
                {
                    writer.WriteBoolean(BerTag.Context(0), true);
                }

                writer.Push(BerTag.ContextConstructed(1));
                foreach (var component in structure.Components)
                {
                    writer.Push(BerTag.Sequence);
                    if (component.Name is { } name)
                    {
                        writer.WriteLatin1String(BerTag.Context(0), name);
                    }

                    writer.Push(BerTag.ContextConstructed(1));
                    WriteTypeSpecification(writer, component.Type);
                    writer.Pop();
                    writer.Pop();
                }

                writer.Pop();
                writer.Pop();
                break;
            case MmsBooleanType:
                writer.WriteNull(BerTag.Context(3));
                break;
            case MmsBitStringType bits:
                writer.WriteInteger(BerTag.Context(4), bits.Size);
                break;
            case MmsIntegerType integer:
                writer.WriteInteger(BerTag.Context(5), integer.Bits);
                break;
            case MmsUnsignedType unsigned:
                writer.WriteInteger(BerTag.Context(6), unsigned.Bits);
                break;
            case MmsFloatingPointType floating:
                writer.Push(BerTag.ContextConstructed(7));
                writer.WriteInteger(BerTag.UniversalInteger, floating.FormatWidth);
                writer.WriteInteger(BerTag.UniversalInteger, floating.ExponentWidth);
                writer.Pop();
                break;
            case MmsOctetStringType octets:
                writer.WriteInteger(BerTag.Context(9), octets.Size);
                break;
            case MmsVisibleStringType visible:
                writer.WriteInteger(BerTag.Context(10), visible.Size);
                break;
            case MmsGeneralizedTimeType:
                writer.WriteNull(BerTag.Context(11));
                break;
            case MmsBinaryTimeType binary:
                writer.WriteBoolean(BerTag.Context(12), binary.IncludesDate);
                break;
            case MmsBcdType bcd:
                writer.WriteInteger(BerTag.Context(13), bcd.Digits);
                break;
            case MmsObjectIdentifierType:
                writer.WriteNull(BerTag.Context(15));
                break;
            case MmsStringType text:
                writer.WriteInteger(BerTag.Context(16), text.Size);
                break;
            case MmsUtcTimeType:
                writer.WriteNull(BerTag.Context(17));
                break;
            default:
                throw new ArgumentException($"unknown type {type.GetType().Name}", nameof(type));
        }
    }

    /// <summary>Writes an ObjectName.</summary>
    public static void WriteObjectName(BerWriter writer, ObjectName name)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(name);
        switch (name.Scope)
        {
            case ObjectScope.VmdSpecific:
                writer.WriteLatin1String(BerTag.Context(0), name.ItemId);
                break;
            case ObjectScope.DomainSpecific:
                writer.Push(BerTag.ContextConstructed(1));
                writer.WriteLatin1String(Identifier, name.DomainId ?? throw new ArgumentException("a domain-specific name has a domain", nameof(name)));
                writer.WriteLatin1String(Identifier, name.ItemId);
                writer.Pop();
                break;
            default:
                writer.WriteLatin1String(BerTag.Context(2), name.ItemId);
                break;
        }
    }

    private static void WriteVariableAccessSpecification(BerWriter writer, VariableAccessSpecification specification)
    {
        switch (specification)
        {
            case VariableList list:
                writer.Push(BerTag.ContextConstructed(0));
                foreach (var variable in list.Variables)
                {
                    WriteVariableSpecification(writer, variable);
                }

                writer.Pop();
                break;
            case NamedVariableList named:
                writer.Push(BerTag.ContextConstructed(1));
                WriteObjectName(writer, named.ListName);
                writer.Pop();
                break;
            default:
                throw new ArgumentException($"unknown variable access specification {specification.GetType().Name}", nameof(specification));
        }
    }

    private static void WriteVariableSpecification(BerWriter writer, VariableSpecification variable)
    {
        writer.Push(BerTag.Sequence);
        writer.Push(BerTag.ContextConstructed(0));
        WriteObjectName(writer, variable.Name);
        writer.Pop();
        if (variable.AlternateAccess is { } alternate)
        {
            writer.Push(BerTag.ContextConstructed(5));
            writer.WriteBytes(alternate);
            writer.Pop();
        }

        writer.Pop();
    }

    private static void WriteAccessResult(BerWriter writer, AccessResult result)
    {
        if (result.Value is { } value)
        {
            WriteData(writer, value);
        }
        else
        {
            writer.WriteInteger(BerTag.Context(0), (int)result.Error);
        }
    }

    private sealed partial class Decoder
    {
        public MmsValue Data(ref BerReader reader, int depth)
        {
            if (depth > limits.MaxDataDepth)
            {
                throw reader.Fail(DecodeError.NestingTooDeep, reader.Offset, string.Create(CultureInfo.InvariantCulture, $"Data nested deeper than {limits.MaxDataDepth}"));
            }

            var tag = reader.PeekTag();
            var start = reader.Offset;
            if (tag.Class != TagClass.Context)
            {
                throw reader.Fail(DecodeError.UnexpectedTag, start, $"Data: expected a context tag, found {tag}");
            }

            var constructed = tag.Number is 1 or 2;
            if (tag.Constructed != constructed || tag.Number is 0 or 8 or > 17)
            {
                throw reader.Fail(DecodeError.UnexpectedTag, start, $"Data: {tag} is not a Data alternative");
            }

            if (tag.Number is 13 or 14 or 15)
            {
                return new MmsUnsupportedValue(tag, reader.ReadEncodedElement(out _, "Data").ToArray());
            }

            if (constructed)
            {
                var list = reader.ReadConstructed(tag, tag.Number == 1 ? "array" : "structure");
                var elements = new List<MmsValue>();
                while (list.HasData)
                {
                    CheckCount(ref list, elements.Count, "Data elements");
                    elements.Add(Data(ref list, depth + 1));
                }

                return tag.Number == 1 ? new MmsArray(elements) : new MmsStructure(elements);
            }

            switch (tag.Number)
            {
                case 3:
                    return new MmsBoolean(reader.ReadBoolean(tag, "boolean"));
                case 4:
                    return new MmsBitString(reader.ReadBitString(tag, "bit-string"));
                case 5:
                    return new MmsInteger(reader.ReadInteger(tag, "integer"));
                case 6:
                    return new MmsUnsigned(reader.ReadUnsigned(tag, "unsigned"));
                case 7:
                {
                    var content = reader.ReadExpected(tag, "floating-point", out var offset);
                    if (content.Length == 5 && content[0] == 8)
                    {
                        return new MmsFloat32(BinaryPrimitives.ReadSingleBigEndian(content[1..]));
                    }

                    if (content.Length == 9 && content[0] == 11)
                    {
                        return new MmsFloat64(BinaryPrimitives.ReadDoubleBigEndian(content[1..]));
                    }

                    if (content.IsEmpty)
                    {
                        throw reader.Fail(DecodeError.BadValue, offset, "floating-point: no exponent width octet");
                    }

                    return new MmsUnsupportedValue(tag, EncodedAgain(tag, content));
                }

                case 9:
                    return new MmsOctetString(reader.ReadOctets(tag, "octet-string"));
                case 10:
                    return new MmsVisibleString(reader.ReadLatin1String(tag, "visible-string"));
                case 11:
                    return new MmsGeneralizedTime(reader.ReadLatin1String(tag, "generalized-time"));
                case 12:
                {
                    var content = reader.ReadExpected(tag, "binary-time", out var offset);
                    return BinaryTime.TryRead(content, out var time)
                        ? new MmsBinaryTime(time)
                        : throw reader.Fail(DecodeError.BadValue, offset, string.Create(CultureInfo.InvariantCulture, $"binary-time: 4 or 6 octets, not {content.Length}"));
                }

                case 16:
                    return new MmsString(reader.ReadUtf8String(tag, "mMSString"));
                default:
                {
                    var content = reader.ReadExpected(tag, "utc-time", out var offset);
                    return UtcTime.TryRead(content, out var time)
                        ? new MmsUtcTime(time)
                        : throw reader.Fail(DecodeError.BadValue, offset, string.Create(CultureInfo.InvariantCulture, $"utc-time: 8 octets, not {content.Length}"));
                }
            }
        }

        public MmsTypeSpecification TypeSpecification(ref BerReader reader, int depth)
        {
            if (depth > limits.MaxDataDepth)
            {
                throw reader.Fail(DecodeError.NestingTooDeep, reader.Offset, string.Create(CultureInfo.InvariantCulture, $"TypeSpecification nested deeper than {limits.MaxDataDepth}"));
            }

            var tag = reader.PeekTag();
            var start = reader.Offset;
            if (tag.Class == TagClass.Context)
            {
                switch (tag.Number)
                {
                    case 0 when tag.Constructed:
                    {
                        var name = reader.ReadConstructed(tag, "typeName");
                        var objectName = ObjectNameOf(ref name, "typeName");
                        name.ExpectEnd("typeName");
                        return new MmsNamedType(objectName);
                    }

                    case 1 when tag.Constructed:
                    {
                        var array = reader.ReadConstructed(tag, "array");
                        var packed = array.IsNext(BerTag.Context(0)) && array.ReadBoolean(BerTag.Context(0), "packed");
                        var count = array.ReadUInt32(BerTag.Context(1), "numberOfElements");
                        var element = array.ReadConstructed(BerTag.ContextConstructed(2), "elementType");
                        var elementType = TypeSpecification(ref element, depth + 1);
                        element.ExpectEnd("elementType");
                        array.ExpectEnd("array");
                        return new MmsArrayType(count, elementType, packed);
                    }

                    case 2 when tag.Constructed:
                    {
                        var structure = reader.ReadConstructed(tag, "structure");
                        var packed = structure.IsNext(BerTag.Context(0)) && structure.ReadBoolean(BerTag.Context(0), "packed");
                        var list = structure.ReadConstructed(BerTag.ContextConstructed(1), "components");
                        var components = new List<MmsComponent>();
                        while (list.HasData)
                        {
                            CheckCount(ref list, components.Count, "components");
                            var component = list.ReadConstructed(BerTag.Sequence, "component");
                            var name = component.IsNext(BerTag.Context(0)) ? component.ReadIdentifier(BerTag.Context(0), "componentName", limits.MaxIdentifierLength) : null;
                            var typeWrapper = component.ReadConstructed(BerTag.ContextConstructed(1), "componentType");
                            var type = TypeSpecification(ref typeWrapper, depth + 1);
                            typeWrapper.ExpectEnd("componentType");
                            component.ExpectEnd("component");
                            components.Add(new MmsComponent(name, type));
                        }

                        structure.ExpectEnd("structure");
                        return new MmsStructureType(components, packed);
                    }

                    case 3 when !tag.Constructed:
                        reader.ReadNull(tag, "boolean");
                        return new MmsBooleanType();
                    case 4 when !tag.Constructed:
                        return new MmsBitStringType(reader.ReadInt32(tag, "bit-string"));
                    case 5 when !tag.Constructed:
                        return new MmsIntegerType(reader.ReadInt32(tag, "integer", 0, 255));
                    case 6 when !tag.Constructed:
                        return new MmsUnsignedType(reader.ReadInt32(tag, "unsigned", 0, 255));
                    case 7 when tag.Constructed:
                    {
                        var floating = reader.ReadConstructed(tag, "floating-point");
                        var format = floating.ReadInt32(BerTag.UniversalInteger, "format-width", 0, 255);
                        var exponent = floating.ReadInt32(BerTag.UniversalInteger, "exponent-width", 0, 255);
                        floating.ExpectEnd("floating-point");
                        return new MmsFloatingPointType(format, exponent);
                    }

                    case 9 when !tag.Constructed:
                        return new MmsOctetStringType(reader.ReadInt32(tag, "octet-string"));
                    case 10 when !tag.Constructed:
                        return new MmsVisibleStringType(reader.ReadInt32(tag, "visible-string"));
                    case 11 when !tag.Constructed:
                        reader.ReadNull(tag, "generalized-time");
                        return new MmsGeneralizedTimeType();
                    case 12 when !tag.Constructed:
                        return new MmsBinaryTimeType(reader.ReadBoolean(tag, "binary-time"));
                    case 13 when !tag.Constructed:
                        return new MmsBcdType(reader.ReadInt32(tag, "bcd", 0, 255));
                    case 15 when !tag.Constructed:
                        reader.ReadNull(tag, "objId");
                        return new MmsObjectIdentifierType();
                    case 16 when !tag.Constructed:
                        return new MmsStringType(reader.ReadInt32(tag, "mMSString"));
                    case 17 when !tag.Constructed:
                        reader.ReadNull(tag, "utc-time");
                        return new MmsUtcTimeType();
                    default:
                        break;
                }
            }

            throw reader.Fail(DecodeError.UnexpectedTag, start, $"TypeSpecification: {tag} is not a type alternative");
        }

        public ObjectName ObjectNameOf(ref BerReader reader, string what)
        {
            if (!reader.HasData)
            {
                throw reader.UnexpectedNext(what, "an ObjectName");
            }

            var tag = reader.PeekTag();
            if (tag == BerTag.Context(0))
            {
                return ObjectName.Vmd(reader.ReadIdentifier(tag, what + " vmd-specific", limits.MaxIdentifierLength));
            }

            if (tag == BerTag.ContextConstructed(1))
            {
                var domain = reader.ReadConstructed(tag, what + " domain-specific");
                var domainId = domain.ReadIdentifier(Identifier, "domainId", limits.MaxIdentifierLength);
                var itemId = domain.ReadIdentifier(Identifier, "itemId", limits.MaxIdentifierLength);
                domain.ExpectEnd(what + " domain-specific");
                return ObjectName.Domain(domainId, itemId);
            }

            if (tag == BerTag.Context(2))
            {
                return ObjectName.Association(reader.ReadIdentifier(tag, what + " aa-specific", limits.MaxIdentifierLength));
            }

            throw reader.UnexpectedNext(what, "vmd-specific (0x80), domain-specific (0xA1) or aa-specific (0x82)");
        }

        public VariableAccessSpecification VariableAccessSpecificationOf(ref BerReader reader, string what)
        {
            if (reader.IsNext(BerTag.ContextConstructed(0)))
            {
                var list = reader.ReadConstructed(BerTag.ContextConstructed(0), "listOfVariable");
                var variables = new List<VariableSpecification>();
                while (list.HasData)
                {
                    CheckCount(ref list, variables.Count, "listOfVariable");
                    variables.Add(VariableSpecificationOf(ref list));
                }

                return new VariableList(variables);
            }

            if (reader.IsNext(BerTag.ContextConstructed(1)))
            {
                var name = reader.ReadConstructed(BerTag.ContextConstructed(1), "variableListName");
                var listName = ObjectNameOf(ref name, "variableListName");
                name.ExpectEnd("variableListName");
                return new NamedVariableList(listName);
            }

            throw reader.UnexpectedNext(what, "listOfVariable (0xA0) or variableListName (0xA1)");
        }

        public VariableSpecification VariableSpecificationOf(ref BerReader list)
        {
            var item = list.ReadConstructed(BerTag.Sequence, "variable");
            if (!item.IsNext(BerTag.ContextConstructed(0)))
            {
                throw item.UnexpectedNext("variableSpecification", "name [0] (address, description and scattered access are not used by IEC 61850)");
            }

            var nameWrapper = item.ReadConstructed(BerTag.ContextConstructed(0), "name");
            var name = ObjectNameOf(ref nameWrapper, "name");
            nameWrapper.ExpectEnd("name");
            byte[]? alternate = item.IsNext(BerTag.ContextConstructed(5)) ? item.ReadExpected(BerTag.ContextConstructed(5), "alternateAccess").ToArray() : null;
            item.ExpectEnd("variable");
            return new VariableSpecification(name, alternate);
        }

        public List<AccessResult> AccessResults(BerReader list)
        {
            var results = new List<AccessResult>();
            while (list.HasData)
            {
                CheckCount(ref list, results.Count, "listOfAccessResult");
                if (list.IsNext(BerTag.Context(0)))
                {
                    results.Add(AccessResult.Failure((DataAccessError)list.ReadInt32(BerTag.Context(0), "failure", 0, int.MaxValue)));
                }
                else
                {
                    results.Add(AccessResult.Success(Data(ref list, 0)));
                }
            }

            return results;
        }

        private static byte[] EncodedAgain(BerTag tag, ReadOnlySpan<byte> content)
        {
            using var writer = new BerWriter(content.Length + 8);
            writer.WritePrimitive(tag, content);
            return writer.ToArray();
        }
    }
}
