using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Acse;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Presentation;
using Bridge.Adapters.Iec61850.Mms.Session;

namespace Bridge.Adapters.Iec61850.Mms.Stack;

/// <summary>
/// Decodes a TSDU through session, presentation, ACSE and MMS, and encodes a
/// <see cref="StackMessage"/> into one TSDU in a single pass (each layer leaves its user data
/// open for the one above). Pure.
/// </summary>
/// <remarks>
/// <code>
///   TSDU (reassembled COTP DTs)
///   +-- session SPDU: CN | AC | RF | FN | DN | AB | AA | GT+DT
///       +-- presentation: CP | CPA | CPR | ARU | ARP | user data (61 fully-encoded-data)
///           +-- PDV-list, presentation context 1 (ACSE) or 3 (MMS)
///               +-- ACSE AARQ | AARE | RLRQ | RLRE | ABRT    (context 1)
///               |   +-- user-information EXTERNAL, indirect reference 3
///               |       +-- MMS initiate-Request | initiate-Response | initiate-Error
///               +-- MMS PDU                                    (context 3, in GT+DT)
/// </code>
/// The context identifiers are those IEC 61850 stacks propose (1 for ACSE, 3 for MMS); a CP that
/// proposes others is read with its own.
/// </remarks>
public static class StackCodec
{
    /// <summary>The presentation context of ACSE.</summary>
    public const int AcseContextId = 1;

    /// <summary>The presentation context of MMS.</summary>
    public const int MmsContextId = 3;

    /// <summary>Decodes <paramref name="tsdu"/>; data PDUs must belong to <paramref name="mmsContextId"/>.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> tsdu, out StackMessage? message, out DecodeFailure failure, MmsDecodeLimits? limits = null, int mmsContextId = MmsContextId)
    {
        message = null;
        if (!SessionCodec.TryDecode(tsdu, out var spdu, out failure))
        {
            return false;
        }

        var userAt = UserDataOffset(tsdu, spdu!.UserData);
        try
        {
            message = spdu switch
            {
                SessionData => new MmsDataMessage(Mms(Pdv(Presentation(spdu.UserData, userAt, PresentationCodec.Kind.UserData)), mmsContextId, limits)),
                SessionConnect cn => DecodeConnect(cn, userAt, limits),
                SessionAccept ac => DecodeAccept(ac, userAt, limits),
                SessionRefuse rf => DecodeRefuse(rf, userAt, limits),
                SessionFinish fn => DecodeFinish(fn, userAt),
                SessionDisconnect dn => DecodeDisconnect(dn, userAt),
                SessionAbort ab => DecodeAbort(ab, userAt),
                SessionAbortAccept aa => new AbortAcceptMessage(aa),
                _ => throw DecodeException.Of(StackLayer.Session, DecodeError.UnsupportedSpdu, 0, spdu.GetType().Name),
            };
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes <paramref name="message"/> as one TSDU.</summary>
    public static void Encode(StackMessage message, BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        switch (message)
        {
            case MmsDataMessage data:
                EncodeData(data.Pdu, writer);
                break;
            case AssociateRequestMessage request:
                EncodeNested(writer, request.Session, request.Presentation, request.Presentation.UserData ?? new PresentationDataValue(null, AcseContextId, default), request.Acse, request.Acse.UserInformation, request.Initiate);
                break;
            case AssociateResponseMessage response:
                EncodeNested(writer, response.Session, response.Presentation, response.Presentation.UserData ?? new PresentationDataValue(null, AcseContextId, default), response.Acse, response.Acse.UserInformation, response.Initiate);
                break;
            case AssociateRefusedMessage refused:
                if (refused.Presentation is null)
                {
                    SessionCodec.Encode(refused.Session with { UserData = default }, writer);
                }
                else
                {
                    using var inner = new BerWriter();
                    EncodePresentationAndBelow(inner, refused.Presentation, refused.Presentation.UserData, refused.Acse, refused.Acse?.UserInformation, refused.Initiate);
                    SessionCodec.Encode(refused.Session with { UserData = inner.ToArray() }, writer);
                }

                break;
            case ReleaseRequestMessage release:
                EncodeNested(writer, release.Session, new PresentationUserData(Placeholder(release.ContextId)), Placeholder(release.ContextId), release.Acse, release.Acse.UserInformation, null);
                break;
            case ReleaseResponseMessage release:
                EncodeNested(writer, release.Session, new PresentationUserData(Placeholder(release.ContextId)), Placeholder(release.ContextId), release.Acse, release.Acse.UserInformation, null);
                break;
            case AbortMessage abort:
                if (abort.Presentation is null)
                {
                    SessionCodec.Encode(abort.Session with { UserData = default }, writer);
                }
                else
                {
                    var pdv = abort.Presentation is PresentationUserAbort aru ? aru.UserData : null;
                    EncodeNested(writer, abort.Session, abort.Presentation, pdv, abort.Acse, abort.Acse?.UserInformation, null);
                }

                break;
            case AbortAcceptMessage accept:
                SessionCodec.Encode(accept.Session, writer);
                break;
            default:
                throw new ArgumentException($"unknown message {message.GetType().Name}", nameof(message));
        }
    }

    /// <summary>
    /// Writes an MMS PDU as a data TSDU: GT, DT, presentation user data of the MMS context, the
    /// PDU. Returns the size of the MMS PDU (what the negotiated maximum PDU size limits).
    /// </summary>
    public static int EncodeData(MmsPdu pdu, BerWriter writer, int mmsContextId = MmsContextId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBytes(SessionCodec.DataHeader);
        var open = PresentationCodec.Begin(new PresentationUserData(Placeholder(mmsContextId)), writer, Placeholder(mmsContextId));
        var start = writer.Length;
        MmsPduCodec.Encode(pdu, writer);
        var size = writer.Length - start;
        PresentationCodec.End(writer, open);
        return size;
    }

    private static PresentationDataValue Placeholder(int contextId) => new(null, contextId, default);

    private static void EncodeNested(BerWriter writer, Spdu session, Ppdu presentation, PresentationDataValue? pdv, AcseApdu? acse, AcseUserInformation? user, MmsPdu? mms)
    {
        if (!SessionCodec.BeginUserData(session, writer))
        {
            return;
        }

        EncodePresentationAndBelow(writer, presentation, pdv, acse, user, mms);
        SessionCodec.EndUserData(writer);
    }

    private static void EncodePresentationAndBelow(BerWriter writer, Ppdu presentation, PresentationDataValue? pdv, AcseApdu? acse, AcseUserInformation? user, MmsPdu? mms)
    {
        var presentationOpen = PresentationCodec.Begin(presentation, writer, acse is null ? null : pdv);
        if (acse is not null && pdv is not null)
        {
            var acseOpen = AcseCodec.Begin(acse, writer, mms is null ? null : user ?? new AcseUserInformation(null, MmsContextId, default));
            if (mms is not null)
            {
                MmsPduCodec.Encode(mms, writer);
            }

            AcseCodec.End(writer, acseOpen);
        }

        PresentationCodec.End(writer, presentationOpen);
    }

    private static AssociateRequestMessage DecodeConnect(SessionConnect cn, int userAt, MmsDecodeLimits? limits)
    {
        var cp = (PresentationConnect)Presentation(cn.UserData, userAt, PresentationCodec.Kind.Connect);
        var acseId = cp.Contexts.FirstOrDefault(c => c.AbstractSyntax.Equals(ObjectIdentifier.AcseAbstractSyntax))?.Id ?? AcseContextId;
        var mmsId = cp.Contexts.FirstOrDefault(c => c.AbstractSyntax.Equals(ObjectIdentifier.MmsAbstractSyntax))?.Id ?? MmsContextId;
        var pdv = cp.UserData ?? throw DecodeException.Of(StackLayer.Presentation, DecodeError.MissingField, userAt, "CP without user data (the AARQ)");
        var aarq = Acse(pdv, acseId) as AssociationRequest
            ?? throw DecodeException.Of(StackLayer.Acse, DecodeError.UnsupportedApdu, pdv.ValueOffset, "CP user data is not an AARQ");
        return new AssociateRequestMessage(cn, cp, aarq, UserMms(aarq.UserInformation, mmsId, limits));
    }

    private static AssociateResponseMessage DecodeAccept(SessionAccept ac, int userAt, MmsDecodeLimits? limits)
    {
        var cpa = (PresentationAccept)Presentation(ac.UserData, userAt, PresentationCodec.Kind.Accept);
        var pdv = cpa.UserData ?? throw DecodeException.Of(StackLayer.Presentation, DecodeError.MissingField, userAt, "CPA without user data (the AARE)");
        var aare = Acse(pdv, pdv.ContextId) as AssociationResponse
            ?? throw DecodeException.Of(StackLayer.Acse, DecodeError.UnsupportedApdu, pdv.ValueOffset, "CPA user data is not an AARE");
        return new AssociateResponseMessage(ac, cpa, aare, UserMms(aare.UserInformation, aare.UserInformation?.IndirectReference ?? MmsContextId, limits));
    }

    private static AssociateRefusedMessage DecodeRefuse(SessionRefuse rf, int userAt, MmsDecodeLimits? limits)
    {
        if (rf.UserData.IsEmpty)
        {
            return new AssociateRefusedMessage(rf, null, null, null);
        }

        var cpr = (PresentationRefuse)Presentation(rf.UserData, userAt, PresentationCodec.Kind.Refuse);
        if (cpr.UserData is not { } pdv)
        {
            return new AssociateRefusedMessage(rf, cpr, null, null);
        }

        var aare = Acse(pdv, pdv.ContextId) as AssociationResponse;
        return new AssociateRefusedMessage(rf, cpr, aare, aare is null ? null : UserMms(aare.UserInformation, aare.UserInformation?.IndirectReference ?? MmsContextId, limits));
    }

    private static ReleaseRequestMessage DecodeFinish(SessionFinish fn, int userAt)
    {
        var pdv = Pdv(Presentation(fn.UserData, userAt, PresentationCodec.Kind.UserData));
        return new ReleaseRequestMessage(fn, Acse(pdv, pdv.ContextId) as ReleaseRequest
            ?? throw DecodeException.Of(StackLayer.Acse, DecodeError.UnsupportedApdu, pdv.ValueOffset, "FN user data is not an RLRQ"), pdv.ContextId);
    }

    private static ReleaseResponseMessage DecodeDisconnect(SessionDisconnect dn, int userAt)
    {
        var pdv = Pdv(Presentation(dn.UserData, userAt, PresentationCodec.Kind.UserData));
        return new ReleaseResponseMessage(dn, Acse(pdv, pdv.ContextId) as ReleaseResponse
            ?? throw DecodeException.Of(StackLayer.Acse, DecodeError.UnsupportedApdu, pdv.ValueOffset, "DN user data is not an RLRE"), pdv.ContextId);
    }

    private static AbortMessage DecodeAbort(SessionAbort ab, int userAt)
    {
        if (ab.UserData.IsEmpty)
        {
            return new AbortMessage(ab, null, null);
        }

        var ppdu = Presentation(ab.UserData, userAt, PresentationCodec.Kind.Abort);
        AbortApdu? abrt = null;
        if (ppdu is PresentationUserAbort { UserData: { } pdv })
        {
            abrt = Acse(pdv, pdv.ContextId) as AbortApdu;
        }

        return new AbortMessage(ab, ppdu, abrt);
    }

    private static Ppdu Presentation(ReadOnlyMemory<byte> data, int offset, PresentationCodec.Kind kind)
        => PresentationCodec.TryDecode(data, offset, kind, out var ppdu, out var failure) ? ppdu! : throw new DecodeException(failure);

    private static PresentationDataValue Pdv(Ppdu ppdu) => ((PresentationUserData)ppdu).Value;

    private static AcseApdu Acse(PresentationDataValue pdv, int expectedContext)
    {
        if (pdv.ContextId != expectedContext)
        {
            throw DecodeException.Of(StackLayer.Presentation, DecodeError.UnknownPresentationContext, pdv.ValueOffset, string.Create(CultureInfo.InvariantCulture, $"ACSE data in context {pdv.ContextId}, expected {expectedContext}"));
        }

        return AcseCodec.TryDecode(pdv.Value, pdv.ValueOffset, out var apdu, out var failure) ? apdu! : throw new DecodeException(failure);
    }

    private static MmsPdu Mms(PresentationDataValue pdv, int mmsContextId, MmsDecodeLimits? limits)
    {
        if (pdv.ContextId != mmsContextId)
        {
            throw DecodeException.Of(StackLayer.Presentation, DecodeError.UnknownPresentationContext, pdv.ValueOffset, string.Create(CultureInfo.InvariantCulture, $"data in presentation context {pdv.ContextId}, the MMS context is {mmsContextId}"));
        }

        return MmsPduCodec.TryDecode(pdv.Value, pdv.ValueOffset, out var pdu, out var failure, limits) ? pdu! : throw new DecodeException(failure);
    }

    private static MmsPdu? UserMms(AcseUserInformation? user, int mmsContextId, MmsDecodeLimits? limits)
    {
        if (user is null)
        {
            return null;
        }

        if (user.IndirectReference is { } context && context != mmsContextId)
        {
            throw DecodeException.Of(StackLayer.Acse, DecodeError.UnknownPresentationContext, user.ValueOffset, string.Create(CultureInfo.InvariantCulture, $"user information in presentation context {context}, the MMS context is {mmsContextId}"));
        }

        return MmsPduCodec.TryDecode(user.Value, user.ValueOffset, out var pdu, out var failure, limits) ? pdu! : throw new DecodeException(failure);
    }

    /// <summary>Where <paramref name="slice"/> starts inside <paramref name="whole"/> (they share memory).</summary>
    private static int UserDataOffset(ReadOnlyMemory<byte> whole, ReadOnlyMemory<byte> slice)
    {
        if (slice.IsEmpty)
        {
            return whole.Length;
        }

        var wholeSpan = whole.Span;
        var sliceSpan = slice.Span;
        return wholeSpan.Overlaps(sliceSpan, out var offset) ? offset : 0;
    }
}
