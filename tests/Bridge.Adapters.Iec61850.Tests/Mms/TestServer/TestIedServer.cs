using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Control;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Acse;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Presentation;
using Bridge.Adapters.Iec61850.Mms.Session;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;

namespace Bridge.Adapters.Iec61850.Tests.Mms.TestServer;

/// <summary>What a misbehaving test server does with a confirmed request.</summary>
public enum FaultAction
{
    /// <summary>Answer it.</summary>
    None,

    /// <summary>Never answer it (a stalled server).</summary>
    Stall,

    /// <summary>Answer with bytes that are no PDU (a presentation length that runs past the TSDU).</summary>
    Malformed,

    /// <summary>Abort the association (session AB with an ACSE ABRT) instead of answering.</summary>
    Abort,

    /// <summary>Close the TCP connection instead of answering.</summary>
    CloseConnection,

    /// <summary>Keep it unanswered until <see cref="TestIedServer.ReleaseHeld"/>.</summary>
    Hold,
}

/// <summary>How the test server negotiates and misbehaves.</summary>
public sealed record TestServerOptions
{
    /// <summary>The most requests a client may have outstanding (the server's side of the negotiation).</summary>
    public int MaxServOutstanding { get; init; } = 5;

    /// <summary>Names per GetNameList answer (small, so that browsing follows moreFollows).</summary>
    public int NameListPageSize { get; init; } = 40;

    /// <summary>The ACSE password a client must send; null for none.</summary>
    public string? Password { get; init; }

    /// <summary>Decides, per confirmed request, whether to misbehave.</summary>
    public Func<ConfirmedRequestPdu, FaultAction>? Fault { get; init; }

    /// <summary>The clock of integrity periods and time stamps.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The most data set members one report carries: a report that includes more is sent in
    /// segments (SubSeqNum, MoreSegmentsFollow, one SqNum), as an IED does whose reports outgrow
    /// its PDU size; null, the default, for whole reports.
    /// </summary>
    public int? MaxMembersPerReport { get; init; }

    /// <summary>Entries a buffered block keeps, sent or not; the oldest go first (and BufOvfl is set).</summary>
    public int BufferedEntries { get; init; } = 256;
}

/// <summary>One accepted command, as the server received it.</summary>
public sealed record AcceptedCommand(string Service, string ControlObject, ControlCommand Command);

/// <summary>
/// An IEC 61850 server built on the project's own codecs, for tests and benchmarks: it serves a
/// <see cref="TestModel"/> over TCP (ISO transport, session, presentation, ACSE and MMS), with
/// GetNameList (paged), Identify, Read, Write, GetVariableAccessAttributes,
/// GetNamedVariableListAttributes, conclude and release; report control blocks (unbuffered with
/// reservation, buffered with a buffer while disabled; data change, integrity and GI); and the
/// control model (direct and SBO, normal and enhanced, LastApplError and command terminations).
/// Several clients at once. It refuses commands with Test set (AddCause blocked-by-mode) and
/// terminates an enhanced operate to the current position negatively (position-reached), so that
/// tests can reach the negative paths.
/// </summary>
public sealed class TestIedServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly TestServerOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ServerConnection> _connections = [];
    private readonly Dictionary<TestControlBlock, BlockState> _blocks = [];
    private readonly Dictionary<TestControl, ServerConnection> _selections = [];
    private readonly List<AcceptedCommand> _commands = [];
    private readonly List<(ServerConnection Connection, ConfirmedRequestPdu Request)> _held = [];
    private readonly Task _acceptLoop;
    private int _reportsToLose;
    private int _associations;
    private int _maxOutstandingSeen;
    private int _disposed;
    private int _offline;

    private TestIedServer(TestModel model, TestServerOptions options, Socket listener)
    {
        Model = model;
        _options = options;
        _listener = listener;
        foreach (var block in model.ControlBlocks)
        {
            _blocks[block] = new BlockState(block, model.DeviceNamed(block.Domain));
        }

        _acceptLoop = AcceptLoopAsync();
    }

    public TestModel Model { get; }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Associations accepted so far.</summary>
    public int Associations => Volatile.Read(ref _associations);

    /// <summary>The most requests one client had outstanding at once.</summary>
    public int MaxOutstandingSeen => Volatile.Read(ref _maxOutstandingSeen);

    public int HeldCount
    {
        get
        {
            lock (Model.Gate)
            {
                return _held.Count;
            }
        }
    }

    public IReadOnlyList<AcceptedCommand> Commands
    {
        get
        {
            lock (Model.Gate)
            {
                return [.. _commands];
            }
        }
    }

    /// <summary>Starts serving <paramref name="model"/> on <paramref name="listener"/> (bound and listening), or on a free loopback port.</summary>
    public static TestIedServer Start(TestModel model, TestServerOptions? options = null, Socket? listener = null)
    {
        if (listener is null)
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
        }

        return new TestIedServer(model, options ?? new TestServerOptions(), listener);
    }

    /// <summary>Sets a value as the process would (a measurement changes), firing data-change reports.</summary>
    public void SetValue(string domain, string itemId, MmsValue value)
    {
        lock (Model.Gate)
        {
            var node = Model.DeviceNamed(domain).Find(itemId) ?? throw new ArgumentException($"no {itemId}", nameof(itemId));
            node.Value = value;
            OnChanged(domain, itemId, null, null);
        }
    }

    /// <summary>
    /// Makes the IED unreachable (true): every connection it has ends, as when the link fails,
    /// and new ones are closed at once until it is reachable again (false). Report control blocks
    /// keep their state, and buffered blocks go on buffering.
    /// </summary>
    public void SetOffline(bool offline)
    {
        Volatile.Write(ref _offline, offline ? 1 : 0);
        if (!offline)
        {
            return;
        }

        List<ServerConnection> connections;
        lock (Model.Gate)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Close();
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> reports the IED sends are lost on the way: counted as
    /// sent (a buffered block's EntryID moves past them) but never written, as reports in flight
    /// when a link fails.
    /// </summary>
    public void LoseNextReports(int count)
    {
        lock (Model.Gate)
        {
            _reportsToLose += count;
        }
    }

    /// <summary>Answers every held request.</summary>
    public void ReleaseHeld()
    {
        List<(ServerConnection, ConfirmedRequestPdu)> held;
        lock (Model.Gate)
        {
            held = [.. _held];
            _held.Clear();
        }

        foreach (var (connection, request) in held)
        {
            connection.Answer(request);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a test that takes the IED away disposes the server before the fixture does.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Dispose();
        List<ServerConnection> connections;
        lock (Model.Gate)
        {
            connections = [.. _connections];
            foreach (var state in _blocks.Values)
            {
                state.Timer?.Dispose();
            }
        }

        foreach (var connection in connections)
        {
            connection.Close();
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping.
        }

        await Task.WhenAll(connections.Select(c => c.Completion));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (Volatile.Read(ref _offline) == 1)
            {
                // The IED is unreachable: the connection ends at once, before any handshake.
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var connection = new ServerConnection(this, new NetworkStream(socket, ownsSocket: true));
            lock (Model.Gate)
            {
                _connections.Add(connection);
            }

            connection.Start(_stop.Token);
        }
    }

    // ---- request handling, under Model.Gate -------------------------------------------------

    private void Handle(ServerConnection connection, ConfirmedRequestPdu request, List<MmsPdu> before, List<MmsPdu> after, out MmsPdu response)
    {
        var id = request.InvokeId;
        switch (request.Service)
        {
            case IdentifyRequest:
                response = new ConfirmedResponsePdu(id, new IdentifyResponse(Model.Vendor, Model.ModelName, Model.Revision));
                return;
            case GetNameListRequest names:
                response = GetNameList(id, names);
                return;
            case GetVariableAccessAttributesRequest attributes:
                response = Model.Find(attributes.Name) is { } node
                    ? new ConfirmedResponsePdu(id, new GetVariableAccessAttributesResponse(false, node.Type))
                    : new ConfirmedErrorPdu(id, null, new ServiceError(ErrorClass.Access, 2));
                return;
            case GetNamedVariableListAttributesRequest list:
                response = DataSetMembers(list.Name) is { } members
                    ? new ConfirmedResponsePdu(id, new GetNamedVariableListAttributesResponse(false, members.Select(m => new VariableSpecification(m)).ToList()))
                    : new ConfirmedErrorPdu(id, null, new ServiceError(ErrorClass.Access, 2));
                return;
            case ReadRequest read:
                response = Read(connection, id, read);
                return;
            case WriteRequest write:
                response = Write(connection, id, write, before, after);
                return;
            default:
                response = new RejectPdu(id, RejectKind.ConfirmedRequest, 1);
                return;
        }
    }

    private ConfirmedResponsePdu GetNameList(uint id, GetNameListRequest request)
    {
        IEnumerable<string> all = request.ObjectClass switch
        {
            ObjectClass.Domain => Model.Devices.Select(d => d.Name).Order(StringComparer.Ordinal),
            ObjectClass.NamedVariable when request.DomainId is { } domain => Model.Devices.Find(d => d.Name == domain)?.SortedNames() ?? [],
            ObjectClass.NamedVariableList when request.DomainId is { } domain => Model.Devices.Find(d => d.Name == domain)?.DataSets.Keys.ToList() ?? [],
            _ => [],
        };
        var remaining = request.ContinueAfter is { } after ? all.SkipWhile(n => string.CompareOrdinal(n, after) <= 0).ToList() : all.ToList();
        var page = remaining.Take(_options.NameListPageSize).ToList();
        return new ConfirmedResponsePdu(id, new GetNameListResponse(page, remaining.Count > page.Count));
    }

    private List<ObjectName>? DataSetMembers(ObjectName name)
        => name.DomainId is { } domain && Model.Devices.Find(d => d.Name == domain)?.DataSets.TryGetValue(name.ItemId, out var members) == true ? members : null;

    private ConfirmedResponsePdu Read(ServerConnection connection, uint id, ReadRequest read)
    {
        switch (read.Specification)
        {
            case VariableList list:
                return new ConfirmedResponsePdu(id, new ReadResponse(null, list.Variables.Select(v => ReadOne(connection, v.Name)).ToList()));
            case NamedVariableList named when DataSetMembers(named.ListName) is { } members:
                return new ConfirmedResponsePdu(id, new ReadResponse(read.SpecificationWithResult ? named : null, members.Select(m => ReadOne(connection, m)).ToList()));
            default:
                return new ConfirmedResponsePdu(id, new ReadResponse(null, [AccessResult.Failure(DataAccessError.ObjectNonExistent)]));
        }
    }

    private AccessResult ReadOne(ServerConnection connection, ObjectName name)
    {
        var control = Model.Controls.Find(c => name.DomainId == c.Domain && name.ItemId == c.Prefix + "$SBO");
        if (control is not null)
        {
            // Select of sbo-normal: answered with the object's reference when it is free or already ours.
            if (!_selections.TryGetValue(control, out var holder) || holder == connection)
            {
                _selections[control] = connection;
                return AccessResult.Success(new MmsVisibleString($"{control.Domain}/{control.Prefix}"));
            }

            return AccessResult.Success(new MmsVisibleString(string.Empty));
        }

        return Model.Find(name) is { } node ? AccessResult.Success(node.Read()) : AccessResult.Failure(DataAccessError.ObjectNonExistent);
    }

    private ConfirmedResponsePdu Write(ServerConnection connection, uint id, WriteRequest write, List<MmsPdu> before, List<MmsPdu> after)
    {
        if (write.Specification is not VariableList list || list.Variables.Count != write.Data.Count)
        {
            return new ConfirmedResponsePdu(id, new WriteResponse([DataAccessError.ObjectAccessUnsupported]));
        }

        var results = new List<DataAccessError?>();
        for (var i = 0; i < list.Variables.Count; i++)
        {
            results.Add(WriteOne(connection, list.Variables[i].Name, write.Data[i], before, after));
        }

        return new ConfirmedResponsePdu(id, new WriteResponse(results));
    }

    private DataAccessError? WriteOne(ServerConnection connection, ObjectName name, MmsValue value, List<MmsPdu> before, List<MmsPdu> after)
    {
        if (name.DomainId is not { } domain)
        {
            return DataAccessError.ObjectNonExistent;
        }

        foreach (var control in Model.Controls.Where(c => c.Domain == domain))
        {
            if (name.ItemId.StartsWith(control.Prefix + "$", StringComparison.Ordinal))
            {
                return WriteCommand(connection, control, name, value, before, after);
            }
        }

        foreach (var state in _blocks.Values.Where(b => b.Block.Domain == domain))
        {
            if (name.ItemId.StartsWith(state.Block.ItemId + "$", StringComparison.Ordinal))
            {
                return WriteControlBlock(connection, state, name.ItemId[(state.Block.ItemId.Length + 1)..], value, after);
            }
        }

        var node = Model.Find(name);
        if (node is null)
        {
            return DataAccessError.ObjectNonExistent;
        }

        if (!node.Writable || node.LeafType is null)
        {
            return DataAccessError.ObjectAccessDenied;
        }

        if (node.Value!.GetType() != value.GetType())
        {
            return DataAccessError.TypeInconsistent;
        }

        node.Value = value;
        OnChanged(domain, name.ItemId, connection, after);
        return null;
    }

    private DataAccessError? WriteCommand(ServerConnection connection, TestControl control, ObjectName name, MmsValue value, List<MmsPdu> before, List<MmsPdu> after)
    {
        var service = name.ItemId[(control.Prefix.Length + 1)..];
        var command = ControlCommand.TryParse(value);
        if (service is not ("Oper" or "SBOw" or "Cancel") || Model.Find(name) is null)
        {
            return DataAccessError.ObjectAccessDenied;
        }

        if (command is null || command.ControlValue is not MmsBoolean requested || (command.Checks is null) != (service == "Cancel"))
        {
            return DataAccessError.TypeInconsistent;
        }

        var selected = _selections.TryGetValue(control, out var holder) ? holder : null;
        DataAccessError? Refuse(AddCause cause)
        {
            var error = new LastApplError($"{control.Domain}/{name.ItemId}", 1, command.OriginatorCategory, command.OriginatorIdentity, command.ControlNumber, cause);
            before.Add(new UnconfirmedPdu(new InformationReport(VariableList.Of(ObjectName.Vmd(LastApplError.VariableName)), [AccessResult.Success(error.ToMmsValue())])));
            return DataAccessError.ObjectAccessDenied;
        }

        switch (service)
        {
            case "SBOw":
                if (selected is not null && selected != connection)
                {
                    return Refuse(AddCause.ObjectAlreadySelected);
                }

                _selections[control] = connection;
                _commands.Add(new AcceptedCommand(service, control.Prefix, command));
                return null;
            case "Cancel":
                if (selected != connection)
                {
                    return Refuse(AddCause.ObjectNotSelected);
                }

                _selections.Remove(control);
                _commands.Add(new AcceptedCommand(service, control.Prefix, command));
                return null;
        }

        if (control.Model is ControlModel.SboNormal or ControlModel.SboEnhanced && selected != connection)
        {
            return Refuse(AddCause.ObjectNotSelected);
        }

        if (command.Test)
        {
            return Refuse(AddCause.BlockedByMode);
        }

        _selections.Remove(control);
        _commands.Add(new AcceptedCommand(service, control.Prefix, command));
        var status = Model.DeviceNamed(control.Domain).Find(control.StatusItem)!;
        var enhanced = control.Model is ControlModel.DirectEnhanced or ControlModel.SboEnhanced;
        if (enhanced && status.Value is MmsBoolean current && current.Value == requested.Value)
        {
            var error = new LastApplError($"{control.Domain}/{name.ItemId}", 1, command.OriginatorCategory, command.OriginatorIdentity, command.ControlNumber, AddCause.PositionReached);
            after.Add(new UnconfirmedPdu(new InformationReport(
                VariableList.Of(ObjectName.Vmd(LastApplError.VariableName), name),
                [AccessResult.Success(error.ToMmsValue()), AccessResult.Success(value)])));
            return null;
        }

        status.Value = requested;
        Model.DeviceNamed(control.Domain).Find($"{control.LogicalNode}$ST${control.DataObject}$t")!.Value = new MmsUtcTime(UtcTime.FromDateTimeOffset(_options.Time.GetUtcNow()));
        OnChanged(control.Domain, control.StatusItem, connection, after);
        if (enhanced)
        {
            after.Add(new UnconfirmedPdu(new InformationReport(VariableList.Of(name), [AccessResult.Success(value)])));
        }

        return null;
    }

    private DataAccessError? WriteControlBlock(ServerConnection connection, BlockState state, string attribute, MmsValue value, List<MmsPdu> after)
    {
        var node = state.Attribute(attribute);
        if (node is null)
        {
            return DataAccessError.ObjectNonExistent;
        }

        if (state.Owner is not null && state.Owner != connection)
        {
            return DataAccessError.TemporarilyUnavailable;
        }

        if (node.Value!.GetType() != value.GetType())
        {
            return DataAccessError.TypeInconsistent;
        }

        switch (attribute)
        {
            case "RptEna":
                var enable = ((MmsBoolean)value).Value;
                node.Value = value;
                if (enable)
                {
                    state.Owner = connection;
                    StartIntegrity(state);

                    // IEC 61850-7-2 §17.2.2.9: sending resumes with the entry after EntryID (the
                    // entry last sent, or the one the client wrote); EntryID zero sends the whole buffer.
                    var resumeAfter = state.Block.Buffered ? EntryNumber(state) : ulong.MaxValue;
                    foreach (var entry in state.Entries.Where(e => e.Id > resumeAfter).ToList())
                    {
                        Deliver(state, entry, connection, after);
                    }
                }
                else
                {
                    state.Timer?.Dispose();
                    state.Timer = null;
                    if (!state.Reserved)
                    {
                        state.Owner = null;
                    }
                }

                return null;
            case "GI":
                if (state.Enabled && ((MmsBoolean)value).Value && state.Triggers.HasFlag(TriggerOptions.GeneralInterrogation))
                {
                    Deliver(state, BuildReport(state, Enumerable.Range(0, state.Members.Count).Select(i => (i, ReasonForInclusion.GeneralInterrogation)).ToList()), connection, after);
                }

                return null;
            case "Resv":
                node.Value = value;
                state.Owner = ((MmsBoolean)value).Value ? connection : (state.Enabled ? connection : null);
                return null;
            case "PurgeBuf":
                if (((MmsBoolean)value).Value)
                {
                    state.Entries.Clear();
                }

                return null;
            case "EntryID":
                // Written while disabled, naming an entry the buffer still holds (or zero: all of it); else refused (7-2 §17.2.2.9).
                var written = ((MmsOctetString)value).Value;
                if (state.Enabled)
                {
                    return DataAccessError.TemporarilyUnavailable;
                }

                if (written.Length != 8 || (written.Any(b => b != 0) && !state.Entries.Any(e => e.Id == BinaryPrimitives.ReadUInt64BigEndian(written))))
                {
                    return DataAccessError.ObjectValueInvalid;
                }

                node.Value = value;
                return null;
        }

        if (state.Enabled)
        {
            return DataAccessError.TemporarilyUnavailable;
        }

        if (attribute is "ConfRev" or "SqNum" or "TimeOfEntry")
        {
            return DataAccessError.ObjectAccessDenied;
        }

        if (attribute == "DatSet")
        {
            var text = ((MmsVisibleString)value).Value;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || DataSetMembers(ObjectName.Domain(text[..slash], text[(slash + 1)..])) is null)
            {
                return DataAccessError.ObjectValueInvalid;
            }

            var confRev = state.Attribute("ConfRev")!;
            confRev.Value = new MmsUnsigned(((MmsUnsigned)confRev.Value!).Value + 1);
        }

        node.Value = value;
        return null;
    }

    private void StartIntegrity(BlockState state)
    {
        state.Timer?.Dispose();
        state.Timer = null;
        var period = ((MmsUnsigned)state.Attribute("IntgPd")!.Value!).Value;
        if (state.Triggers.HasFlag(TriggerOptions.Integrity) && period > 0)
        {
            state.Timer = _options.Time.CreateTimer(
                _ =>
                {
                    lock (Model.Gate)
                    {
                        if (state.Enabled && state.Owner is { } owner)
                        {
                            Deliver(state, BuildReport(state, Enumerable.Range(0, state.Members.Count).Select(i => (i, ReasonForInclusion.Integrity)).ToList()), owner, null);
                        }
                    }
                },
                null,
                TimeSpan.FromMilliseconds(period),
                TimeSpan.FromMilliseconds(period));
        }
    }

    /// <summary>Data-change reports of every block whose data set holds <paramref name="itemId"/> (or a data object above it).</summary>
    private void OnChanged(string domain, string itemId, ServerConnection? writer, List<MmsPdu>? writerAfter)
    {
        foreach (var state in _blocks.Values.Where(b => b.Block.Domain == domain && b.Triggers.HasFlag(TriggerOptions.DataChange)))
        {
            var members = state.Members;
            var changed = Enumerable.Range(0, members.Count)
                .Where(i => members[i].DomainId == domain && (itemId == members[i].ItemId || itemId.StartsWith(members[i].ItemId + "$", StringComparison.Ordinal)))
                .Select(i => (i, ReasonForInclusion.DataChange))
                .ToList();
            if (changed.Count == 0)
            {
                continue;
            }

            if (state.Enabled && state.Owner is { } owner)
            {
                Deliver(state, BuildReport(state, changed), owner, owner == writer ? writerAfter : null);
            }
            else if (state.Block.Buffered)
            {
                // Kept as an entry of the buffer, to be sent when the block is enabled again.
                BuildReport(state, changed);
            }
        }
    }

    /// <summary>
    /// Builds the report of <paramref name="included"/> (in segments when
    /// <see cref="TestServerOptions.MaxMembersPerReport"/> is exceeded); a buffered block numbers
    /// it and keeps it as an entry of its buffer.
    /// </summary>
    private ReportEntryState BuildReport(BlockState state, List<(int Index, ReasonForInclusion Reason)> included)
    {
        var options = (ReportOptions)((MmsBitString)state.Attribute("OptFlds")!.Value!).Value.ToFlags();
        if (state.Block.Buffered)
        {
            options |= ReportOptions.EntryId;
        }

        var sqNum = state.Attribute("SqNum")!;
        var sequence = (uint)((MmsUnsigned)sqNum.Value!).Value;
        sqNum.Value = new MmsUnsigned((sequence + 1) % (state.Block.Buffered ? 65536u : 256u));
        byte[]? entryId = null;
        ulong id = 0;
        var now = BinaryTime.FromDateTimeOffset(_options.Time.GetUtcNow());
        if (state.Block.Buffered)
        {
            id = ++state.EntryCounter;
            entryId = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(entryId, id);
        }

        var members = state.Members;
        var device = Model.DeviceNamed(state.Block.Domain);
        var entries = included.Select(m => new ReportEntry(
            m.Index,
            ObjectReference.FromMmsName(members[m.Index]),
            device.Find(members[m.Index].ItemId)?.Read() ?? new MmsBoolean(false),
            m.Reason)).ToList();
        var overflow = false;
        if (state.Block.Buffered && state.Entries.Count >= _options.BufferedEntries)
        {
            state.Entries.RemoveAt(0);
            overflow = true;
        }

        var perSegment = _options.MaxMembersPerReport is { } most && most < entries.Count ? most : Math.Max(1, entries.Count);
        var parts = entries.Chunk(perSegment).ToList();
        var segmented = parts.Count > 1;
        var pdus = parts.Select((part, i) => (MmsPdu)new UnconfirmedPdu(ReportCodec.Encode(new Report(
            ((MmsVisibleString)state.Attribute("RptID")!.Value!).Value,
            segmented ? options | ReportOptions.Segmentation : options,
            sequence,
            now,
            ((MmsVisibleString)state.Attribute("DatSet")!.Value!).Value,
            overflow,
            entryId,
            (uint)((MmsUnsigned)state.Attribute("ConfRev")!.Value!).Value,
            segmented ? (uint)i : null,
            segmented ? i < parts.Count - 1 : null,
            members.Count,
            part)))).ToList();
        var built = new ReportEntryState(id, now, pdus);
        if (state.Block.Buffered)
        {
            state.Entries.Add(built);
        }

        return built;
    }

    /// <summary>Sends <paramref name="entry"/> to <paramref name="owner"/> (after the response in <paramref name="after"/>, when given); a buffered block's EntryID moves to it, sent or lost.</summary>
    private void Deliver(BlockState state, ReportEntryState entry, ServerConnection owner, List<MmsPdu>? after)
    {
        if (state.Block.Buffered)
        {
            var entryId = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(entryId, entry.Id);
            state.Attribute("EntryID")!.Value = new MmsOctetString(entryId);
            state.Attribute("TimeOfEntry")!.Value = new MmsBinaryTime(entry.Time);
        }

        if (_reportsToLose > 0)
        {
            _reportsToLose--;
            return;
        }

        foreach (var pdu in entry.Pdus)
        {
            if (after is not null)
            {
                after.Add(pdu);
            }
            else
            {
                owner.Enqueue(pdu);
            }
        }
    }

    private static ulong EntryNumber(BlockState state)
        => BinaryPrimitives.ReadUInt64BigEndian(((MmsOctetString)state.Attribute("EntryID")!.Value!).Value);

    private void Disconnected(ServerConnection connection)
    {
        lock (Model.Gate)
        {
            _connections.Remove(connection);
            _held.RemoveAll(h => h.Connection == connection);
            foreach (var control in _selections.Where(s => s.Value == connection).Select(s => s.Key).ToList())
            {
                _selections.Remove(control);
            }

            foreach (var state in _blocks.Values.Where(b => b.Owner == connection))
            {
                state.Owner = null;
                state.Timer?.Dispose();
                state.Timer = null;
                state.Attribute("RptEna")!.Value = MmsBoolean.False;
                if (!state.Block.Buffered)
                {
                    state.Attribute("Resv")!.Value = MmsBoolean.False;
                }
            }
        }
    }

    /// <summary>One report as built: a buffered block's entry number (0 for an unbuffered block), its time, and its PDUs (several when segmented).</summary>
    private sealed record ReportEntryState(ulong Id, BinaryTime Time, IReadOnlyList<MmsPdu> Pdus);

    private sealed class BlockState(TestControlBlock block, TestLogicalDevice device)
    {
        public TestControlBlock Block { get; } = block;

        public ServerConnection? Owner { get; set; }

        public ITimer? Timer { get; set; }

        public ulong EntryCounter { get; set; }

        /// <summary>A buffered block's entries, sent or not, oldest first.</summary>
        public List<ReportEntryState> Entries { get; } = [];

        public bool Enabled => Attribute("RptEna")!.Value is MmsBoolean { Value: true };

        public bool Reserved => Attribute("Resv")?.Value is MmsBoolean { Value: true };

        public TriggerOptions Triggers => (TriggerOptions)((MmsBitString)Attribute("TrgOps")!.Value!).Value.ToFlags();

        public List<ObjectName> Members
        {
            get
            {
                var text = ((MmsVisibleString)Attribute("DatSet")!.Value!).Value;
                var slash = text.IndexOf('/', StringComparison.Ordinal);
                return slash > 0 && device.DataSets.TryGetValue(text[(slash + 1)..], out var members) ? members : [];
            }
        }

        public ModelNode? Attribute(string name) => device.Find(Block.ItemId + "$" + name);
    }

    /// <summary>One association: handshake, a receive loop that answers in order, a send loop.</summary>
    private sealed class ServerConnection(TestIedServer server, Stream stream) : IDisposable
    {
        private readonly TransportReader _reader = new(stream, 1 << 20);
        private readonly TransportWriter _writer = new(stream, CotpCodec.MaxTpduSize);
        private readonly Channel<object> _outbound = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _closed = new();
        private int _negotiated = 1;
        private int _outstanding;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start(CancellationToken stop) => Completion = RunAsync(stop);

        public void Enqueue(object item) => _outbound.Writer.TryWrite(item);

        public void Close()
        {
            _outbound.Writer.TryComplete();
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already ended.
            }
        }

        public void Dispose()
        {
            _writer.Dispose();
            _closed.Dispose();
        }

        public void Answer(ConfirmedRequestPdu request)
        {
            var before = new List<MmsPdu>();
            var after = new List<MmsPdu>();
            MmsPdu response;
            lock (server.Model.Gate)
            {
                server.Handle(this, request, before, after, out response);
                foreach (var pdu in before)
                {
                    Enqueue(pdu);
                }

                Interlocked.Decrement(ref _outstanding);
                Enqueue(response);
                foreach (var pdu in after)
                {
                    Enqueue(pdu);
                }
            }
        }

        private async Task RunAsync(CancellationToken stop)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _closed.Token);
            var sending = SendLoopAsync(linked.Token);
            try
            {
                if (await HandshakeAsync(linked.Token))
                {
                    Interlocked.Increment(ref server._associations);
                    await ReceiveLoopAsync(linked.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
            {
                // The client went away or the server stops.
            }
            finally
            {
                server.Disconnected(this);
                _outbound.Writer.TryComplete();
                try
                {
                    await sending;
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
                {
                    // Already closed.
                }

                await stream.DisposeAsync();
                Dispose();
            }
        }

        private async Task<bool> HandshakeAsync(CancellationToken cancellationToken)
        {
            var unit = await _reader.ReadAsync(cancellationToken);
            if (unit.Control is not CotpConnectionRequest cr)
            {
                return false;
            }

            var size = Math.Min(cr.Parameters.TpduSize ?? CotpCodec.DefaultTpduSize, CotpCodec.MaxTpduSize);
            await _writer.SendControlAsync(new CotpConnectionConfirm(cr.SourceReference, 1, 0, cr.Parameters with { TpduSize = size, PreferredMaxTpduSize = null }), cancellationToken);
            _writer.TpduSize = size;
            unit = await _reader.ReadAsync(cancellationToken);
            if (unit.Kind != TransportUnitKind.Tsdu || !StackCodec.TryDecode(unit.Tsdu, out var message, out _) || message is not AssociateRequestMessage { Initiate: InitiateRequestPdu initiate } request)
            {
                return false;
            }

            var options = server._options;
            var authenticated = options.Password is null || (request.Acse.Password is { } password && password.AsSpan().SequenceEqual(AcseCodec.PasswordOctets(options.Password)));
            _negotiated = Math.Min(initiate.MaxServOutstandingCalling, options.MaxServOutstanding);
            var accept = new AssociateResponseMessage(
                new SessionAccept(new SessionConnectItem(0x00, null, 0x02), 0x0002, request.Session.CalledSelector, default),
                new PresentationAccept(null, request.Presentation.CalledSelector, request.Presentation.Contexts.Select(_ => new PresentationContextResult(0, ObjectIdentifier.BasicEncodingRules, null)).ToList(), null, null, new PresentationDataValue(null, StackCodec.AcseContextId, default)),
                new AssociationResponse(
                    null,
                    ObjectIdentifier.MmsApplicationContext,
                    authenticated ? 0 : 1,
                    new AssociateDiagnostic(true, authenticated ? 0 : 13),
                    null,
                    null,
                    null,
                    null,
                    new AcseUserInformation(null, StackCodec.MmsContextId, default)),
                authenticated
                    ? new InitiateResponsePdu(65000, _negotiated, Math.Min(initiate.MaxServOutstandingCalled, options.MaxServOutstanding), initiate.DataStructureNestingLevel, 1, MmsServices.ClientParameters, BitString.FromBits(MmsServices.ServiceBits, MmsServices.GetNameList, MmsServices.Identify, MmsServices.Read, MmsServices.Write, MmsServices.GetVariableAccessAttributes, MmsServices.GetNamedVariableListAttributes, MmsServices.InformationReport, MmsServices.Conclude))
                    : new InitiateErrorPdu(new ServiceError(ErrorClass.Initiate, 0)));
            Enqueue(accept);
            return authenticated;
        }

        private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var unit = await _reader.ReadAsync(cancellationToken);
                if (unit.Kind != TransportUnitKind.Tsdu || !StackCodec.TryDecode(unit.Tsdu, out var message, out _))
                {
                    return;
                }

                switch (message)
                {
                    case MmsDataMessage { Pdu: ConfirmedRequestPdu request }:
                        if (Interlocked.Increment(ref _outstanding) > _negotiated)
                        {
                            Interlocked.Decrement(ref _outstanding);
                            Enqueue(new RejectPdu(request.InvokeId, RejectKind.ConfirmedRequest, 6));
                            break;
                        }

                        InterlockedMax(ref server._maxOutstandingSeen, Volatile.Read(ref _outstanding));
                        switch (server._options.Fault?.Invoke(request) ?? FaultAction.None)
                        {
                            case FaultAction.None:
                                Answer(request);
                                break;
                            case FaultAction.Stall:
                                break;
                            case FaultAction.Hold:
                                lock (server.Model.Gate)
                                {
                                    server._held.Add((this, request));
                                }

                                break;
                            case FaultAction.Malformed:
                                // A data TSDU whose presentation user data claims 255 octets it does not have.
                                Enqueue(new byte[] { 0x03, 0x00, 0x00, 0x0D, 0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0xFF });
                                break;
                            case FaultAction.Abort:
                                Enqueue(new AbortMessage(new SessionAbort(0x03, default), new PresentationUserAbort(null, new PresentationDataValue(null, StackCodec.AcseContextId, default)), new AbortApdu(0, null, null)));
                                Enqueue(CloseMarker.Instance);
                                return;
                            case FaultAction.CloseConnection:
                                Enqueue(CloseMarker.Instance);
                                return;
                        }

                        break;
                    case MmsDataMessage { Pdu: ConcludeRequestPdu }:
                        Enqueue(new ConcludeResponsePdu());
                        break;
                    case ReleaseRequestMessage:
                        Enqueue(new ReleaseResponseMessage(new SessionDisconnect(default), new ReleaseResponse(0, null)));
                        Enqueue(CloseMarker.Instance);
                        return;
                    case AbortMessage:
                        return;
                    default:
                        return;
                }
            }
        }

        private async Task SendLoopAsync(CancellationToken cancellationToken)
        {
            await foreach (var item in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                switch (item)
                {
                    case CloseMarker:
                        stream.Close();
                        return;
                    case byte[] raw:
                        await _writer.WriteAsync(raw, cancellationToken);
                        break;
                    case MmsPdu pdu:
                    {
                        using var tsdu = new BerWriter();
                        TransportWriter.BeginTsdu(tsdu);
                        StackCodec.EncodeData(pdu, tsdu);
                        await _writer.SendTsduAsync(tsdu, cancellationToken);
                        break;
                    }

                    case StackMessage message:
                    {
                        using var tsdu = new BerWriter();
                        TransportWriter.BeginTsdu(tsdu);
                        StackCodec.Encode(message, tsdu);
                        await _writer.SendTsduAsync(tsdu, cancellationToken);
                        break;
                    }
                }
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            var current = Volatile.Read(ref target);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref target, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }

    private sealed class CloseMarker
    {
        public static readonly CloseMarker Instance = new();
    }
}
