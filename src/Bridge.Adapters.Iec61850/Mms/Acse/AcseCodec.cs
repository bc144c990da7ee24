using System.Text;
using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Acse;

/// <summary>
/// Encodes and decodes the ACSE APDUs of an MMS association (ISO 8650-1): AARQ, AARE, RLRQ, RLRE
/// and ABRT, AP titles and AE qualifiers in form 2, password authentication. Pure. Fields the
/// records do not hold (invocation identifiers, implementation information) are skipped.
/// </summary>
/// <remarks>
/// <code>
/// AARQ 60 { 80 protocol-version BIT STRING, a1 { 06 application-context-name },
///           a2 { 06 called-AP-title }, a3 { 02 called-AE-qualifier },
///           a6 { 06 calling-AP-title }, a7 { 02 calling-AE-qualifier },
///           8a sender-acse-requirements BIT STRING, 8b mechanism-name OID,
///           ac { 80 charstring (password) },
///           be user-information { 28 EXTERNAL { 06 direct-reference, 02 indirect-reference,
///                                                a0 single-ASN1-type { MMS PDU } } } }
/// AARE 61 { 80, a1 { 06 }, a2 { 02 result }, a3 { a1 { 02 user diagnostic } | a2 { 02 provider diagnostic } },
///           a4 { 06 responding-AP-title }, a5 { 02 responding-AE-qualifier },
///           88 responder-acse-requirements, 89 mechanism-name, be user-information }
/// RLRQ 62 { 80 reason, be user-information }     RLRE 63 { 80 reason, be user-information }
/// ABRT 64 { 80 abort-source, 81 abort-diagnostic, be user-information }
/// </code>
/// </remarks>
public static class AcseCodec
{
    private static readonly BerTag Aarq = BerTag.ApplicationConstructed(0);
    private static readonly BerTag Aare = BerTag.ApplicationConstructed(1);
    private static readonly BerTag Rlrq = BerTag.ApplicationConstructed(2);
    private static readonly BerTag Rlre = BerTag.ApplicationConstructed(3);
    private static readonly BerTag Abrt = BerTag.ApplicationConstructed(4);
    private static readonly BerTag UserInformationTag = BerTag.ContextConstructed(30);

    /// <summary>Decodes the APDU in <paramref name="data"/>, which starts at <paramref name="baseOffset"/> in the TSDU.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, int baseOffset, out AcseApdu? apdu, out DecodeFailure failure)
    {
        apdu = null;
        failure = default;
        try
        {
            apdu = Decode(data, baseOffset);
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes <paramref name="apdu"/> with its user information.</summary>
    public static void Encode(AcseApdu apdu, BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(apdu);
        var user = apdu switch
        {
            AssociationRequest r => r.UserInformation,
            AssociationResponse r => r.UserInformation,
            ReleaseRequest r => r.UserInformation,
            ReleaseResponse r => r.UserInformation,
            AbortApdu r => r.UserInformation,
            _ => null,
        };
        var open = Begin(apdu, writer, user);
        if (user is not null)
        {
            writer.WriteBytes(user.Value.Span);
        }

        End(writer, open);
    }

    /// <summary>
    /// Writes <paramref name="apdu"/> up to the value of its user information (described by
    /// <paramref name="userInformation"/>; its value is ignored) and leaves it open for the caller
    /// to write the MMS PDU into; then <see cref="End"/> with the returned count.
    /// </summary>
    public static int Begin(AcseApdu apdu, BerWriter writer, AcseUserInformation? userInformation)
    {
        ArgumentNullException.ThrowIfNull(apdu);
        ArgumentNullException.ThrowIfNull(writer);
        switch (apdu)
        {
            case AssociationRequest r:
                writer.Push(Aarq);
                WriteOptionalBits(writer, 0, r.ProtocolVersion);
                WriteExplicitOid(writer, 1, r.ApplicationContext);
                WriteExplicitOid(writer, 2, r.CalledApTitle);
                WriteExplicitInteger(writer, 3, r.CalledAeQualifier);
                WriteExplicitOid(writer, 6, r.CallingApTitle);
                WriteExplicitInteger(writer, 7, r.CallingAeQualifier);
                WriteOptionalBits(writer, 10, r.SenderRequirements);
                if (r.Mechanism is { } mechanism)
                {
                    writer.WriteObjectIdentifier(BerTag.Context(11), mechanism);
                }

                if (r.Password is { } password)
                {
                    writer.Push(BerTag.ContextConstructed(12));
                    writer.WritePrimitive(BerTag.Context(0), password);
                    writer.Pop();
                }

                break;
            case AssociationResponse r:
                writer.Push(Aare);
                WriteOptionalBits(writer, 0, r.ProtocolVersion);
                WriteExplicitOid(writer, 1, r.ApplicationContext);
                WriteExplicitInteger(writer, 2, r.Result);
                if (r.Diagnostic is { } diagnostic)
                {
                    writer.Push(BerTag.ContextConstructed(3));
                    writer.Push(BerTag.ContextConstructed(diagnostic.FromServiceUser ? 1 : 2));
                    writer.WriteInteger(BerTag.UniversalInteger, diagnostic.Code);
                    writer.Pop();
                    writer.Pop();
                }

                WriteExplicitOid(writer, 4, r.RespondingApTitle);
                WriteExplicitInteger(writer, 5, r.RespondingAeQualifier);
                WriteOptionalBits(writer, 8, r.ResponderRequirements);
                if (r.Mechanism is { } responseMechanism)
                {
                    writer.WriteObjectIdentifier(BerTag.Context(9), responseMechanism);
                }

                break;
            case ReleaseRequest r:
                writer.Push(Rlrq);
                WriteOptionalInteger(writer, 0, r.Reason);
                break;
            case ReleaseResponse r:
                writer.Push(Rlre);
                WriteOptionalInteger(writer, 0, r.Reason);
                break;
            case AbortApdu r:
                writer.Push(Abrt);
                writer.WriteInteger(BerTag.Context(0), r.Source);
                WriteOptionalInteger(writer, 1, r.Diagnostic);
                break;
            default:
                throw new ArgumentException($"unknown APDU {apdu.GetType().Name}", nameof(apdu));
        }

        if (userInformation is null)
        {
            writer.Pop();
            return 0;
        }

        writer.Push(UserInformationTag);
        writer.Push(BerTag.External);
        if (userInformation.DirectReference is { } direct)
        {
            writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, direct);
        }

        if (userInformation.IndirectReference is { } indirect)
        {
            writer.WriteInteger(BerTag.UniversalInteger, indirect);
        }

        writer.Push(BerTag.ContextConstructed(0));
        return 4;
    }

    /// <summary>Closes what <see cref="Begin"/> left open.</summary>
    public static void End(BerWriter writer, int open)
    {
        ArgumentNullException.ThrowIfNull(writer);
        for (var i = 0; i < open; i++)
        {
            writer.Pop();
        }
    }

    private static AcseApdu Decode(ReadOnlyMemory<byte> memory, int baseOffset)
    {
        var top = new BerReader(memory.Span, StackLayer.Acse, baseOffset);
        var tag = top.PeekTag();
        var apdu = top.ReadAnyConstructed(out _, "ACSE APDU");
        top.ExpectEnd("ACSE APDU");
        if (tag.Class != TagClass.Application)
        {
            throw top.Fail(DecodeError.UnsupportedApdu, baseOffset, $"an ACSE APDU has an APPLICATION tag, found {tag}");
        }

        switch (tag.Number)
        {
            case 0:
            {
                var version = ReadOptionalBits(ref apdu, 0, "protocol-version");
                var context = ReadExplicitOid(ref apdu, 1, "application-context-name") ?? throw apdu.UnexpectedNext("AARQ", "application-context-name [1]");
                var calledAp = ReadExplicitOid(ref apdu, 2, "called-AP-title");
                var calledAe = ReadExplicitInteger(ref apdu, 3, "called-AE-qualifier");
                SkipOptional(ref apdu, 4);
                SkipOptional(ref apdu, 5);
                var callingAp = ReadExplicitOid(ref apdu, 6, "calling-AP-title");
                var callingAe = ReadExplicitInteger(ref apdu, 7, "calling-AE-qualifier");
                SkipOptional(ref apdu, 8);
                SkipOptional(ref apdu, 9);
                var requirements = ReadOptionalBits(ref apdu, 10, "sender-acse-requirements");
                var mechanism = apdu.IsNext(BerTag.Context(11)) ? apdu.ReadObjectIdentifier(BerTag.Context(11), "mechanism-name") : null;
                byte[]? password = null;
                if (apdu.IsNext(BerTag.ContextConstructed(12)))
                {
                    var value = apdu.ReadConstructed(BerTag.ContextConstructed(12), "calling-authentication-value");
                    if (value.IsNext(BerTag.Context(0)))
                    {
                        password = value.ReadOctets(BerTag.Context(0), "charstring", 1024);
                    }
                    else
                    {
                        value.Skip("authentication value");
                    }

                    value.ExpectEnd("calling-authentication-value");
                }

                SkipOptional(ref apdu, 13);
                SkipOptional(ref apdu, 29);
                var user = ReadUserInformation(ref apdu, memory, baseOffset);
                apdu.ExpectEnd("AARQ");
                return new AssociationRequest(version, context, calledAp, calledAe, callingAp, callingAe, requirements, mechanism, password, user);
            }

            case 1:
            {
                var version = ReadOptionalBits(ref apdu, 0, "protocol-version");
                var context = ReadExplicitOid(ref apdu, 1, "application-context-name") ?? throw apdu.UnexpectedNext("AARE", "application-context-name [1]");
                var result = ReadExplicitInteger(ref apdu, 2, "result") ?? throw apdu.UnexpectedNext("AARE", "result [2]");
                AssociateDiagnostic? diagnostic = null;
                if (apdu.IsNext(BerTag.ContextConstructed(3)))
                {
                    var source = apdu.ReadConstructed(BerTag.ContextConstructed(3), "result-source-diagnostic");
                    var which = source.ReadAnyConstructed(out var choice, "result-source-diagnostic choice");
                    if (choice.Class != TagClass.Context || choice.Number is not (1 or 2))
                    {
                        throw source.Fail(DecodeError.UnexpectedTag, source.Offset, $"result-source-diagnostic: expected acse-service-user [1] or acse-service-provider [2], found {choice}");
                    }

                    diagnostic = new AssociateDiagnostic(choice.Number == 1, which.ReadInt32(BerTag.UniversalInteger, "diagnostic"));
                    which.ExpectEnd("diagnostic");
                    source.ExpectEnd("result-source-diagnostic");
                }

                var respondingAp = ReadExplicitOid(ref apdu, 4, "responding-AP-title");
                var respondingAe = ReadExplicitInteger(ref apdu, 5, "responding-AE-qualifier");
                SkipOptional(ref apdu, 6);
                SkipOptional(ref apdu, 7);
                var requirements = ReadOptionalBits(ref apdu, 8, "responder-acse-requirements");
                var mechanism = apdu.IsNext(BerTag.Context(9)) ? apdu.ReadObjectIdentifier(BerTag.Context(9), "mechanism-name") : null;
                SkipOptional(ref apdu, 10);
                SkipOptional(ref apdu, 11);
                SkipOptional(ref apdu, 29);
                var user = ReadUserInformation(ref apdu, memory, baseOffset);
                apdu.ExpectEnd("AARE");
                return new AssociationResponse(version, context, result, diagnostic, respondingAp, respondingAe, requirements, mechanism, user);
            }

            case 2:
            case 3:
            {
                int? reason = apdu.IsNext(BerTag.Context(0)) ? apdu.ReadInt32(BerTag.Context(0), "reason") : null;
                var user = ReadUserInformation(ref apdu, memory, baseOffset);
                apdu.ExpectEnd(tag.Number == 2 ? "RLRQ" : "RLRE");
                return tag.Number == 2 ? new ReleaseRequest(reason, user) : new ReleaseResponse(reason, user);
            }

            case 4:
            {
                var source = apdu.ReadInt32(BerTag.Context(0), "abort-source", 0, 1);
                int? diagnostic = apdu.IsNext(BerTag.Context(1)) ? apdu.ReadInt32(BerTag.Context(1), "abort-diagnostic") : null;
                var user = ReadUserInformation(ref apdu, memory, baseOffset);
                apdu.ExpectEnd("ABRT");
                return new AbortApdu(source, diagnostic, user);
            }

            default:
                throw top.Fail(DecodeError.UnsupportedApdu, baseOffset, $"{tag} is not AARQ, AARE, RLRQ, RLRE or ABRT");
        }
    }

    private static AcseUserInformation? ReadUserInformation(ref BerReader reader, ReadOnlyMemory<byte> memory, int baseOffset)
    {
        if (!reader.IsNext(UserInformationTag))
        {
            return null;
        }

        var list = reader.ReadConstructed(UserInformationTag, "user-information");
        var external = list.ReadConstructed(BerTag.External, "EXTERNAL");
        if (list.HasData)
        {
            throw list.Fail(DecodeError.UnsupportedApdu, list.Offset, "more than one EXTERNAL in user-information");
        }

        var direct = external.IsNext(BerTag.ObjectIdentifier) ? external.ReadObjectIdentifier(BerTag.ObjectIdentifier, "direct-reference") : null;
        int? indirect = external.IsNext(BerTag.UniversalInteger) ? external.ReadInt32(BerTag.UniversalInteger, "indirect-reference") : null;
        var start = external.Offset;
        var value = external.ReadElement(out var tag, out var valueOffset, "encoding");
        if (tag != BerTag.ContextConstructed(0) && tag != BerTag.Context(1))
        {
            throw external.Fail(DecodeError.UnexpectedTag, start, $"EXTERNAL encoding: expected single-ASN1-type (0xA0) or octet-aligned (0x81), found {tag}");
        }

        external.ExpectEnd("EXTERNAL");
        return new AcseUserInformation(direct, indirect, memory.Slice(valueOffset - baseOffset, value.Length), valueOffset);
    }

    private static ObjectIdentifier? ReadExplicitOid(ref BerReader reader, int tag, string what)
    {
        if (!reader.IsNext(BerTag.ContextConstructed(tag)))
        {
            return null;
        }

        var inner = reader.ReadConstructed(BerTag.ContextConstructed(tag), what);
        if (!inner.IsNext(BerTag.ObjectIdentifier))
        {
            return null; // form 1 (a directory name): not used by IEC 61850, skipped
        }

        var value = inner.ReadObjectIdentifier(BerTag.ObjectIdentifier, what);
        inner.ExpectEnd(what);
        return value;
    }

    private static int? ReadExplicitInteger(ref BerReader reader, int tag, string what)
    {
        if (!reader.IsNext(BerTag.ContextConstructed(tag)))
        {
            return null;
        }

        var inner = reader.ReadConstructed(BerTag.ContextConstructed(tag), what);
        var value = inner.ReadInt32(BerTag.UniversalInteger, what);
        inner.ExpectEnd(what);
        return value;
    }

    private static BitString? ReadOptionalBits(ref BerReader reader, int tag, string what)
        => reader.IsNext(BerTag.Context(tag)) ? reader.ReadBitString(BerTag.Context(tag), what) : null;

    private static void SkipOptional(ref BerReader reader, int tag)
    {
        if (reader.HasData && reader.PeekTag() is { Class: TagClass.Context } next && next.Number == tag)
        {
            reader.Skip("optional field");
        }
    }

    private static void WriteOptionalBits(BerWriter writer, int tag, BitString? bits)
    {
        if (bits is not null)
        {
            writer.WriteBitString(BerTag.Context(tag), bits);
        }
    }

    private static void WriteOptionalInteger(BerWriter writer, int tag, int? value)
    {
        if (value is { } v)
        {
            writer.WriteInteger(BerTag.Context(tag), v);
        }
    }

    private static void WriteExplicitOid(BerWriter writer, int tag, ObjectIdentifier? value)
    {
        if (value is not null)
        {
            writer.Push(BerTag.ContextConstructed(tag));
            writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, value);
            writer.Pop();
        }
    }

    private static void WriteExplicitInteger(BerWriter writer, int tag, int? value)
    {
        if (value is { } v)
        {
            writer.Push(BerTag.ContextConstructed(tag));
            writer.WriteInteger(BerTag.UniversalInteger, v);
            writer.Pop();
        }
    }

    /// <summary>The password as the octets of an ACSE charstring (GraphicString: Latin-1).</summary>
    public static byte[] PasswordOctets(string password) => Encoding.Latin1.GetBytes(password ?? throw new ArgumentNullException(nameof(password)));
}
