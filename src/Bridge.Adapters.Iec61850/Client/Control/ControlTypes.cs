using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Client.Control;

/// <summary>The control model of a controllable data object (its <c>ctlModel</c>, IEC 61850-7-2 §20).</summary>
public enum ControlModel
{
    /// <summary>0: not controllable.</summary>
    StatusOnly = 0,

    /// <summary>1: operate at once, no command termination.</summary>
    DirectNormal = 1,

    /// <summary>2: select (read SBO) before operate.</summary>
    SboNormal = 2,

    /// <summary>3: operate at once, then a command termination report.</summary>
    DirectEnhanced = 3,

    /// <summary>4: select with value (write SBOw) before operate, then a command termination report.</summary>
    SboEnhanced = 4,
}

/// <summary>The originator category of a command (orCat).</summary>
public enum OriginatorCategory
{
    /// <summary>0.</summary>
    NotSupported = 0,

    /// <summary>1.</summary>
    BayControl = 1,

    /// <summary>2.</summary>
    StationControl = 2,

    /// <summary>3: a remote control centre, what a GridCast node is.</summary>
    RemoteControl = 3,

    /// <summary>4.</summary>
    AutomaticBay = 4,

    /// <summary>5.</summary>
    AutomaticStation = 5,

    /// <summary>6.</summary>
    AutomaticRemote = 6,

    /// <summary>7.</summary>
    Maintenance = 7,

    /// <summary>8.</summary>
    Process = 8,
}

/// <summary>The checks a command asks for (the Check bit string).</summary>
[Flags]
public enum ControlChecks
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Bit 0.</summary>
    Synchrocheck = 1,

    /// <summary>Bit 1.</summary>
    InterlockCheck = 2,
}

/// <summary>The additional cause of a refused or failed command (AddCause, IEC 61850-7-2 §20.5.2.9).</summary>
public enum AddCause
{
    /// <summary>0.</summary>
    Unknown = 0,

    /// <summary>1.</summary>
    NotSupported = 1,

    /// <summary>2.</summary>
    BlockedBySwitchingHierarchy = 2,

    /// <summary>3.</summary>
    SelectFailed = 3,

    /// <summary>4.</summary>
    InvalidPosition = 4,

    /// <summary>5.</summary>
    PositionReached = 5,

    /// <summary>6.</summary>
    ParameterChangeInExecution = 6,

    /// <summary>7.</summary>
    StepLimit = 7,

    /// <summary>8.</summary>
    BlockedByMode = 8,

    /// <summary>9.</summary>
    BlockedByProcess = 9,

    /// <summary>10.</summary>
    BlockedByInterlocking = 10,

    /// <summary>11.</summary>
    BlockedBySynchrocheck = 11,

    /// <summary>12.</summary>
    CommandAlreadyInExecution = 12,

    /// <summary>13.</summary>
    BlockedByHealth = 13,

    /// <summary>14.</summary>
    OneOfNControl = 14,

    /// <summary>15.</summary>
    AbortionByCancel = 15,

    /// <summary>16.</summary>
    TimeLimitOver = 16,

    /// <summary>17.</summary>
    AbortionByTrip = 17,

    /// <summary>18.</summary>
    ObjectNotSelected = 18,

    /// <summary>19.</summary>
    ObjectAlreadySelected = 19,

    /// <summary>20.</summary>
    NoAccessAuthority = 20,

    /// <summary>21.</summary>
    EndedWithOvershoot = 21,

    /// <summary>22.</summary>
    AbortionDueToDeviation = 22,

    /// <summary>23.</summary>
    AbortionByCommunicationLoss = 23,

    /// <summary>24.</summary>
    BlockedByCommand = 24,

    /// <summary>25.</summary>
    None = 25,

    /// <summary>26.</summary>
    InconsistentParameters = 26,

    /// <summary>27.</summary>
    LockedByOtherClient = 27,
}

/// <summary>What a command says besides its value.</summary>
public sealed record ControlParameters
{
    /// <summary>orCat.</summary>
    public OriginatorCategory OriginatorCategory { get; init; } = OriginatorCategory.RemoteControl;

    /// <summary>orIdent (at most 64 octets).</summary>
    public byte[] OriginatorIdentity { get; init; } = [];

    /// <summary>Test: the command is a test and must not act on the process.</summary>
    public bool Test { get; init; }

    /// <summary>Check.</summary>
    public ControlChecks Checks { get; init; }

    /// <summary>operTm, for a time-activated operate (only when the Oper structure has it).</summary>
    public DateTimeOffset? OperateTime { get; init; }

    /// <summary>ctlNum; by default the client numbers its commands itself.</summary>
    public byte? ControlNumber { get; init; }

    /// <summary>How long an enhanced-security operate waits for its command termination.</summary>
    public TimeSpan TerminationTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>A controllable data object as the client found it: its reference, control model and the type of its Oper structure.</summary>
/// <param name="Reference">The data object (<c>LD/LN.DO</c>, no FC).</param>
/// <param name="Model">ctlModel.</param>
/// <param name="OperType">The type of <c>LN$CO$DO$Oper</c>, when read.</param>
public sealed record ControlObject(ObjectReference Reference, ControlModel Model, MmsTypeSpecification? OperType)
{
    /// <summary>Whether Oper has operTm (time-activated control).</summary>
    public bool HasOperateTime => Component("operTm");

    /// <summary>Whether Oper has Check (absent in Cancel, present in Oper of every edition).</summary>
    public bool HasCheck => OperType is null || Component("Check");

    /// <summary>The reference of Oper, SBO, SBOw or Cancel of this object (FC CO).</summary>
    public ObjectReference Service(string name) => new(Reference.LogicalDevice, Reference.LogicalNode, [.. Reference.Names, name], FunctionalConstraint.CO);

    private bool Component(string name) => OperType is MmsStructureType s && s.Components.Any(c => c.Name == name);
}

/// <summary>
/// The Oper, SBOw or Cancel structure of a command (IEC 61850-8-1 §20.3.1): ctlVal, [operTm],
/// origin {orCat, orIdent}, ctlNum, T, Test, and Check (not in Cancel).
/// </summary>
public sealed record ControlCommand(
    MmsValue ControlValue,
    DateTimeOffset? OperateTime,
    OriginatorCategory OriginatorCategory,
    byte[] OriginatorIdentity,
    byte ControlNumber,
    UtcTime Time,
    bool Test,
    ControlChecks? Checks)
{
    /// <summary>The structure as written.</summary>
    public MmsStructure ToMmsValue()
    {
        var members = new List<MmsValue> { ControlValue };
        if (OperateTime is { } operTm)
        {
            members.Add(new MmsUtcTime(UtcTime.FromDateTimeOffset(operTm)));
        }

        members.Add(MmsStructure.Of(new MmsInteger((int)OriginatorCategory), new MmsOctetString(OriginatorIdentity)));
        members.Add(new MmsUnsigned(ControlNumber));
        members.Add(new MmsUtcTime(Time));
        members.Add(new MmsBoolean(Test));
        if (Checks is { } checks)
        {
            members.Add(new MmsBitString(BitString.FromFlags((uint)checks, 2)));
        }

        return new MmsStructure(members);
    }

    /// <summary>Reads a written Oper, SBOw or Cancel structure; null when it does not have the shape.</summary>
    public static ControlCommand? TryParse(MmsValue value)
    {
        if (value is not MmsStructure { Members: var m } || m.Count is < 5 or > 7)
        {
            return null;
        }

        var i = 1;
        DateTimeOffset? operTm = null;
        if (m[i] is MmsUtcTime operTime)
        {
            operTm = operTime.Value.ToDateTimeOffset();
            i++;
        }

        if (m.Count - i < 4
            || m[i] is not MmsStructure { Members: [MmsInteger orCat, MmsOctetString orIdent] }
            || m[i + 1] is not MmsUnsigned ctlNum || ctlNum.Value > byte.MaxValue
            || m[i + 2] is not MmsUtcTime time
            || m[i + 3] is not MmsBoolean test)
        {
            return null;
        }

        ControlChecks? checks = null;
        if (m.Count - i == 5)
        {
            if (m[i + 4] is not MmsBitString check)
            {
                return null;
            }

            checks = (ControlChecks)check.Value.ToFlags();
        }

        return new ControlCommand(m[0], operTm, (OriginatorCategory)orCat.Value, orIdent.Value, (byte)ctlNum.Value, time.Value, test.Value, checks);
    }
}

/// <summary>LastApplError (IEC 61850-8-1 §20.2.3): why the last command on an object failed.</summary>
/// <param name="ControlObject">CntrlObj: the MMS reference of the Oper, SBOw or Cancel (<c>LD/LN$CO$DO$Oper</c>).</param>
/// <param name="Error">0 no error, 1 unknown, 2 timeout test not ok, 3 operator test not ok.</param>
/// <param name="OriginatorCategory">orCat of the command.</param>
/// <param name="OriginatorIdentity">orIdent of the command.</param>
/// <param name="ControlNumber">ctlNum of the command.</param>
/// <param name="AddCause">The additional cause.</param>
public sealed record LastApplError(string ControlObject, int Error, OriginatorCategory OriginatorCategory, byte[] OriginatorIdentity, byte ControlNumber, AddCause AddCause)
{
    /// <summary>The vmd-specific variable name a server reports it under.</summary>
    public const string VariableName = "LastApplError";

    /// <summary>The structure as sent.</summary>
    public MmsStructure ToMmsValue() => MmsStructure.Of(
        new MmsVisibleString(ControlObject),
        new MmsInteger(Error),
        MmsStructure.Of(new MmsInteger((int)OriginatorCategory), new MmsOctetString(OriginatorIdentity)),
        new MmsUnsigned(ControlNumber),
        new MmsInteger((int)AddCause));

    /// <summary>Reads the structure; null when it does not have its shape.</summary>
    public static LastApplError? TryParse(MmsValue value)
        => value is MmsStructure
        {
            Members: [MmsVisibleString cntrlObj, MmsInteger error, MmsStructure { Members: [MmsInteger orCat, MmsOctetString orIdent] }, MmsUnsigned ctlNum, MmsInteger addCause],
        }
            ? new LastApplError(cntrlObj.Value, (int)error.Value, (OriginatorCategory)orCat.Value, orIdent.Value, (byte)ctlNum.Value, (AddCause)addCause.Value)
            : null;
}

/// <summary>A command was refused or failed: by the write's DataAccessError, a LastApplError, or a negative command termination.</summary>
public sealed class Iec61850ControlException : MmsException
{
    /// <summary>A failed command.</summary>
    public Iec61850ControlException(string message, DataAccessError? accessError, LastApplError? lastApplError)
        : base(message)
    {
        AccessError = accessError;
        LastApplError = lastApplError;
    }

    /// <summary>Not used.</summary>
    public Iec61850ControlException()
    {
    }

    /// <summary>Not used.</summary>
    public Iec61850ControlException(string message)
        : base(message)
    {
    }

    /// <summary>Not used.</summary>
    public Iec61850ControlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The write's failure, when the write failed.</summary>
    public DataAccessError? AccessError { get; }

    /// <summary>What the server reported in LastApplError, when it did.</summary>
    public LastApplError? LastApplError { get; }
}
