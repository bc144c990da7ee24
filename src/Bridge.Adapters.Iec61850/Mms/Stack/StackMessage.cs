using Bridge.Adapters.Iec61850.Mms.Acse;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Presentation;
using Bridge.Adapters.Iec61850.Mms.Session;

namespace Bridge.Adapters.Iec61850.Mms.Stack;

/// <summary>
/// One TSDU of an MMS association decoded through every layer above transport: the session SPDU,
/// the presentation PPDU, the ACSE APDU and the MMS PDU it carries, as far as each is present.
/// </summary>
public abstract record StackMessage;

/// <summary>Data transfer: GT/DT, presentation user data, an MMS PDU.</summary>
public sealed record MmsDataMessage(MmsPdu Pdu) : StackMessage;

/// <summary>CN, CP, AARQ and the MMS initiate-RequestPDU.</summary>
public sealed record AssociateRequestMessage(SessionConnect Session, PresentationConnect Presentation, AssociationRequest Acse, MmsPdu? Initiate) : StackMessage;

/// <summary>AC, CPA, AARE and the MMS initiate-ResponsePDU (or initiate-ErrorPDU).</summary>
public sealed record AssociateResponseMessage(SessionAccept Session, PresentationAccept Presentation, AssociationResponse Acse, MmsPdu? Initiate) : StackMessage;

/// <summary>RF and, when present, CPR, the AARE that rejects and its MMS initiate-ErrorPDU.</summary>
public sealed record AssociateRefusedMessage(SessionRefuse Session, PresentationRefuse? Presentation, AssociationResponse? Acse, MmsPdu? Initiate) : StackMessage;

/// <summary>FN and the ACSE RLRQ.</summary>
public sealed record ReleaseRequestMessage(SessionFinish Session, ReleaseRequest Acse, int ContextId = StackCodec.AcseContextId) : StackMessage;

/// <summary>DN and the ACSE RLRE.</summary>
public sealed record ReleaseResponseMessage(SessionDisconnect Session, ReleaseResponse Acse, int ContextId = StackCodec.AcseContextId) : StackMessage;

/// <summary>AB and, when present, the ARU or ARP and the ACSE ABRT.</summary>
public sealed record AbortMessage(SessionAbort Session, Ppdu? Presentation, AbortApdu? Acse) : StackMessage;

/// <summary>AA.</summary>
public sealed record AbortAcceptMessage(SessionAbortAccept Session) : StackMessage;
