using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Bridge.Adapters.Iec61850.Client.Control;
using Bridge.Adapters.Iec61850.Client.Model;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Iec61850.Client;

/// <summary>How an <see cref="Iec61850Client"/> connects and buffers.</summary>
public sealed record Iec61850ClientOptions
{
    /// <summary>The MMS association's options (its information report observer is the client's own).</summary>
    public MmsAssociationOptions Association { get; init; } = new();

    /// <summary>How many decoded reports may wait for <see cref="Iec61850Client.ReadReportsAsync"/>; beyond it they are dropped and counted.</summary>
    public int ReportQueueCapacity { get; init; } = 1024;
}

/// <summary>What <see cref="Iec61850Client.BrowseAsync"/> asks the server.</summary>
public sealed record BrowseOptions
{
    /// <summary>Read each logical node's type (GetVariableAccessAttributes per node); without it the model has names only.</summary>
    public bool IncludeTypes { get; init; } = true;

    /// <summary>Read each data set's members (GetNamedVariableListAttributes per data set).</summary>
    public bool IncludeDataSetMembers { get; init; } = true;
}

/// <summary>
/// An IEC 61850 client over one MMS association (IEC 61850-8-1): object references with
/// functional constraints, browsing, typed reads and writes, the control model (direct and
/// select-before-operate, normal and enhanced security) and report control blocks with reports
/// decoded against their data sets. Thin over <see cref="MmsAssociation"/>, which it owns.
/// </summary>
public sealed class Iec61850Client : IAsyncDisposable
{
    private readonly Iec61850ClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Report> _reports;
    private readonly ConcurrentDictionary<string, IReadOnlyList<ObjectReference>> _directories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _dataSetsByReportId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LastApplError> _lastApplErrors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<LastApplError?>> _terminations = new(StringComparer.Ordinal);
    private MmsAssociation? _association;
    private int _controlNumber;
    private long _reportsDropped;
    private long _reportsMalformed;
    private long _segmentsDropped;

    // Fed on the receive loop only, in arrival order.
    private readonly ReportSegmentJoiner _segments = new();

    private Iec61850Client(Iec61850ClientOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _reports = Channel.CreateBounded<Report>(new BoundedChannelOptions(Math.Max(1, options.ReportQueueCapacity)) { SingleWriter = true });
    }

    /// <summary>The association underneath.</summary>
    public MmsAssociation Association => _association ?? throw new InvalidOperationException("not connected");

    /// <summary>Completes with the reason when the association has ended.</summary>
    public Task<MmsAssociationClosedException> Closed => Association.Closed;

    /// <summary>Reports dropped because the report queue was full.</summary>
    public long ReportsDropped => Interlocked.Read(ref _reportsDropped);

    /// <summary>Reports that did not have the structure of IEC 61850-8-1 and were dropped.</summary>
    public long ReportsMalformed => Interlocked.Read(ref _reportsMalformed);

    /// <summary>Segments of reports given up because the report could not be joined whole (<see cref="ReportSegmentJoiner"/>).</summary>
    public long ReportSegmentsDropped => Interlocked.Read(ref _segmentsDropped);

    /// <summary>Connects to the IED at <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <exception cref="MmsConnectException">Connecting or associating failed.</exception>
    public static async Task<Iec61850Client> ConnectAsync(
        string host,
        int port = MmsAssociationOptions.DefaultPort,
        Iec61850ClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        var client = Create(options, timeProvider, loggerFactory, out var associationOptions);
        client._association = await MmsAssociation.ConnectAsync(host, port, associationOptions, client._time, loggerFactory?.CreateLogger<MmsAssociation>(), cancellationToken).ConfigureAwait(false);
        client.EndReportsWithAssociation();
        return client;
    }

    /// <summary>Associates over <paramref name="stream"/>, a connection made elsewhere; the client owns it from now on.</summary>
    /// <exception cref="MmsConnectException">Associating failed.</exception>
    public static async Task<Iec61850Client> ConnectAsync(
        Stream stream,
        string peer,
        Iec61850ClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        var client = Create(options, timeProvider, loggerFactory, out var associationOptions);
        client._association = await MmsAssociation.ConnectAsync(stream, peer, associationOptions, client._time, loggerFactory?.CreateLogger<MmsAssociation>(), cancellationToken).ConfigureAwait(false);
        client.EndReportsWithAssociation();
        return client;
    }

    /// <summary>Identify: vendor, model, revision.</summary>
    public Task<IdentifyResponse> IdentifyAsync(CancellationToken cancellationToken = default) => Association.IdentifyAsync(cancellationToken);

    /// <summary>The logical devices (MMS domains).</summary>
    public Task<IReadOnlyList<string>> GetLogicalDevicesAsync(CancellationToken cancellationToken = default)
        => Association.GetAllNamesAsync(ObjectClass.Domain, null, cancellationToken);

    /// <summary>
    /// The server's model: for each logical device, the names of its variables (GetNameList,
    /// following moreFollows), with <see cref="BrowseOptions.IncludeTypes"/> each logical node's
    /// type, and its data sets with their members.
    /// </summary>
    public async Task<ServerModel> BrowseAsync(BrowseOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new BrowseOptions();
        var devices = new List<LogicalDevice>();
        foreach (var domain in await GetLogicalDevicesAsync(cancellationToken).ConfigureAwait(false))
        {
            var names = await Association.GetAllNamesAsync(ObjectClass.NamedVariable, domain, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<LogicalNode> nodes;
            if (options.IncludeTypes)
            {
                var typed = new List<LogicalNode>();
                foreach (var node in names.Where(n => !n.Contains('$', StringComparison.Ordinal)))
                {
                    var type = await Association.GetVariableAccessAttributesAsync(ObjectName.Domain(domain, node), cancellationToken).ConfigureAwait(false);
                    typed.Add(ModelBuilder.FromType(domain, node, type));
                }

                nodes = typed;
            }
            else
            {
                nodes = ModelBuilder.FromNames(domain, names);
            }

            var dataSets = new List<DataSet>();
            foreach (var list in await Association.GetAllNamesAsync(ObjectClass.NamedVariableList, domain, cancellationToken).ConfigureAwait(false))
            {
                var reference = ObjectReference.FromItem(domain, list);
                dataSets.Add(new DataSet(reference, options.IncludeDataSetMembers ? await GetDataSetDirectoryAsync(reference, cancellationToken).ConfigureAwait(false) : null));
            }

            devices.Add(new LogicalDevice(domain, nodes, dataSets));
        }

        return new ServerModel(devices);
    }

    /// <summary>The members of a data set (GetNamedVariableListAttributes), remembered for decoding reports.</summary>
    public async Task<IReadOnlyList<ObjectReference>> GetDataSetDirectoryAsync(ObjectReference dataSet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        var name = dataSet.ToMmsName();
        var variables = await Association.GetNamedVariableListAttributesAsync(name, cancellationToken).ConfigureAwait(false);
        var members = variables.Select(v => ObjectReference.FromMmsName(v.Name)).ToList();
        _directories[name.ToString()] = members;
        return members;
    }

    /// <summary>The MMS type of <paramref name="reference"/> (GetVariableAccessAttributes).</summary>
    public Task<MmsTypeSpecification> GetTypeAsync(ObjectReference reference, CancellationToken cancellationToken = default)
        => Association.GetVariableAccessAttributesAsync(MmsName(reference, requireFc: false), cancellationToken);

    /// <summary>Reads the value of a data attribute or data object (the reference needs its FC).</summary>
    /// <exception cref="Iec61850AccessException">The server answered with a DataAccessError.</exception>
    public async Task<MmsValue> ReadAsync(ObjectReference reference, CancellationToken cancellationToken = default)
    {
        var result = await Association.ReadAsync(MmsName(reference, requireFc: true), cancellationToken).ConfigureAwait(false);
        return result.Value ?? throw new Iec61850AccessException(reference.ToString(), result.Error, "read");
    }

    /// <summary>Reads a value as <typeparamref name="T"/> (see <see cref="MmsValueConvert.To{T}"/>).</summary>
    /// <exception cref="Iec61850TypeException">The value has another type.</exception>
    public async Task<T> ReadAsync<T>(ObjectReference reference, CancellationToken cancellationToken = default)
        => MmsValueConvert.To<T>(await ReadAsync(reference, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads several references in one request; one result each.</summary>
    public Task<IReadOnlyList<AccessResult>> ReadAsync(IReadOnlyList<ObjectReference> references, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        return Association.ReadAsync(references.Select(r => MmsName(r, requireFc: true)).ToList(), cancellationToken);
    }

    /// <summary>Reads a data set's values (a read of the named variable list).</summary>
    public Task<IReadOnlyList<AccessResult>> ReadDataSetAsync(ObjectReference dataSet, CancellationToken cancellationToken = default)
        => Association.ReadListAsync(MmsName(dataSet, requireFc: false), cancellationToken);

    /// <summary>Writes a value.</summary>
    /// <exception cref="Iec61850AccessException">The server refused the write.</exception>
    public async Task WriteAsync(ObjectReference reference, MmsValue value, CancellationToken cancellationToken = default)
    {
        var results = await Association.WriteAsync([MmsName(reference, requireFc: true)], [value], cancellationToken).ConfigureAwait(false);
        if (results[0] is { } error)
        {
            throw new Iec61850AccessException(reference.ToString(), error, "write");
        }
    }

    /// <summary>Writes a .NET value as the MMS type <see cref="MmsValueConvert.From{T}"/> picks.</summary>
    public Task WriteAsync<T>(ObjectReference reference, T value, CancellationToken cancellationToken = default)
        => WriteAsync(reference, MmsValueConvert.From(value), cancellationToken);

    /// <summary>Reads a controllable data object's control model (<c>ctlModel[CF]</c>) and the type of its Oper (<c>LN$CO$DO</c>).</summary>
    public async Task<ControlObject> GetControlObjectAsync(ObjectReference dataObject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataObject);
        var plain = new ObjectReference(dataObject.LogicalDevice, dataObject.LogicalNode, dataObject.Names);
        var model = (ControlModel)await ReadAsync<int>(plain.Child("ctlModel").WithFc(FunctionalConstraint.CF), cancellationToken).ConfigureAwait(false);
        MmsTypeSpecification? operType = null;
        if (model != ControlModel.StatusOnly)
        {
            var type = await Association.GetVariableAccessAttributesAsync(plain.WithFc(FunctionalConstraint.CO).ToMmsName(), cancellationToken).ConfigureAwait(false);
            operType = (type as MmsStructureType)?.Components.FirstOrDefault(c => c.Name == "Oper")?.Type;
        }

        return new ControlObject(plain, model, operType);
    }

    /// <summary>Select of select-before-operate with normal security: reads <c>SBO</c>; the server selects the object for this client when it answers with its reference.</summary>
    /// <exception cref="Iec61850ControlException">The server did not select the object (empty SBO or a read failure).</exception>
    public async Task SelectAsync(ControlObject control, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(control);
        var sbo = control.Service("SBO");
        var result = await Association.ReadAsync(sbo.ToMmsName(), cancellationToken).ConfigureAwait(false);
        if (result.Value is not MmsVisibleString { Value.Length: > 0 })
        {
            var detail = result.Value is null ? $"reading SBO failed: {result.Error}" : "the server answered SBO with an empty reference: not selected";
            Iec61850ClientLog.ControlRefused(_logger, control.Reference.ToString(), Association.Peer, detail);
            throw new Iec61850ControlException($"select of {control.Reference} failed: {detail}", result.Value is null ? result.Error : null, TakeLastApplError(sbo));
        }
    }

    /// <summary>Select with value (select-before-operate with enhanced security): writes <c>SBOw</c>.</summary>
    /// <exception cref="Iec61850ControlException">The server refused the selection.</exception>
    public Task SelectWithValueAsync(ControlObject control, MmsValue value, ControlParameters? parameters = null, CancellationToken cancellationToken = default)
        => WriteCommandAsync(control, "SBOw", value, parameters, withCheck: true, cancellationToken);

    /// <summary>Cancels a selection or a time-activated operate: writes <c>Cancel</c>.</summary>
    public Task CancelAsync(ControlObject control, MmsValue value, ControlParameters? parameters = null, CancellationToken cancellationToken = default)
        => WriteCommandAsync(control, "Cancel", value, parameters, withCheck: false, cancellationToken);

    /// <summary>
    /// Operate: writes <c>Oper</c> with the value and the command's origin, number, time, test
    /// and check. With enhanced security, also waits for the command termination.
    /// </summary>
    /// <exception cref="Iec61850ControlException">The server refused the command, or terminated it negatively, or sent no termination in time.</exception>
    public async Task OperateAsync(ControlObject control, MmsValue value, ControlParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(control);
        parameters ??= new ControlParameters();
        var oper = control.Service("Oper").ToMmsName().ToString();
        TaskCompletionSource<LastApplError?>? termination = null;
        if (control.Model is ControlModel.DirectEnhanced or ControlModel.SboEnhanced)
        {
            termination = new TaskCompletionSource<LastApplError?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _terminations[oper] = termination;
        }

        try
        {
            await WriteCommandAsync(control, "Oper", value, parameters, withCheck: true, cancellationToken).ConfigureAwait(false);
            if (termination is null)
            {
                return;
            }

            LastApplError? negative;
            try
            {
                negative = await termination.Task.WaitAsync(parameters.TerminationTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new Iec61850ControlException($"operate of {control.Reference}: no command termination within {parameters.TerminationTimeout}", null, null);
            }

            if (negative is not null)
            {
                throw new Iec61850ControlException($"operate of {control.Reference} terminated negatively: error {negative.Error}, cause {negative.AddCause}", null, negative);
            }
        }
        finally
        {
            if (termination is not null)
            {
                _terminations.TryRemove(new KeyValuePair<string, TaskCompletionSource<LastApplError?>>(oper, termination));
            }
        }
    }

    /// <summary>Reads a report control block whole.</summary>
    public async Task<ReportControlBlockValues> ReadReportControlBlockAsync(ObjectReference controlBlock, CancellationToken cancellationToken = default)
    {
        CheckControlBlock(controlBlock);
        var value = await ReadAsync(controlBlock, cancellationToken).ConfigureAwait(false);
        return ReportCodec.TryDecodeControlBlock(controlBlock, value, out var block, out var error)
            ? block!
            : throw new Iec61850TypeException(error);
    }

    /// <summary>Writes the attributes <paramref name="settings"/> sets, in one request (RptEna last).</summary>
    /// <exception cref="Iec61850AccessException">The server refused one of them (the first refusal is named).</exception>
    public async Task SetReportControlBlockAsync(ObjectReference controlBlock, ReportControlBlockSettings settings, CancellationToken cancellationToken = default)
    {
        CheckControlBlock(controlBlock);
        var writes = ReportCodec.SettingsToWrite(settings);
        if (writes.Count == 0)
        {
            return;
        }

        var results = await Association.WriteAsync(
            writes.Select(w => controlBlock.Child(w.Attribute).ToMmsName()).ToList(),
            writes.Select(w => w.Value).ToList(),
            cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i] is { } error)
            {
                throw new Iec61850AccessException(controlBlock.Child(writes[i].Attribute).ToString(), error, "write");
            }
        }
    }

    /// <summary>
    /// Prepares reports of <paramref name="controlBlock"/> and enables it: reads the block, reads its
    /// data set's directory (so that reports name their members), then writes
    /// <paramref name="settings"/> with RptEna true.
    /// </summary>
    public async Task<ReportControlBlockValues> EnableReportingAsync(ObjectReference controlBlock, ReportControlBlockSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var block = await ReadReportControlBlockAsync(controlBlock, cancellationToken).ConfigureAwait(false);
        var dataSetName = settings?.DataSet ?? block.DataSet;
        var dataSet = ObjectReference.ParseDataSet(dataSetName);
        var members = await GetDataSetDirectoryAsync(dataSet, cancellationToken).ConfigureAwait(false);
        _dataSetsByReportId[settings?.ReportId ?? block.ReportId] = dataSet.ToMmsName().ToString();
        await SetReportControlBlockAsync(controlBlock, (settings ?? new ReportControlBlockSettings()) with { Enable = true }, cancellationToken).ConfigureAwait(false);
        Iec61850ClientLog.ReportingEnabled(_logger, controlBlock.ToString(), Association.Peer, settings?.ReportId ?? block.ReportId, dataSet.ToMmsName().ToString(), members.Count);
        return block;
    }

    /// <summary>Disables a report control block (RptEna false).</summary>
    public Task DisableReportingAsync(ObjectReference controlBlock, CancellationToken cancellationToken = default)
        => SetReportControlBlockAsync(controlBlock, new ReportControlBlockSettings { Enable = false }, cancellationToken);

    /// <summary>Asks an enabled block for a general interrogation (GI true).</summary>
    public Task TriggerGeneralInterrogationAsync(ObjectReference controlBlock, CancellationToken cancellationToken = default)
    {
        CheckControlBlock(controlBlock);
        return WriteAsync(controlBlock.Child("GI"), MmsBoolean.True, cancellationToken);
    }

    /// <summary>The reports of every enabled control block, decoded, in arrival order, until the association closes. One reader.</summary>
    public IAsyncEnumerable<Report> ReadReportsAsync(CancellationToken cancellationToken = default) => _reports.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Concludes and releases the association.</summary>
    public Task<MmsCloseReason> CloseAsync(CancellationToken cancellationToken = default) => Association.CloseAsync(cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _association?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static Iec61850Client Create(Iec61850ClientOptions? options, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, out MmsAssociationOptions associationOptions)
    {
        options ??= new Iec61850ClientOptions();
        var client = new Iec61850Client(options, timeProvider ?? TimeProvider.System, (ILogger?)loggerFactory?.CreateLogger<Iec61850Client>() ?? NullLogger.Instance);
        associationOptions = options.Association with { InformationReportObserver = client.Route };
        return client;
    }

    private static ObjectName MmsName(ObjectReference reference, bool requireFc)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (requireFc && reference.Fc is null)
        {
            throw new ArgumentException($"{reference} has no functional constraint: reads and writes name one, e.g. {reference}[ST]", nameof(reference));
        }

        return reference.ToMmsName();
    }

    private static void CheckControlBlock(ObjectReference controlBlock)
    {
        ArgumentNullException.ThrowIfNull(controlBlock);
        if (controlBlock.Fc is not (FunctionalConstraint.RP or FunctionalConstraint.BR))
        {
            throw new ArgumentException($"{controlBlock} is not a report control block reference: it ends with [RP] or [BR]", nameof(controlBlock));
        }
    }

    private void EndReportsWithAssociation()
        => _ = Association.Closed.ContinueWith(
            static (_, state) => ((Channel<Report>)state!).Writer.TryComplete(),
            _reports,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private async Task WriteCommandAsync(ControlObject control, string service, MmsValue value, ControlParameters? parameters, bool withCheck, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(value);
        parameters ??= new ControlParameters();
        var command = new ControlCommand(
            value,
            control.HasOperateTime ? parameters.OperateTime ?? DateTimeOffset.UnixEpoch : null,
            parameters.OriginatorCategory,
            parameters.OriginatorIdentity,
            parameters.ControlNumber ?? (byte)Interlocked.Increment(ref _controlNumber),
            UtcTime.FromDateTimeOffset(_time.GetUtcNow()),
            parameters.Test,
            withCheck && control.HasCheck ? parameters.Checks : null);
        var target = control.Service(service);
        _lastApplErrors.TryRemove(target.ToMmsName().ToString(), out _);
        var results = await Association.WriteAsync([target.ToMmsName()], [command.ToMmsValue()], cancellationToken).ConfigureAwait(false);
        if (results[0] is { } error)
        {
            var last = TakeLastApplError(target);
            var detail = last is null ? error.ToString() : string.Create(CultureInfo.InvariantCulture, $"{error}, LastApplError error {last.Error}, cause {last.AddCause}");
            Iec61850ClientLog.ControlRefused(_logger, control.Reference.ToString(), Association.Peer, detail);
            throw new Iec61850ControlException($"{service} of {control.Reference} refused: {detail}", error, last);
        }
    }

    private LastApplError? TakeLastApplError(ObjectReference service)
        => _lastApplErrors.TryRemove(service.ToMmsName().ToString(), out var last) ? last : null;

    /// <summary>Sees every information report on the receive loop, in order: reports, LastApplError and command terminations are the client's.</summary>
    private bool Route(InformationReport report)
    {
        if (ReportCodec.IsReport(report))
        {
            if (!ReportCodec.TryDecode(report, Directory, out var decoded, out var error))
            {
                Interlocked.Increment(ref _reportsMalformed);
                Iec61850ClientLog.ReportMalformed(_logger, _association?.Peer ?? "?", error);
                return true;
            }

            // A segmented report goes on only once its last segment is in: whole, as one report.
            var whole = _segments.Add(decoded!);
            while (_segments.TryPollDropped(out var dropped))
            {
                Interlocked.Add(ref _segmentsDropped, dropped.Segments);
                Iec61850ClientLog.ReportSegmentsDropped(_logger, _association?.Peer ?? "?", dropped.ReportId, dropped.Segments, dropped.Reason.ToString());
            }

            if (whole is null)
            {
                return true;
            }

            if (!_reports.Writer.TryWrite(whole))
            {
                var dropped = Interlocked.Increment(ref _reportsDropped);
                if (dropped == 1 || dropped % 100 == 0)
                {
                    Iec61850ClientLog.ReportDropped(_logger, _association?.Peer ?? "?", _options.ReportQueueCapacity, dropped);
                }
            }

            return true;
        }

        if (report.Specification is not VariableList { Variables: var variables } || variables.Count == 0 || variables.Count != report.Results.Count)
        {
            return false;
        }

        if (variables[0].Name is { Scope: ObjectScope.VmdSpecific, ItemId: LastApplError.VariableName })
        {
            if (report.Results[0].Value is not { } value || LastApplError.TryParse(value) is not { } last)
            {
                return false;
            }

            Iec61850ClientLog.LastApplErrorReceived(_logger, _association?.Peer ?? "?", last.ControlObject, last.Error, last.AddCause);
            _lastApplErrors[last.ControlObject] = last;
            if (variables.Count == 2 && _terminations.TryGetValue(variables[1].Name.ToString(), out var negative))
            {
                negative.TrySetResult(last);
            }

            return true;
        }

        if (variables.Count == 1 && variables[0].Name.Scope == ObjectScope.DomainSpecific && _terminations.TryGetValue(variables[0].Name.ToString(), out var positive))
        {
            positive.TrySetResult(null);
            return true;
        }

        return false;
    }

    private IReadOnlyList<ObjectReference>? Directory(string? dataSet, string reportId)
    {
        if (dataSet is null && !_dataSetsByReportId.TryGetValue(reportId, out dataSet))
        {
            return null;
        }

        return _directories.TryGetValue(dataSet, out var members) ? members : null;
    }
}
