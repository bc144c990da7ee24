using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Mms.Pdu;

/// <summary>
/// Encodes and decodes MMS PDUs (ISO 9506-2): initiate, conclude, reject, the confirmed services
/// GetNameList, Identify, Read, Write, GetVariableAccessAttributes and
/// GetNamedVariableListAttributes with their errors, and the unconfirmed InformationReport. Pure.
/// </summary>
/// <remarks>
/// <code>
/// MMSpdu CHOICE (context tags, constructed unless noted)
///  a0 confirmed-RequestPDU   { 02 invokeID, [30 listOfModifiers, skipped], service }
///       a1 getNameList { a0 objectClass { 80 basicObjectClass }, a1 objectScope { 80 vmd | 81 domain | 82 aa }, 82 continueAfter }
///       82 identify NULL (primitive)
///       a4 read { 80 specificationWithResult, a1 { VariableAccessSpecification } }
///       a5 write { VariableAccessSpecification, a0 listOfData { Data ... } }
///       a6 getVariableAccessAttributes { a0 { ObjectName } }
///       ac getNamedVariableListAttributes { ObjectName }
///  a1 confirmed-ResponsePDU  { 02 invokeID, service }
///       a1 { a0 listOfIdentifier { 1a ... }, 81 moreFollows }     a2 { 80 vendor, 81 model, 82 revision }
///       a4 { a0 { VariableAccessSpecification }, a1 listOfAccessResult }
///       a5 { 80 failure | 81 success NULL ... }
///       a6 { 80 mmsDeletable, a2 { TypeSpecification } }      ac { 80 mmsDeletable, a1 listOfVariable }
///  a2 confirmed-ErrorPDU     { 80 invokeID, 81 modifierPosition, a2 ServiceError }
///  a3 unconfirmed-PDU        { a0 informationReport { VariableAccessSpecification, a0 listOfAccessResult } }
///  a4 rejectPDU              { 80 originalInvokeID, 81..8b rejectReason }
///  a8 initiate-RequestPDU    { 80 localDetail, 81 maxServOutstandingCalling, 82 ...Called, 83 nesting,
///                              a4 { 80 version, 81 parameterCBB, 82 servicesSupported } }
///  a9 initiate-ResponsePDU   (the same fields, negotiated)        aa initiate-ErrorPDU ServiceError
///  8b conclude-RequestPDU NULL   8c conclude-ResponsePDU NULL    ad conclude-ErrorPDU ServiceError
/// ServiceError    { a0 errorClass { 80..8c code }, 81 additionalCode, 82 additionalDescription, a3 ... }
/// VariableAccessSpecification  a0 listOfVariable { 30 { a0 name { ObjectName }, 85 alternateAccess } ... }
///                            | a1 variableListName { ObjectName }
/// ObjectName      80 vmd-specific | a1 domain-specific { 1a domainId, 1a itemId } | 82 aa-specific
/// AccessResult    80 failure DataAccessError | Data
/// </code>
/// Data and TypeSpecification are in MmsDataCodec.cs. Encoding is canonical except where the
/// wire allows a choice IEC 61850 stacks make the same way: BOOLEAN true is 0x01, moreFollows is
/// always written, DEFAULT FALSE fields (packed, mmsDeletable is mandatory) are omitted.
/// </remarks>
public static partial class MmsPduCodec
{
    private static readonly BerTag Identifier = BerTag.VisibleString;

    /// <summary>Decodes the MMS PDU in <paramref name="data"/>, which starts at <paramref name="baseOffset"/> in the TSDU.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, int baseOffset, out MmsPdu? pdu, out DecodeFailure failure, MmsDecodeLimits? limits = null)
    {
        pdu = null;
        failure = default;
        try
        {
            var reader = new BerReader(data.Span, StackLayer.Mms, baseOffset, (limits ?? MmsDecodeLimits.Default).MaxBerDepth);
            pdu = new Decoder(limits ?? MmsDecodeLimits.Default).Pdu(ref reader);
            reader.ExpectEnd("MMS PDU");
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes <paramref name="pdu"/>.</summary>
    public static void Encode(MmsPdu pdu, BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        ArgumentNullException.ThrowIfNull(writer);
        switch (pdu)
        {
            case ConfirmedRequestPdu request:
                writer.Push(BerTag.ContextConstructed(0));
                writer.WriteUnsigned(BerTag.UniversalInteger, request.InvokeId);
                WriteRequest(writer, request.Service);
                writer.Pop();
                break;
            case ConfirmedResponsePdu response:
                writer.Push(BerTag.ContextConstructed(1));
                writer.WriteUnsigned(BerTag.UniversalInteger, response.InvokeId);
                WriteResponse(writer, response.Service);
                writer.Pop();
                break;
            case ConfirmedErrorPdu error:
                writer.Push(BerTag.ContextConstructed(2));
                writer.WriteUnsigned(BerTag.Context(0), error.InvokeId);
                if (error.ModifierPosition is { } position)
                {
                    writer.WriteUnsigned(BerTag.Context(1), position);
                }

                WriteServiceError(writer, BerTag.ContextConstructed(2), error.Error);
                writer.Pop();
                break;
            case UnconfirmedPdu unconfirmed:
                writer.Push(BerTag.ContextConstructed(3));
                switch (unconfirmed.Service)
                {
                    case InformationReport report:
                        writer.Push(BerTag.ContextConstructed(0));
                        WriteVariableAccessSpecification(writer, report.Specification);
                        writer.Push(BerTag.ContextConstructed(0));
                        foreach (var result in report.Results)
                        {
                            WriteAccessResult(writer, result);
                        }

                        writer.Pop();
                        writer.Pop();
                        break;
                    case UnsupportedUnconfirmedService other:
                        writer.WriteBytes(other.Encoding);
                        break;
                    default:
                        throw new ArgumentException($"unknown unconfirmed service {unconfirmed.Service.GetType().Name}", nameof(pdu));
                }

                writer.Pop();
                break;
            case RejectPdu reject:
                writer.Push(BerTag.ContextConstructed(4));
                if (reject.OriginalInvokeId is { } original)
                {
                    writer.WriteUnsigned(BerTag.Context(0), original);
                }

                writer.WriteInteger(BerTag.Context((int)reject.Kind), reject.Reason);
                writer.Pop();
                break;
            case InitiateRequestPdu initiate:
                WriteInitiate(writer, 8, initiate.LocalDetailCalling, initiate.MaxServOutstandingCalling, initiate.MaxServOutstandingCalled, initiate.DataStructureNestingLevel, initiate.VersionNumber, initiate.ParameterCbb, initiate.ServicesSupported);
                break;
            case InitiateResponsePdu initiate:
                WriteInitiate(writer, 9, initiate.LocalDetailCalled, initiate.MaxServOutstandingCalling, initiate.MaxServOutstandingCalled, initiate.DataStructureNestingLevel, initiate.VersionNumber, initiate.ParameterCbb, initiate.ServicesSupported);
                break;
            case InitiateErrorPdu error:
                WriteServiceError(writer, BerTag.ContextConstructed(10), error.Error);
                break;
            case ConcludeRequestPdu:
                writer.WriteNull(BerTag.Context(11));
                break;
            case ConcludeResponsePdu:
                writer.WriteNull(BerTag.Context(12));
                break;
            case ConcludeErrorPdu error:
                WriteServiceError(writer, BerTag.ContextConstructed(13), error.Error);
                break;
            default:
                throw new ArgumentException($"unknown PDU {pdu.GetType().Name}", nameof(pdu));
        }
    }

    private static void WriteRequest(BerWriter writer, ConfirmedServiceRequest service)
    {
        switch (service)
        {
            case GetNameListRequest request:
                writer.Push(BerTag.ContextConstructed(1));
                writer.Push(BerTag.ContextConstructed(0));
                writer.WriteInteger(BerTag.Context(0), (int)request.ObjectClass);
                writer.Pop();
                writer.Push(BerTag.ContextConstructed(1));
                switch (request.Scope)
                {
                    case ObjectScope.VmdSpecific:
                        writer.WriteNull(BerTag.Context(0));
                        break;
                    case ObjectScope.DomainSpecific:
                        writer.WriteLatin1String(BerTag.Context(1), request.DomainId ?? throw new ArgumentException("a domain-specific GetNameList names its domain", nameof(service)));
                        break;
                    default:
                        writer.WriteNull(BerTag.Context(2));
                        break;
                }

                writer.Pop();
                if (request.ContinueAfter is { } after)
                {
                    writer.WriteLatin1String(BerTag.Context(2), after);
                }

                writer.Pop();
                break;
            case IdentifyRequest:
                writer.WriteNull(BerTag.Context(2));
                break;
            case ReadRequest read:
                writer.Push(BerTag.ContextConstructed(4));
                if (read.SpecificationWithResult)
                {
                    writer.WriteBoolean(BerTag.Context(0), true);
                }

                writer.Push(BerTag.ContextConstructed(1));
                WriteVariableAccessSpecification(writer, read.Specification);
                writer.Pop();
                writer.Pop();
                break;
            case WriteRequest write:
                writer.Push(BerTag.ContextConstructed(5));
                WriteVariableAccessSpecification(writer, write.Specification);
                writer.Push(BerTag.ContextConstructed(0));
                foreach (var value in write.Data)
                {
                    WriteData(writer, value);
                }

                writer.Pop();
                writer.Pop();
                break;
            case GetVariableAccessAttributesRequest attributes:
                writer.Push(BerTag.ContextConstructed(6));
                writer.Push(BerTag.ContextConstructed(0));
                WriteObjectName(writer, attributes.Name);
                writer.Pop();
                writer.Pop();
                break;
            case GetNamedVariableListAttributesRequest list:
                writer.Push(BerTag.ContextConstructed(12));
                WriteObjectName(writer, list.Name);
                writer.Pop();
                break;
            case UnsupportedServiceRequest other:
                writer.WriteBytes(other.Encoding);
                break;
            default:
                throw new ArgumentException($"unknown confirmed service {service.GetType().Name}", nameof(service));
        }
    }

    private static void WriteResponse(BerWriter writer, ConfirmedServiceResponse service)
    {
        switch (service)
        {
            case GetNameListResponse names:
                writer.Push(BerTag.ContextConstructed(1));
                writer.Push(BerTag.ContextConstructed(0));
                foreach (var name in names.Identifiers)
                {
                    writer.WriteLatin1String(Identifier, name);
                }

                writer.Pop();
                writer.WriteBoolean(BerTag.Context(1), names.MoreFollows);
                writer.Pop();
                break;
            case IdentifyResponse identify:
                writer.Push(BerTag.ContextConstructed(2));
                writer.WriteUtf8String(BerTag.Context(0), identify.VendorName);
                writer.WriteUtf8String(BerTag.Context(1), identify.ModelName);
                writer.WriteUtf8String(BerTag.Context(2), identify.Revision);
                if (identify.AbstractSyntaxes is { } syntaxes)
                {
                    writer.Push(BerTag.ContextConstructed(3));
                    foreach (var syntax in syntaxes)
                    {
                        writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, syntax);
                    }

                    writer.Pop();
                }

                writer.Pop();
                break;
            case ReadResponse read:
                writer.Push(BerTag.ContextConstructed(4));
                if (read.Specification is { } specification)
                {
                    writer.Push(BerTag.ContextConstructed(0));
                    WriteVariableAccessSpecification(writer, specification);
                    writer.Pop();
                }

                writer.Push(BerTag.ContextConstructed(1));
                foreach (var result in read.Results)
                {
                    WriteAccessResult(writer, result);
                }

                writer.Pop();
                writer.Pop();
                break;
            case WriteResponse write:
                writer.Push(BerTag.ContextConstructed(5));
                foreach (var result in write.Results)
                {
                    if (result is { } error)
                    {
                        writer.WriteInteger(BerTag.Context(0), (int)error);
                    }
                    else
                    {
                        writer.WriteNull(BerTag.Context(1));
                    }
                }

                writer.Pop();
                break;
            case GetVariableAccessAttributesResponse attributes:
                writer.Push(BerTag.ContextConstructed(6));
                writer.WriteBoolean(BerTag.Context(0), attributes.MmsDeletable);
                writer.Push(BerTag.ContextConstructed(2));
                WriteTypeSpecification(writer, attributes.Type);
                writer.Pop();
                writer.Pop();
                break;
            case GetNamedVariableListAttributesResponse list:
                writer.Push(BerTag.ContextConstructed(12));
                writer.WriteBoolean(BerTag.Context(0), list.MmsDeletable);
                writer.Push(BerTag.ContextConstructed(1));
                foreach (var variable in list.Variables)
                {
                    WriteVariableSpecification(writer, variable);
                }

                writer.Pop();
                writer.Pop();
                break;
            case UnsupportedServiceResponse other:
                writer.WriteBytes(other.Encoding);
                break;
            default:
                throw new ArgumentException($"unknown confirmed service {service.GetType().Name}", nameof(service));
        }
    }

    private static void WriteInitiate(BerWriter writer, int tag, int? localDetail, int calling, int called, int? nesting, int version, BitString cbb, BitString services)
    {
        writer.Push(BerTag.ContextConstructed(tag));
        if (localDetail is { } detail)
        {
            writer.WriteInteger(BerTag.Context(0), detail);
        }

        writer.WriteInteger(BerTag.Context(1), calling);
        writer.WriteInteger(BerTag.Context(2), called);
        if (nesting is { } level)
        {
            writer.WriteInteger(BerTag.Context(3), level);
        }

        writer.Push(BerTag.ContextConstructed(4));
        writer.WriteInteger(BerTag.Context(0), version);
        writer.WriteBitString(BerTag.Context(1), cbb);
        writer.WriteBitString(BerTag.Context(2), services);
        writer.Pop();
        writer.Pop();
    }

    private static void WriteServiceError(BerWriter writer, BerTag tag, ServiceError error)
    {
        writer.Push(tag);
        writer.Push(BerTag.ContextConstructed(0));
        writer.WriteInteger(BerTag.Context((int)error.Class), error.Code);
        writer.Pop();
        if (error.AdditionalCode is { } code)
        {
            writer.WriteInteger(BerTag.Context(1), code);
        }

        if (error.AdditionalDescription is { } description)
        {
            writer.WriteLatin1String(BerTag.Context(2), description);
        }

        writer.Pop();
    }

    /// <summary>The decoding half, holding the limits.</summary>
    private sealed partial class Decoder(MmsDecodeLimits limits)
    {
        public MmsPdu Pdu(ref BerReader reader)
        {
            var tag = reader.PeekTag();
            if (tag.Class != TagClass.Context)
            {
                throw reader.Fail(DecodeError.UnsupportedPdu, reader.Offset, $"an MMS PDU has a context tag, found {tag}");
            }

            switch (tag.Number)
            {
                case 0 when tag.Constructed:
                {
                    var pdu = reader.ReadConstructed(tag, "confirmed-RequestPDU");
                    var invokeId = pdu.ReadUInt32(BerTag.UniversalInteger, "invokeID");
                    if (pdu.IsNext(BerTag.Sequence))
                    {
                        pdu.Skip("listOfModifiers");
                    }

                    var service = ConfirmedRequest(ref pdu);
                    pdu.ExpectEnd("confirmed-RequestPDU");
                    return new ConfirmedRequestPdu(invokeId, service);
                }

                case 1 when tag.Constructed:
                {
                    var pdu = reader.ReadConstructed(tag, "confirmed-ResponsePDU");
                    var invokeId = pdu.ReadUInt32(BerTag.UniversalInteger, "invokeID");
                    var service = ConfirmedResponse(ref pdu);
                    pdu.ExpectEnd("confirmed-ResponsePDU");
                    return new ConfirmedResponsePdu(invokeId, service);
                }

                case 2 when tag.Constructed:
                {
                    var pdu = reader.ReadConstructed(tag, "confirmed-ErrorPDU");
                    var invokeId = pdu.ReadUInt32(BerTag.Context(0), "invokeID");
                    uint? position = pdu.IsNext(BerTag.Context(1)) ? pdu.ReadUInt32(BerTag.Context(1), "modifierPosition") : null;
                    var error = ServiceErrorOf(pdu.ReadConstructed(BerTag.ContextConstructed(2), "serviceError"));
                    pdu.ExpectEnd("confirmed-ErrorPDU");
                    return new ConfirmedErrorPdu(invokeId, position, error);
                }

                case 3 when tag.Constructed:
                {
                    var pdu = reader.ReadConstructed(tag, "unconfirmed-PDU");
                    UnconfirmedService service;
                    if (pdu.IsNext(BerTag.ContextConstructed(0)))
                    {
                        var report = pdu.ReadConstructed(BerTag.ContextConstructed(0), "informationReport");
                        var specification = VariableAccessSpecificationOf(ref report, "variableAccessSpecification");
                        var results = AccessResults(report.ReadConstructed(BerTag.ContextConstructed(0), "listOfAccessResult"));
                        report.ExpectEnd("informationReport");
                        service = new InformationReport(specification, results);
                    }
                    else
                    {
                        var encoded = pdu.ReadEncodedElement(out var serviceTag, "unconfirmedService");
                        service = new UnsupportedUnconfirmedService(serviceTag, encoded.ToArray());
                    }

                    if (pdu.HasData)
                    {
                        pdu.Skip("service-ext");
                    }

                    pdu.ExpectEnd("unconfirmed-PDU");
                    return new UnconfirmedPdu(service);
                }

                case 4 when tag.Constructed:
                {
                    var pdu = reader.ReadConstructed(tag, "rejectPDU");
                    uint? original = pdu.IsNext(BerTag.Context(0)) ? pdu.ReadUInt32(BerTag.Context(0), "originalInvokeID") : null;
                    var reasonTag = pdu.HasData ? pdu.PeekTag() : default;
                    if (reasonTag.Class != TagClass.Context || reasonTag.Constructed || reasonTag.Number is < 1 or > 11)
                    {
                        throw pdu.UnexpectedNext("rejectReason", "a reason [1] to [11]");
                    }

                    var reason = pdu.ReadInt32(reasonTag, "rejectReason");
                    pdu.ExpectEnd("rejectPDU");
                    return new RejectPdu(original, (RejectKind)reasonTag.Number, reason);
                }

                case 8 when tag.Constructed:
                case 9 when tag.Constructed:
                {
                    var pdu = reader.ReadConstructed(tag, tag.Number == 8 ? "initiate-RequestPDU" : "initiate-ResponsePDU");
                    int? detail = pdu.IsNext(BerTag.Context(0)) ? pdu.ReadInt32(BerTag.Context(0), "localDetail") : null;
                    var calling = pdu.ReadInt32(BerTag.Context(1), "maxServOutstandingCalling", 1, short.MaxValue);
                    var called = pdu.ReadInt32(BerTag.Context(2), "maxServOutstandingCalled", 1, short.MaxValue);
                    int? nesting = pdu.IsNext(BerTag.Context(3)) ? pdu.ReadInt32(BerTag.Context(3), "dataStructureNestingLevel", 0, sbyte.MaxValue) : null;
                    var details = pdu.ReadConstructed(BerTag.ContextConstructed(4), "initRequestDetail");
                    var version = details.ReadInt32(BerTag.Context(0), "versionNumber", 0, short.MaxValue);
                    var cbb = details.ReadBitString(BerTag.Context(1), "parameterCBB", 64);
                    var services = details.ReadBitString(BerTag.Context(2), "servicesSupported", 256);
                    while (details.HasData)
                    {
                        details.Skip("additional initiate detail"); // [3]-[5]: companion standard extensions
                    }

                    pdu.ExpectEnd("initiate PDU");
                    return tag.Number == 8
                        ? new InitiateRequestPdu(detail, calling, called, nesting, version, cbb, services)
                        : new InitiateResponsePdu(detail, calling, called, nesting, version, cbb, services);
                }

                case 10 when tag.Constructed:
                    return new InitiateErrorPdu(ServiceErrorOf(reader.ReadConstructed(tag, "initiate-ErrorPDU")));
                case 11 when !tag.Constructed:
                    reader.ReadNull(tag, "conclude-RequestPDU");
                    return new ConcludeRequestPdu();
                case 12 when !tag.Constructed:
                    reader.ReadNull(tag, "conclude-ResponsePDU");
                    return new ConcludeResponsePdu();
                case 13 when tag.Constructed:
                    return new ConcludeErrorPdu(ServiceErrorOf(reader.ReadConstructed(tag, "conclude-ErrorPDU")));
                default:
                    throw reader.Fail(DecodeError.UnsupportedPdu, reader.Offset, $"MMS PDU {tag} is not one this stack handles (confirmed, unconfirmed, reject, initiate, conclude)");
            }
        }

        private ConfirmedServiceRequest ConfirmedRequest(ref BerReader pdu)
        {
            if (!pdu.HasData)
            {
                throw pdu.UnexpectedNext("confirmed-RequestPDU", "a confirmed service request");
            }

            var tag = pdu.PeekTag();
            if (tag == BerTag.ContextConstructed(1))
            {
                var request = pdu.ReadConstructed(tag, "getNameList");
                var objectClass = request.ReadConstructed(BerTag.ContextConstructed(0), "objectClass");
                var classValue = objectClass.ReadInt32(BerTag.Context(0), "basicObjectClass", 0, 255);
                objectClass.ExpectEnd("objectClass");
                var scope = request.ReadConstructed(BerTag.ContextConstructed(1), "objectScope");
                ObjectScope scopeValue;
                string? domain = null;
                var scopeTag = scope.HasData ? scope.PeekTag() : default;
                if (scopeTag == BerTag.Context(0))
                {
                    scope.ReadNull(scopeTag, "vmdSpecific");
                    scopeValue = ObjectScope.VmdSpecific;
                }
                else if (scopeTag == BerTag.Context(1))
                {
                    domain = scope.ReadIdentifier(scopeTag, "domainSpecific", limits.MaxIdentifierLength);
                    scopeValue = ObjectScope.DomainSpecific;
                }
                else if (scopeTag == BerTag.Context(2))
                {
                    scope.ReadNull(scopeTag, "aaSpecific");
                    scopeValue = ObjectScope.AaSpecific;
                }
                else
                {
                    throw scope.UnexpectedNext("objectScope", "vmdSpecific [0], domainSpecific [1] or aaSpecific [2]");
                }

                scope.ExpectEnd("objectScope");
                string? after = request.IsNext(BerTag.Context(2)) ? request.ReadIdentifier(BerTag.Context(2), "continueAfter", limits.MaxIdentifierLength) : null;
                request.ExpectEnd("getNameList");
                return new GetNameListRequest((ObjectClass)classValue, scopeValue, domain, after);
            }

            if (tag == BerTag.Context(2))
            {
                pdu.ReadNull(tag, "identify");
                return new IdentifyRequest();
            }

            if (tag == BerTag.ContextConstructed(4))
            {
                var request = pdu.ReadConstructed(tag, "read");
                var withResult = request.IsNext(BerTag.Context(0)) && request.ReadBoolean(BerTag.Context(0), "specificationWithResult");
                var wrapper = request.ReadConstructed(BerTag.ContextConstructed(1), "variableAccessSpecificatn");
                var specification = VariableAccessSpecificationOf(ref wrapper, "variableAccessSpecificatn");
                wrapper.ExpectEnd("variableAccessSpecificatn");
                request.ExpectEnd("read");
                return new ReadRequest(specification, withResult);
            }

            if (tag == BerTag.ContextConstructed(5))
            {
                var request = pdu.ReadConstructed(tag, "write");
                var specification = VariableAccessSpecificationOf(ref request, "variableAccessSpecification");
                var list = request.ReadConstructed(BerTag.ContextConstructed(0), "listOfData");
                var data = new List<MmsValue>();
                while (list.HasData)
                {
                    CheckCount(ref list, data.Count, "listOfData");
                    data.Add(Data(ref list, 0));
                }

                request.ExpectEnd("write");
                return new WriteRequest(specification, data);
            }

            if (tag == BerTag.ContextConstructed(6))
            {
                var request = pdu.ReadConstructed(tag, "getVariableAccessAttributes");
                var name = request.ReadConstructed(BerTag.ContextConstructed(0), "name");
                var objectName = ObjectNameOf(ref name, "name");
                name.ExpectEnd("name");
                request.ExpectEnd("getVariableAccessAttributes");
                return new GetVariableAccessAttributesRequest(objectName);
            }

            if (tag == BerTag.ContextConstructed(12))
            {
                var request = pdu.ReadConstructed(tag, "getNamedVariableListAttributes");
                var objectName = ObjectNameOf(ref request, "variableListName");
                request.ExpectEnd("getNamedVariableListAttributes");
                return new GetNamedVariableListAttributesRequest(objectName);
            }

            var encoded = pdu.ReadEncodedElement(out var otherTag, "confirmed service request");
            return new UnsupportedServiceRequest(otherTag, encoded.ToArray());
        }

        private ConfirmedServiceResponse ConfirmedResponse(ref BerReader pdu)
        {
            if (!pdu.HasData)
            {
                throw pdu.UnexpectedNext("confirmed-ResponsePDU", "a confirmed service response");
            }

            var tag = pdu.PeekTag();
            if (tag == BerTag.ContextConstructed(1))
            {
                var response = pdu.ReadConstructed(tag, "getNameList");
                var list = response.ReadConstructed(BerTag.ContextConstructed(0), "listOfIdentifier");
                var names = new List<string>();
                while (list.HasData)
                {
                    CheckCount(ref list, names.Count, "listOfIdentifier");
                    names.Add(list.ReadIdentifier(Identifier, "identifier", limits.MaxIdentifierLength));
                }

                var more = !response.IsNext(BerTag.Context(1)) || response.ReadBoolean(BerTag.Context(1), "moreFollows");
                response.ExpectEnd("getNameList");
                return new GetNameListResponse(names, more);
            }

            if (tag == BerTag.ContextConstructed(2))
            {
                var response = pdu.ReadConstructed(tag, "identify");
                var vendor = response.ReadUtf8String(BerTag.Context(0), "vendorName", 1024);
                var model = response.ReadUtf8String(BerTag.Context(1), "modelName", 1024);
                var revision = response.ReadUtf8String(BerTag.Context(2), "revision", 1024);
                List<ObjectIdentifier>? syntaxes = null;
                if (response.IsNext(BerTag.ContextConstructed(3)))
                {
                    syntaxes = [];
                    var list = response.ReadConstructed(BerTag.ContextConstructed(3), "listOfAbstractSyntaxes");
                    while (list.HasData)
                    {
                        CheckCount(ref list, syntaxes.Count, "listOfAbstractSyntaxes");
                        syntaxes.Add(list.ReadObjectIdentifier(BerTag.ObjectIdentifier, "abstract syntax"));
                    }
                }

                response.ExpectEnd("identify");
                return new IdentifyResponse(vendor, model, revision, syntaxes);
            }

            if (tag == BerTag.ContextConstructed(4))
            {
                var response = pdu.ReadConstructed(tag, "read");
                VariableAccessSpecification? specification = null;
                if (response.IsNext(BerTag.ContextConstructed(0)))
                {
                    var wrapper = response.ReadConstructed(BerTag.ContextConstructed(0), "variableAccessSpecificatn");
                    specification = VariableAccessSpecificationOf(ref wrapper, "variableAccessSpecificatn");
                    wrapper.ExpectEnd("variableAccessSpecificatn");
                }

                var results = AccessResults(response.ReadConstructed(BerTag.ContextConstructed(1), "listOfAccessResult"));
                response.ExpectEnd("read");
                return new ReadResponse(specification, results);
            }

            if (tag == BerTag.ContextConstructed(5))
            {
                var response = pdu.ReadConstructed(tag, "write");
                var results = new List<DataAccessError?>();
                while (response.HasData)
                {
                    CheckCount(ref response, results.Count, "write results");
                    if (response.IsNext(BerTag.Context(1)))
                    {
                        response.ReadNull(BerTag.Context(1), "success");
                        results.Add(null);
                    }
                    else if (response.IsNext(BerTag.Context(0)))
                    {
                        results.Add((DataAccessError)response.ReadInt32(BerTag.Context(0), "failure", 0, int.MaxValue));
                    }
                    else
                    {
                        throw response.UnexpectedNext("write result", "failure [0] or success [1]");
                    }
                }

                return new WriteResponse(results);
            }

            if (tag == BerTag.ContextConstructed(6))
            {
                var response = pdu.ReadConstructed(tag, "getVariableAccessAttributes");
                var deletable = response.ReadBoolean(BerTag.Context(0), "mmsDeletable");
                if (response.IsNext(BerTag.ContextConstructed(1)) || response.IsNext(BerTag.Context(1)))
                {
                    response.Skip("address");
                }

                var wrapper = response.ReadConstructed(BerTag.ContextConstructed(2), "typeSpecification");
                var type = TypeSpecification(ref wrapper, 0);
                wrapper.ExpectEnd("typeSpecification");
                while (response.HasData)
                {
                    response.Skip("typeDescription extension");
                }

                return new GetVariableAccessAttributesResponse(deletable, type);
            }

            if (tag == BerTag.ContextConstructed(12))
            {
                var response = pdu.ReadConstructed(tag, "getNamedVariableListAttributes");
                var deletable = response.ReadBoolean(BerTag.Context(0), "mmsDeletable");
                var list = response.ReadConstructed(BerTag.ContextConstructed(1), "listOfVariable");
                var variables = new List<VariableSpecification>();
                while (list.HasData)
                {
                    CheckCount(ref list, variables.Count, "listOfVariable");
                    variables.Add(VariableSpecificationOf(ref list));
                }

                while (response.HasData)
                {
                    response.Skip("accessControlList");
                }

                return new GetNamedVariableListAttributesResponse(deletable, variables);
            }

            var encoded = pdu.ReadEncodedElement(out var otherTag, "confirmed service response");
            return new UnsupportedServiceResponse(otherTag, encoded.ToArray());
        }

        private static ServiceError ServiceErrorOf(BerReader error)
        {
            var errorClass = error.ReadConstructed(BerTag.ContextConstructed(0), "errorClass");
            var classTag = errorClass.HasData ? errorClass.PeekTag() : default;
            if (classTag.Class != TagClass.Context || classTag.Constructed || classTag.Number > 12)
            {
                throw errorClass.UnexpectedNext("errorClass", "a class [0] to [12]");
            }

            var code = errorClass.ReadInt32(classTag, "error code");
            errorClass.ExpectEnd("errorClass");
            long? additionalCode = error.IsNext(BerTag.Context(1)) ? error.ReadInteger(BerTag.Context(1), "additionalCode") : null;
            var description = error.IsNext(BerTag.Context(2)) ? error.ReadLatin1String(BerTag.Context(2), "additionalDescription", 4096) : null;
            while (error.HasData)
            {
                error.Skip("serviceSpecificInformation");
            }

            return new ServiceError((ErrorClass)classTag.Number, code, additionalCode, description);
        }

        private void CheckCount(ref BerReader reader, int count, string what)
        {
            if (count >= limits.MaxListElements)
            {
                throw reader.Fail(DecodeError.TooManyElements, reader.Offset, string.Create(CultureInfo.InvariantCulture, $"{what}: more than {limits.MaxListElements} elements"));
            }
        }
    }
}
