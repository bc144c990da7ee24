using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Mms.Association;

/// <summary>Why an association ended. Every pending request fails with the same reason.</summary>
public enum MmsCloseReason
{
    /// <summary>This client concluded and released it (or is doing so): the clean end.</summary>
    Concluded,

    /// <summary>This client aborted it.</summary>
    AbortedLocally,

    /// <summary>The server released it (session FN with an ACSE RLRQ), answered with DN.</summary>
    ReleasedByPeer,

    /// <summary>The server aborted it: a session AB (ACSE ABRT) or a COTP DR.</summary>
    AbortedByPeer,

    /// <summary>The TCP connection ended or failed without a release or an abort.</summary>
    ConnectionLost,

    /// <summary>The server sent bytes that do not decode at some layer (the detail names the layer, the error and the offset).</summary>
    MalformedPdu,

    /// <summary>The server sent a well-formed PDU that is wrong at that point (an answer to no request, an initiate after association, a COTP ER).</summary>
    ProtocolViolation,

    /// <summary>The server stalled: a request, conclude or release was not answered in time.</summary>
    ResponseTimeout,
}

/// <summary>Base of the MMS client's exceptions.</summary>
public class MmsException : Exception
{
    /// <summary>An MMS failure described by <paramref name="message"/>.</summary>
    public MmsException(string message)
        : base(message)
    {
    }

    /// <summary>Not used.</summary>
    public MmsException()
    {
    }

    /// <summary>An MMS failure caused by <paramref name="innerException"/>.</summary>
    public MmsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The association is closed (or closing): the request could not be completed. <see cref="Reason"/> says why.</summary>
public sealed class MmsAssociationClosedException : MmsException
{
    /// <summary>The association closed for <paramref name="reason"/>; <paramref name="detail"/> says more.</summary>
    public MmsAssociationClosedException(MmsCloseReason reason, string detail)
        : base($"MMS association closed: {reason}: {detail}")
    {
        Reason = reason;
        Detail = detail;
    }

    /// <summary>Not used.</summary>
    public MmsAssociationClosedException()
    {
        Detail = string.Empty;
    }

    /// <summary>Not used.</summary>
    public MmsAssociationClosedException(string message)
        : base(message)
    {
        Detail = message;
    }

    /// <summary>Not used.</summary>
    public MmsAssociationClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Detail = message;
    }

    /// <summary>Why it closed.</summary>
    public MmsCloseReason Reason { get; }

    /// <summary>What happened, for people.</summary>
    public string Detail { get; }
}

/// <summary>Why connecting failed.</summary>
public enum MmsConnectFailure
{
    /// <summary>TCP could not connect.</summary>
    ConnectionFailed,

    /// <summary>The whole exchange took longer than the connect timeout.</summary>
    Timeout,

    /// <summary>COTP refused (a DR instead of a CC) or offered another class than 0.</summary>
    TransportRefused,

    /// <summary>The session layer refused (RF without an AARE).</summary>
    SessionRefused,

    /// <summary>The presentation layer refused, or did not accept the ACSE and MMS contexts.</summary>
    PresentationRefused,

    /// <summary>ACSE rejected the association (AARE result not accepted; the detail has the diagnostic, e.g. authentication failure).</summary>
    AssociationRejected,

    /// <summary>MMS answered initiate with an initiate-ErrorPDU.</summary>
    InitiateRejected,

    /// <summary>The server aborted during the handshake.</summary>
    Aborted,

    /// <summary>The server's answer did not decode, or was not the answer expected.</summary>
    ProtocolError,

    /// <summary>The connection ended during the handshake.</summary>
    ConnectionLost,
}

/// <summary>An association could not be established.</summary>
public sealed class MmsConnectException : MmsException
{
    /// <summary>Connecting failed for <paramref name="failure"/>.</summary>
    public MmsConnectException(MmsConnectFailure failure, string detail, Exception? innerException = null)
        : base($"MMS connect failed: {failure}: {detail}", innerException!)
    {
        Failure = failure;
    }

    /// <summary>Not used.</summary>
    public MmsConnectException()
    {
    }

    /// <summary>Not used.</summary>
    public MmsConnectException(string message)
        : base(message)
    {
    }

    /// <summary>Not used.</summary>
    public MmsConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why.</summary>
    public MmsConnectFailure Failure { get; }
}

/// <summary>The server answered a request with a confirmed-ErrorPDU.</summary>
public sealed class MmsServiceErrorException : MmsException
{
    /// <summary>The server refused <paramref name="service"/> with <paramref name="error"/>.</summary>
    public MmsServiceErrorException(string service, ServiceError error)
        : base($"{service} failed: {error}")
    {
        Error = error ?? throw new ArgumentNullException(nameof(error));
    }

    /// <summary>Not used.</summary>
    public MmsServiceErrorException()
    {
        Error = new ServiceError(ErrorClass.Others, 0);
    }

    /// <summary>Not used.</summary>
    public MmsServiceErrorException(string message)
        : base(message)
    {
        Error = new ServiceError(ErrorClass.Others, 0);
    }

    /// <summary>Not used.</summary>
    public MmsServiceErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new ServiceError(ErrorClass.Others, 0);
    }

    /// <summary>The error class and code.</summary>
    public ServiceError Error { get; }
}

/// <summary>The server rejected a request (a rejectPDU naming its invoke id).</summary>
public sealed class MmsRejectedException : MmsException
{
    /// <summary>The server rejected <paramref name="service"/>.</summary>
    public MmsRejectedException(string service, RejectPdu reject)
        : base($"{service} rejected: {reject?.Kind} reason {reject?.Reason}")
    {
        Reject = reject ?? throw new ArgumentNullException(nameof(reject));
    }

    /// <summary>Not used.</summary>
    public MmsRejectedException()
    {
        Reject = new RejectPdu(null, RejectKind.PduError, 0);
    }

    /// <summary>Not used.</summary>
    public MmsRejectedException(string message)
        : base(message)
    {
        Reject = new RejectPdu(null, RejectKind.PduError, 0);
    }

    /// <summary>Not used.</summary>
    public MmsRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reject = new RejectPdu(null, RejectKind.PduError, 0);
    }

    /// <summary>The reject.</summary>
    public RejectPdu Reject { get; }
}
