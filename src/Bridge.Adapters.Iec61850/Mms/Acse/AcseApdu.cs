using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Acse;

/// <summary>An ACSE APDU (ISO 8650-1 / X.227).</summary>
public abstract record AcseApdu;

/// <summary>
/// The user information of an APDU: one EXTERNAL whose single-ASN1-type encoding holds the MMS
/// PDU (initiate, or nothing for the release APDUs of IEC 61850 stacks).
/// </summary>
/// <param name="DirectReference">The transfer syntax, when given.</param>
/// <param name="IndirectReference">The presentation context identifier (3, MMS, in IEC 61850 stacks).</param>
/// <param name="Value">The encoded value; a slice of the decoded TSDU.</param>
/// <param name="ValueOffset">Where the value starts in the TSDU.</param>
public sealed record AcseUserInformation(ObjectIdentifier? DirectReference, int? IndirectReference, ReadOnlyMemory<byte> Value, int ValueOffset = 0);

/// <summary>AARQ, the association request.</summary>
/// <param name="ProtocolVersion">[0], absent means version 1.</param>
/// <param name="ApplicationContext">[1] (1.0.9506.2.3 for MMS).</param>
/// <param name="CalledApTitle">[2] form 2 (an object identifier).</param>
/// <param name="CalledAeQualifier">[3] form 2 (an integer).</param>
/// <param name="CallingApTitle">[6] form 2.</param>
/// <param name="CallingAeQualifier">[7] form 2.</param>
/// <param name="SenderRequirements">[10] (bit 0: authentication).</param>
/// <param name="Mechanism">[11] (2.2.3.1: password).</param>
/// <param name="Password">[12] charstring, the calling authentication value, when a password is sent.</param>
/// <param name="UserInformation">[30] the MMS initiate-RequestPDU.</param>
public sealed record AssociationRequest(
    BitString? ProtocolVersion,
    ObjectIdentifier ApplicationContext,
    ObjectIdentifier? CalledApTitle,
    int? CalledAeQualifier,
    ObjectIdentifier? CallingApTitle,
    int? CallingAeQualifier,
    BitString? SenderRequirements,
    ObjectIdentifier? Mechanism,
    byte[]? Password,
    AcseUserInformation? UserInformation) : AcseApdu;

/// <summary>Who answered an AARQ with a diagnostic, and the diagnostic.</summary>
/// <param name="FromServiceUser">True for acse-service-user [1], false for acse-service-provider [2].</param>
/// <param name="Code">User: 0 null, 1 no reason, 2 application context not supported, 3..10 AP/AE title or identifier not recognised, 11 authentication mechanism not recognised, 12 authentication mechanism required, 13 authentication failure, 14 authentication required. Provider: 0 null, 1 no reason, 2 no common ACSE version.</param>
public sealed record AssociateDiagnostic(bool FromServiceUser, int Code);

/// <summary>AARE, the association response.</summary>
/// <param name="ProtocolVersion">[0], absent means version 1.</param>
/// <param name="ApplicationContext">[1].</param>
/// <param name="Result">[2]: 0 accepted, 1 rejected (permanent), 2 rejected (transient).</param>
/// <param name="Diagnostic">[3] result source diagnostic.</param>
/// <param name="RespondingApTitle">[4] form 2.</param>
/// <param name="RespondingAeQualifier">[5] form 2.</param>
/// <param name="ResponderRequirements">[8].</param>
/// <param name="Mechanism">[9].</param>
/// <param name="UserInformation">[30] the MMS initiate-ResponsePDU or initiate-ErrorPDU.</param>
public sealed record AssociationResponse(
    BitString? ProtocolVersion,
    ObjectIdentifier ApplicationContext,
    int Result,
    AssociateDiagnostic? Diagnostic,
    ObjectIdentifier? RespondingApTitle,
    int? RespondingAeQualifier,
    BitString? ResponderRequirements,
    ObjectIdentifier? Mechanism,
    AcseUserInformation? UserInformation) : AcseApdu;

/// <summary>RLRQ, the release request.</summary>
/// <param name="Reason">[0]: 0 normal, 1 urgent, 30 user defined.</param>
/// <param name="UserInformation">[30], unused by IEC 61850 stacks.</param>
public sealed record ReleaseRequest(int? Reason, AcseUserInformation? UserInformation) : AcseApdu;

/// <summary>RLRE, the release response.</summary>
/// <param name="Reason">[0]: 0 normal, 1 not finished, 30 user defined.</param>
/// <param name="UserInformation">[30], unused by IEC 61850 stacks.</param>
public sealed record ReleaseResponse(int? Reason, AcseUserInformation? UserInformation) : AcseApdu;

/// <summary>ABRT, the abort.</summary>
/// <param name="Source">[0]: 0 acse-service-user, 1 acse-service-provider.</param>
/// <param name="UserInformation">[30], unused by IEC 61850 stacks.</param>
/// <param name="Diagnostic">[1]: 1 no reason given, 2 protocol error, 3 authentication mechanism name not recognised, ...</param>
public sealed record AbortApdu(int Source, int? Diagnostic, AcseUserInformation? UserInformation) : AcseApdu;
