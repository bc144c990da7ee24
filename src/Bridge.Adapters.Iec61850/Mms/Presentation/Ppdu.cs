using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Presentation;

/// <summary>A presentation context proposed in CP: its identifier (odd, chosen by the initiator), abstract syntax and transfer syntaxes.</summary>
public sealed record PresentationContext(int Id, ObjectIdentifier AbstractSyntax, IReadOnlyList<ObjectIdentifier> TransferSyntaxes);

/// <summary>The answer to one proposed context in CPA or CPR.</summary>
/// <param name="Result">0 acceptance, 1 user rejection, 2 provider rejection.</param>
/// <param name="TransferSyntax">The transfer syntax chosen, for an accepted context.</param>
/// <param name="ProviderReason">Why the provider rejected it.</param>
public sealed record PresentationContextResult(int Result, ObjectIdentifier? TransferSyntax, int? ProviderReason);

/// <summary>
/// One PDV-list of fully encoded user data: the presentation context it belongs to and the
/// encoded value (an ACSE APDU for context 1, an MMS PDU for context 3 in IEC 61850 stacks).
/// </summary>
/// <param name="TransferSyntax">The transfer syntax name, when given (it is in CP's user data only).</param>
/// <param name="ContextId">The presentation context identifier.</param>
/// <param name="Value">The value's encoding (single-ASN1-type or octet-aligned); a slice of the decoded TSDU.</param>
/// <param name="ValueOffset">Where <paramref name="Value"/> starts in the TSDU, for error offsets of the layer above.</param>
public sealed record PresentationDataValue(ObjectIdentifier? TransferSyntax, int ContextId, ReadOnlyMemory<byte> Value, int ValueOffset = 0);

/// <summary>A presentation PPDU (ISO 8823), normal mode.</summary>
public abstract record Ppdu;

/// <summary>CP, connect presentation, carried in the session CN.</summary>
/// <param name="ProtocolVersion">[0], absent means version 1.</param>
/// <param name="CallingSelector">[1] calling presentation selector.</param>
/// <param name="CalledSelector">[2] called presentation selector.</param>
/// <param name="Contexts">[4] the presentation context definition list.</param>
/// <param name="Requirements">[8] presentation requirements (none for the kernel).</param>
/// <param name="UserSessionRequirements">[9].</param>
/// <param name="UserData">The user data: the AARQ.</param>
public sealed record PresentationConnect(
    BitString? ProtocolVersion,
    byte[]? CallingSelector,
    byte[]? CalledSelector,
    IReadOnlyList<PresentationContext> Contexts,
    BitString? Requirements,
    BitString? UserSessionRequirements,
    PresentationDataValue? UserData) : Ppdu;

/// <summary>CPA, connect presentation accept, carried in the session AC.</summary>
/// <param name="ProtocolVersion">[0], absent means version 1.</param>
/// <param name="RespondingSelector">[3].</param>
/// <param name="Results">[5] one result per proposed context, in their order.</param>
/// <param name="Requirements">[8].</param>
/// <param name="UserSessionRequirements">[9].</param>
/// <param name="UserData">The user data: the AARE.</param>
public sealed record PresentationAccept(
    BitString? ProtocolVersion,
    byte[]? RespondingSelector,
    IReadOnlyList<PresentationContextResult> Results,
    BitString? Requirements,
    BitString? UserSessionRequirements,
    PresentationDataValue? UserData) : Ppdu;

/// <summary>CPR, connect presentation reject, carried in the session RF.</summary>
/// <param name="ProtocolVersion">[0].</param>
/// <param name="RespondingSelector">[3].</param>
/// <param name="Results">[5], when given.</param>
/// <param name="UserData">The user data: an AARE rejecting the association, when given.</param>
/// <param name="ProviderReason">[10]: 0 not specified, 1 temporary congestion, 2 local limit exceeded, 3 called address unknown, 4 protocol version not supported, 5 default context not supported, 6 user data not readable, 7 no PSAP available.</param>
public sealed record PresentationRefuse(
    BitString? ProtocolVersion,
    byte[]? RespondingSelector,
    IReadOnlyList<PresentationContextResult>? Results,
    int? ProviderReason,
    PresentationDataValue? UserData) : Ppdu;

/// <summary>ARU, abnormal release by the user (normal mode), carried in the session AB with the ACSE ABRT.</summary>
/// <param name="ContextIdentifiers">[0] the contexts in use and their transfer syntaxes, when given.</param>
/// <param name="UserData">The user data: the ACSE ABRT.</param>
public sealed record PresentationUserAbort(IReadOnlyList<(int Id, ObjectIdentifier TransferSyntax)>? ContextIdentifiers, PresentationDataValue? UserData) : Ppdu;

/// <summary>ARP, abnormal release by the provider.</summary>
/// <param name="ProviderReason">[0].</param>
/// <param name="EventIdentifier">[1] the PPDU that caused it.</param>
public sealed record PresentationProviderAbort(int? ProviderReason, int? EventIdentifier) : Ppdu;

/// <summary>Fully encoded user data on its own: the presentation part of P-DATA (TD) and of the release PPDUs.</summary>
public sealed record PresentationUserData(PresentationDataValue Value) : Ppdu;
