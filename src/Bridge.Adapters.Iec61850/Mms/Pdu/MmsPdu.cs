using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Mms.Pdu;

/// <summary>An MMS PDU (ISO 9506-2 §7, the MMSpdu CHOICE).</summary>
public abstract record MmsPdu;

/// <summary>confirmed-RequestPDU [0].</summary>
public sealed record ConfirmedRequestPdu(uint InvokeId, ConfirmedServiceRequest Service) : MmsPdu;

/// <summary>confirmed-ResponsePDU [1].</summary>
public sealed record ConfirmedResponsePdu(uint InvokeId, ConfirmedServiceResponse Service) : MmsPdu;

/// <summary>confirmed-ErrorPDU [2].</summary>
/// <param name="InvokeId">[0] the request's invoke id.</param>
/// <param name="ModifierPosition">[1], when a modifier failed.</param>
/// <param name="Error">[2] why the request failed.</param>
public sealed record ConfirmedErrorPdu(uint InvokeId, uint? ModifierPosition, ServiceError Error) : MmsPdu;

/// <summary>unconfirmed-PDU [3].</summary>
public sealed record UnconfirmedPdu(UnconfirmedService Service) : MmsPdu;

/// <summary>rejectPDU [4]: the peer could not accept a PDU.</summary>
/// <param name="OriginalInvokeId">[0] the invoke id of the rejected PDU, when it could be read.</param>
/// <param name="Kind">Which kind of PDU was rejected (the rejectReason alternative).</param>
/// <param name="Reason">The reason code within that alternative (for confirmed requests: 0 other, 1 unrecognized service, 2 unrecognized modifier, 3 invalid invoke id, 4 invalid argument, 5 invalid modifier, 6 max serv outstanding exceeded, 8 max recursion exceeded, 9 value out of range).</param>
public sealed record RejectPdu(uint? OriginalInvokeId, RejectKind Kind, int Reason) : MmsPdu;

/// <summary>initiate-RequestPDU [8].</summary>
/// <param name="LocalDetailCalling">[0] the largest PDU the caller accepts, in octets.</param>
/// <param name="MaxServOutstandingCalling">[1] requests the caller may have outstanding at the called side.</param>
/// <param name="MaxServOutstandingCalled">[2] requests the called side may have outstanding at the caller.</param>
/// <param name="DataStructureNestingLevel">[3].</param>
/// <param name="VersionNumber">[4][0] (1: ISO 9506:2003).</param>
/// <param name="ParameterCbb">[4][1] parameter support options (conformance building blocks).</param>
/// <param name="ServicesSupported">[4][2] the services the caller supports.</param>
public sealed record InitiateRequestPdu(
    int? LocalDetailCalling,
    int MaxServOutstandingCalling,
    int MaxServOutstandingCalled,
    int? DataStructureNestingLevel,
    int VersionNumber,
    BitString ParameterCbb,
    BitString ServicesSupported) : MmsPdu;

/// <summary>initiate-ResponsePDU [9]: the negotiated values.</summary>
public sealed record InitiateResponsePdu(
    int? LocalDetailCalled,
    int MaxServOutstandingCalling,
    int MaxServOutstandingCalled,
    int? DataStructureNestingLevel,
    int VersionNumber,
    BitString ParameterCbb,
    BitString ServicesSupported) : MmsPdu;

/// <summary>initiate-ErrorPDU [10].</summary>
public sealed record InitiateErrorPdu(ServiceError Error) : MmsPdu;

/// <summary>conclude-RequestPDU [11].</summary>
public sealed record ConcludeRequestPdu : MmsPdu;

/// <summary>conclude-ResponsePDU [12].</summary>
public sealed record ConcludeResponsePdu : MmsPdu;

/// <summary>conclude-ErrorPDU [13].</summary>
public sealed record ConcludeErrorPdu(ServiceError Error) : MmsPdu;

/// <summary>Which PDU a reject is about (the alternatives of rejectReason).</summary>
public enum RejectKind
{
    /// <summary>[1] a confirmed request.</summary>
    ConfirmedRequest = 1,

    /// <summary>[2] a confirmed response.</summary>
    ConfirmedResponse = 2,

    /// <summary>[3] a confirmed error.</summary>
    ConfirmedError = 3,

    /// <summary>[4] an unconfirmed PDU.</summary>
    Unconfirmed = 4,

    /// <summary>[5] a PDU that could not be parsed at all.</summary>
    PduError = 5,

    /// <summary>[6] a cancel request.</summary>
    CancelRequest = 6,

    /// <summary>[7] a cancel response.</summary>
    CancelResponse = 7,

    /// <summary>[8] a cancel error.</summary>
    CancelError = 8,

    /// <summary>[9] a conclude request.</summary>
    ConcludeRequest = 9,

    /// <summary>[10] a conclude response.</summary>
    ConcludeResponse = 10,

    /// <summary>[11] a conclude error.</summary>
    ConcludeError = 11,
}

/// <summary>The class of a ServiceError (ISO 9506-2 §7.4, errorClass).</summary>
public enum ErrorClass
{
    /// <summary>[0].</summary>
    VmdState = 0,

    /// <summary>[1].</summary>
    ApplicationReference = 1,

    /// <summary>[2] (1 object undefined, 2 invalid address, 3 type unsupported, 4 type inconsistent, 5 object exists, 6 object attribute inconsistent).</summary>
    Definition = 2,

    /// <summary>[3] (1 memory unavailable, 2 processor resource unavailable, 3 mass storage unavailable, 4 capability unavailable, 5 capability unknown).</summary>
    Resource = 3,

    /// <summary>[4] (1 primitives out of sequence, 2 object state conflict, 3 pdu size, 4 continuation invalid, 5 object constraint conflict).</summary>
    Service = 4,

    /// <summary>[5].</summary>
    ServicePreempt = 5,

    /// <summary>[6].</summary>
    TimeResolution = 6,

    /// <summary>[7] (1 object access unsupported, 2 object non-existent, 3 object access denied, 4 object invalidated).</summary>
    Access = 7,

    /// <summary>[8].</summary>
    Initiate = 8,

    /// <summary>[9] (1 further communication required).</summary>
    Conclude = 9,

    /// <summary>[10].</summary>
    Cancel = 10,

    /// <summary>[11].</summary>
    File = 11,

    /// <summary>[12].</summary>
    Others = 12,
}

/// <summary>A ServiceError: the class, the code within it, and the optional details.</summary>
public sealed record ServiceError(ErrorClass Class, int Code, long? AdditionalCode = null, string? AdditionalDescription = null)
{
    /// <inheritdoc/>
    public override string ToString()
        => AdditionalDescription is null ? $"{Class} error {Code}" : $"{Class} error {Code} ({AdditionalDescription})";
}

/// <summary>DataAccessError (ISO 9506-2 §14.4.3): why one variable of a Read or Write failed.</summary>
public enum DataAccessError
{
    /// <summary>0.</summary>
    ObjectInvalidated = 0,

    /// <summary>1.</summary>
    HardwareFault = 1,

    /// <summary>2.</summary>
    TemporarilyUnavailable = 2,

    /// <summary>3.</summary>
    ObjectAccessDenied = 3,

    /// <summary>4.</summary>
    ObjectUndefined = 4,

    /// <summary>5.</summary>
    InvalidAddress = 5,

    /// <summary>6.</summary>
    TypeUnsupported = 6,

    /// <summary>7.</summary>
    TypeInconsistent = 7,

    /// <summary>8.</summary>
    ObjectAttributeInconsistent = 8,

    /// <summary>9.</summary>
    ObjectAccessUnsupported = 9,

    /// <summary>10.</summary>
    ObjectNonExistent = 10,

    /// <summary>11.</summary>
    ObjectValueInvalid = 11,
}

/// <summary>One result of a Read or an InformationReport: a value, or why there is none.</summary>
public readonly record struct AccessResult(MmsValue? Value, DataAccessError Error)
{
    /// <summary>Whether there is a value.</summary>
    public bool IsSuccess => Value is not null;

    /// <summary>A successful result.</summary>
    public static AccessResult Success(MmsValue value) => new(value ?? throw new ArgumentNullException(nameof(value)), default);

    /// <summary>A failed result.</summary>
    public static AccessResult Failure(DataAccessError error) => new(null, error);

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString() ?? "failure " + Error;
}

/// <summary>The object class of a GetNameList (basicObjectClass, ISO 9506-2 §9.2).</summary>
public enum ObjectClass
{
    /// <summary>0: variables (IEC 61850 data objects and attributes).</summary>
    NamedVariable = 0,

    /// <summary>1.</summary>
    ScatteredAccess = 1,

    /// <summary>2: variable lists (IEC 61850 data sets).</summary>
    NamedVariableList = 2,

    /// <summary>3.</summary>
    NamedType = 3,

    /// <summary>4.</summary>
    Semaphore = 4,

    /// <summary>5.</summary>
    EventCondition = 5,

    /// <summary>6.</summary>
    EventAction = 6,

    /// <summary>7.</summary>
    EventEnrollment = 7,

    /// <summary>8: journals (IEC 61850 logs).</summary>
    Journal = 8,

    /// <summary>9: domains (IEC 61850 logical devices).</summary>
    Domain = 9,

    /// <summary>10.</summary>
    ProgramInvocation = 10,

    /// <summary>11.</summary>
    OperatorStation = 11,
}

/// <summary>The request of a confirmed service.</summary>
public abstract record ConfirmedServiceRequest;

/// <summary>getNameList [1].</summary>
/// <param name="ObjectClass">[0] what kind of object to list.</param>
/// <param name="Scope">[1] where to list.</param>
/// <param name="DomainId">The domain, for a domain-specific scope.</param>
/// <param name="ContinueAfter">[2] continue after this name, when the previous answer said more follow.</param>
public sealed record GetNameListRequest(ObjectClass ObjectClass, ObjectScope Scope, string? DomainId, string? ContinueAfter = null) : ConfirmedServiceRequest;

/// <summary>identify [2].</summary>
public sealed record IdentifyRequest : ConfirmedServiceRequest;

/// <summary>read [4].</summary>
/// <param name="Specification">[1] the variables to read.</param>
/// <param name="SpecificationWithResult">[0] ask the server to repeat the specification in the response.</param>
public sealed record ReadRequest(VariableAccessSpecification Specification, bool SpecificationWithResult = false) : ConfirmedServiceRequest;

/// <summary>write [5]: one value per variable.</summary>
public sealed record WriteRequest(VariableAccessSpecification Specification, IReadOnlyList<MmsValue> Data) : ConfirmedServiceRequest;

/// <summary>getVariableAccessAttributes [6], by name.</summary>
public sealed record GetVariableAccessAttributesRequest(ObjectName Name) : ConfirmedServiceRequest;

/// <summary>getNamedVariableListAttributes [12].</summary>
public sealed record GetNamedVariableListAttributesRequest(ObjectName Name) : ConfirmedServiceRequest;

/// <summary>A confirmed request of a service this codec does not interpret, kept encoded.</summary>
public sealed record UnsupportedServiceRequest(BerTag Tag, byte[] Encoding) : ConfirmedServiceRequest;

/// <summary>The response of a confirmed service.</summary>
public abstract record ConfirmedServiceResponse;

/// <summary>getNameList [1].</summary>
/// <param name="Identifiers">[0] the names, in the server's order.</param>
/// <param name="MoreFollows">[1], DEFAULT TRUE; always written.</param>
public sealed record GetNameListResponse(IReadOnlyList<string> Identifiers, bool MoreFollows) : ConfirmedServiceResponse;

/// <summary>identify [2].</summary>
public sealed record IdentifyResponse(string VendorName, string ModelName, string Revision, IReadOnlyList<ObjectIdentifier>? AbstractSyntaxes = null) : ConfirmedServiceResponse;

/// <summary>read [4]: one result per variable.</summary>
/// <param name="Specification">[0] the specification, when the request asked for it.</param>
/// <param name="Results">[1] one result per variable.</param>
public sealed record ReadResponse(VariableAccessSpecification? Specification, IReadOnlyList<AccessResult> Results) : ConfirmedServiceResponse;

/// <summary>write [5]: one result per variable, null for success.</summary>
public sealed record WriteResponse(IReadOnlyList<DataAccessError?> Results) : ConfirmedServiceResponse;

/// <summary>getVariableAccessAttributes [6].</summary>
public sealed record GetVariableAccessAttributesResponse(bool MmsDeletable, MmsTypeSpecification Type) : ConfirmedServiceResponse;

/// <summary>getNamedVariableListAttributes [12].</summary>
public sealed record GetNamedVariableListAttributesResponse(bool MmsDeletable, IReadOnlyList<VariableSpecification> Variables) : ConfirmedServiceResponse;

/// <summary>A confirmed response of a service this codec does not interpret, kept encoded.</summary>
public sealed record UnsupportedServiceResponse(BerTag Tag, byte[] Encoding) : ConfirmedServiceResponse;

/// <summary>An unconfirmed service.</summary>
public abstract record UnconfirmedService;

/// <summary>informationReport [0]: values the server sends unasked (IEC 61850 reports, command terminations, LastApplError).</summary>
public sealed record InformationReport(VariableAccessSpecification Specification, IReadOnlyList<AccessResult> Results) : UnconfirmedService;

/// <summary>An unconfirmed service this codec does not interpret (unsolicitedStatus, eventNotification), kept encoded.</summary>
public sealed record UnsupportedUnconfirmedService(BerTag Tag, byte[] Encoding) : UnconfirmedService;
