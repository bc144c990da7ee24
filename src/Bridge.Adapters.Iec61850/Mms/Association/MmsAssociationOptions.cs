using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Mms.Association;

/// <summary>
/// The addresses of the layers below MMS and the ACSE titles. The defaults are those IEC 61850
/// clients commonly send (TSAP, SSEL 0001, PSEL 00000001, AP titles 1.1.1.999 and 1.1.1.999.1 with
/// AE qualifier 12); a server configured for others needs them set.
/// </summary>
public sealed record AssociationAddressing
{
    /// <summary>COTP calling TSAP.</summary>
    public byte[] CallingTsap { get; init; } = [0x00, 0x01];

    /// <summary>COTP called TSAP.</summary>
    public byte[] CalledTsap { get; init; } = [0x00, 0x01];

    /// <summary>Calling session selector.</summary>
    public byte[] CallingSessionSelector { get; init; } = [0x00, 0x01];

    /// <summary>Called session selector.</summary>
    public byte[] CalledSessionSelector { get; init; } = [0x00, 0x01];

    /// <summary>Calling presentation selector.</summary>
    public byte[] CallingPresentationSelector { get; init; } = [0x00, 0x00, 0x00, 0x01];

    /// <summary>Called presentation selector.</summary>
    public byte[] CalledPresentationSelector { get; init; } = [0x00, 0x00, 0x00, 0x01];

    /// <summary>Called AP title (form 2); null to leave it out.</summary>
    public ObjectIdentifier? CalledApTitle { get; init; } = new(1, 1, 1, 999, 1);

    /// <summary>Called AE qualifier; null to leave it out.</summary>
    public int? CalledAeQualifier { get; init; } = 12;

    /// <summary>Calling AP title (form 2); null to leave it out.</summary>
    public ObjectIdentifier? CallingApTitle { get; init; } = new(1, 1, 1, 999);

    /// <summary>Calling AE qualifier; null to leave it out.</summary>
    public int? CallingAeQualifier { get; init; } = 12;
}

/// <summary>How an <see cref="MmsAssociation"/> connects, what it proposes and how long it waits.</summary>
public sealed record MmsAssociationOptions
{
    /// <summary>TCP port 102 (ISO-TSAP, RFC 1006).</summary>
    public const int DefaultPort = 102;

    /// <summary>How long TCP connect, COTP CR/CC and the associate exchange may take together.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a confirmed request may wait for its response. A server that does not answer in
    /// time is stalled: the association closes (<see cref="MmsCloseReason.ResponseTimeout"/>),
    /// because the server still counts the request against the outstanding limit and a late
    /// answer could not be told from a new one.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long conclude and release may take before the association is aborted instead.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests proposed to be outstanding at the server at once (the server may lower it).</summary>
    public int MaxServOutstandingCalling { get; init; } = 5;

    /// <summary>Requests the server may have outstanding at this client (this client serves none; proposed as IEC 61850 clients do).</summary>
    public int MaxServOutstandingCalled { get; init; } = 5;

    /// <summary>The data structure nesting level proposed.</summary>
    public int DataStructureNestingLevel { get; init; } = 10;

    /// <summary>The largest MMS PDU this client accepts (localDetailCalling).</summary>
    public int MaxPduSize { get; init; } = 65000;

    /// <summary>The COTP TPDU size proposed (8192, the class 0 maximum).</summary>
    public int TpduSize { get; init; } = 8192;

    /// <summary>The layers' addresses and the ACSE titles.</summary>
    public AssociationAddressing Addressing { get; init; } = new();

    /// <summary>A password for ACSE authentication (IEC 61850-8-1 weak authentication, mechanism 2.2.3.1); null for none.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// How many information reports may wait for the reader of <see cref="MmsAssociation.ReadReportsAsync"/>.
    /// Beyond it, reports are dropped, counted (<see cref="MmsAssociation.ReportsDropped"/>) and
    /// logged: a slow reader must not stop responses from being read.
    /// </summary>
    public int ReportQueueCapacity { get; init; } = 1024;

    /// <summary>
    /// Sees every information report first, on the receive loop, in arrival order (before any
    /// later response completes its request); returns true when it took the report, which then does
    /// not reach <see cref="MmsAssociation.ReadReportsAsync"/>. Must not block. The IEC 61850
    /// client routes reports, command terminations and LastApplError through it.
    /// </summary>
    public Func<InformationReport, bool>? InformationReportObserver { get; init; }

    /// <summary>Bounds on what the server may send.</summary>
    public MmsDecodeLimits Limits { get; init; } = MmsDecodeLimits.Default;
}
