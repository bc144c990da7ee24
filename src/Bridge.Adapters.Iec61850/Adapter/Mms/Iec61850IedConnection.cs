using System.Collections.Concurrent;
using System.Threading.Channels;
using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Control;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>What happened on one IED's connection, for tests and diagnostics.</summary>
public enum Iec61850ConnectionState
{
    /// <summary>The association is up and the IED's report rules are set up.</summary>
    Associated,

    /// <summary>Connecting or associating failed; the detail names the step.</summary>
    ConnectFailed,

    /// <summary>The association closed; the detail is the <see cref="MmsCloseReason"/>.</summary>
    Closed,

    /// <summary>A group command was applied (written or operated); the detail is the reference.</summary>
    CommandApplied,

    /// <summary>A group command was not applied; the detail is the failure.</summary>
    CommandFailed,
}

/// <summary>One event of <see cref="Iec61850Side.Events"/>.</summary>
/// <param name="Ied">The IED's name.</param>
/// <param name="State">What happened.</param>
/// <param name="Detail">The reason, step or reference.</param>
public sealed record Iec61850ConnectionEvent(string Ied, Iec61850ConnectionState State, string Detail);

/// <summary>One IED's counters (<see cref="Iec61850Side.IedStatus"/>), for per-IED metrics.</summary>
/// <param name="Ied">The IED's name.</param>
/// <param name="Associated">Whether the association is up now.</param>
/// <param name="Reconnects">Associations made again after one closed.</param>
/// <param name="ConnectFailures">Attempts that did not associate.</param>
/// <param name="Reports">Reports routed to groups.</param>
/// <param name="Polls">Polled values routed to groups.</param>
/// <param name="CommandsApplied">Group commands the IED accepted.</param>
/// <param name="Failures">Failures by reason in snake_case (<c>command_refused</c>, <c>read_failed</c>, <c>closed_response_timeout</c>...).</param>
public sealed record Iec61850IedStatus(
    string Ied,
    bool Associated,
    long Reconnects,
    long ConnectFailures,
    long Reports,
    long Polls,
    long CommandsApplied,
    IReadOnlyDictionary<string, long> Failures)
{
    /// <summary>Aggregation requests answered with a value read from the IED (those not answered are the failure <c>request_unanswered</c>).</summary>
    public long RequestsAnswered { get; init; }
}

/// <summary>
/// One IED of the side: associates, enables the report control blocks of its report rules (with
/// a general interrogation), routes reports and polled values to groups, applies group commands
/// one at a time in arrival order, and after the association closes (or an attempt fails) tries
/// again after a delay that starts at <see cref="Iec61850Section.ReconnectDelay"/> and doubles up
/// to <see cref="Iec61850Section.MaxReconnectDelay"/>; a successful association resets it.
/// </summary>
internal sealed class Iec61850IedConnection : IAsyncDisposable
{
    /// <summary>Commands waiting for the IED.</summary>
    public const int QueueCapacity = 256;

    private readonly Iec61850Ied _ied;
    private readonly Iec61850Section _settings;
    private readonly Router _router;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action<Iec61850ConnectionEvent> _emit;
    private readonly Bridge.Multicast.Diagnostics.LogRateLimiter _failureLog;
    private readonly Channel<(Iec61850Endpoint Endpoint, ReadOnlyMemory<byte> Payload)> _commands =
        Channel.CreateBounded<(Iec61850Endpoint, ReadOnlyMemory<byte>)>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);

    // The EntryID of the last report of each buffered block that was handed to the groups, by the
    // block's reference; kept across associations, so that a new one resumes there (7-2 §17.2.2.9).
    private readonly ConcurrentDictionary<string, byte[]> _lastEntryIds = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly Task _commandLoop;
    private Iec61850Client? _client;
    private long _reconnects;
    private long _connectFailures;
    private long _reports;
    private long _polls;
    private long _commandsApplied;
    private long _requestsAnswered;

    public Iec61850IedConnection(Iec61850Ied ied, Iec61850Section settings, Router router, ILoggerFactory loggers, TimeProvider time, Action<Iec61850ConnectionEvent> emit)
    {
        _ied = ied;
        _settings = settings;
        _router = router;
        _loggers = loggers;
        _logger = loggers.CreateLogger<Iec61850Side>();
        _time = time;
        _emit = emit;
        _failureLog = Bridge.Multicast.Diagnostics.LogRateLimiter.PerMinute(time);
        _loop = RunAsync(_stopping.Token);
        _commandLoop = ApplyCommandsAsync(_stopping.Token);
    }

    public string Name => _ied.Name;

    /// <summary>The client of the association that is up, or null.</summary>
    public Iec61850Client? Client => Volatile.Read(ref _client);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long Received => Interlocked.Read(ref _reports) + Interlocked.Read(ref _polls);

    public long CommandsApplied => Interlocked.Read(ref _commandsApplied);

    public IReadOnlyDictionary<string, long> Failures => new Dictionary<string, long>(_failures, StringComparer.Ordinal);

    public Iec61850IedStatus Status() => new(
        _ied.Name,
        Client is not null,
        Reconnects,
        Interlocked.Read(ref _connectFailures),
        Interlocked.Read(ref _reports),
        Interlocked.Read(ref _polls),
        CommandsApplied,
        Failures)
    {
        RequestsAnswered = Interlocked.Read(ref _requestsAnswered),
    };

    /// <summary>Counts a request answered with a value of this IED.</summary>
    public void CountAnswered() => Interlocked.Increment(ref _requestsAnswered);

    /// <summary>Queues a group command for <paramref name="endpoint"/>; false when the queue is full (counted).</summary>
    public bool Enqueue(Iec61850Endpoint endpoint, ReadOnlyMemory<byte> payload)
    {
        if (_commands.Writer.TryWrite((endpoint, payload)))
        {
            return true;
        }

        Fail("queue_full", () => Iec61850AdapterLog.CommandFailed(_logger, _ied.Name, endpoint.ActionKey, endpoint.Reference.ToString(), "queue_full", $"{QueueCapacity} commands are waiting for the IED already"));
        return false;
    }

    /// <summary>Reads <paramref name="reference"/> for an aggregation request; null (logged, counted) when the IED cannot answer in time.</summary>
    public async Task<MmsValue?> ReadForRequestAsync(string group, ObjectReference reference, TimeSpan deadline, CancellationToken cancellationToken)
    {
        if (Client is not { } client)
        {
            Fail("request_unanswered", () => Iec61850AdapterLog.RequestUnanswered(_logger, group, _ied.Name, reference.ToString(), "the IED is not associated"));
            return null;
        }

        using var timeout = new CancellationTokenSource(deadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return await client.ReadAsync(reference, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Fail("request_unanswered", () => Iec61850AdapterLog.RequestUnanswered(_logger, group, _ied.Name, reference.ToString(), $"no answer within the request's deadline of {deadline}"));
            return null;
        }
        catch (MmsException e)
        {
            Fail("request_unanswered", () => Iec61850AdapterLog.RequestUnanswered(_logger, group, _ied.Name, reference.ToString(), e.Message));
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _commands.Writer.TryComplete();
        await _stopping.CancelAsync();
        await Task.WhenAll(_loop, _commandLoop);
        _stopping.Dispose();
    }

    private IEnumerable<(MappingRule Rule, Iec61850Endpoint Endpoint)> Rules(Iec61850Action action)
        => _router.Table.Rules
            .Where(r => r.Endpoint is Iec61850Endpoint e && e.Ied == _ied.Name && e.Action == action)
            .Select(r => (r, (Iec61850Endpoint)r.Endpoint));

    private async Task RunAsync(CancellationToken stopping)
    {
        // Yield first: the constructor must not run the loop's first steps on the caller's thread.
        await Task.Yield();
        var delay = _settings.ReconnectDelay;
        var associatedBefore = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                Iec61850Client client;
                try
                {
                    client = await Iec61850Client.ConnectAsync(
                        _ied.Address.Host,
                        _ied.Address.Port,
                        new Iec61850ClientOptions
                        {
                            Association = new MmsAssociationOptions { ConnectTimeout = _ied.ConnectTimeout, RequestTimeout = _ied.RequestTimeout, Password = _ied.Password },
                        },
                        _time,
                        _loggers,
                        stopping);
                }
                catch (MmsConnectException e)
                {
                    Interlocked.Increment(ref _connectFailures);
                    Iec61850AdapterLog.ConnectFailed(_logger, _ied.Name, _ied.Address.ToString(), e.Failure.ToString(), e.Message, delay);
                    _emit(new Iec61850ConnectionEvent(_ied.Name, Iec61850ConnectionState.ConnectFailed, e.Failure.ToString()));
                    await Task.Delay(delay, _time, stopping);
                    delay = Next(delay);
                    continue;
                }

                if (associatedBefore)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                associatedBefore = true;
                delay = _settings.ReconnectDelay;
                var closed = await ServeAsync(client, stopping);
                _failures.AddOrUpdate("closed_" + Snake(closed.Reason.ToString()), 1, static (_, v) => v + 1);
                Iec61850AdapterLog.AssociationClosed(_logger, _ied.Name, _ied.Address.ToString(), closed.Reason.ToString(), closed.Detail, delay);
                _emit(new Iec61850ConnectionEvent(_ied.Name, Iec61850ConnectionState.Closed, closed.Reason.ToString()));
                await Task.Delay(delay, _time, stopping);
                delay = Next(delay);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A fault of ours must not end the IED's connection for the node's lifetime.
                Iec61850AdapterLog.LoopFailed(_logger, e, _ied.Name);
                try
                {
                    await Task.Delay(delay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = Next(delay);
            }
        }
    }

    private TimeSpan Next(TimeSpan delay) => delay * 2 > _settings.MaxReconnectDelay ? _settings.MaxReconnectDelay : delay * 2;

    /// <summary>Serves one association until it closes (returns why) or the side stops (throws).</summary>
    private async Task<MmsAssociationClosedException> ServeAsync(Iec61850Client client, CancellationToken stopping)
    {
        using var association = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var tasks = new List<Task>();
        try
        {
            var reportRules = new Dictionary<string, Iec61850Endpoint>(StringComparer.Ordinal);
            foreach (var (rule, endpoint) in Rules(Iec61850Action.Report))
            {
                try
                {
                    await ResumeBufferedAsync(client, endpoint, association.Token);
                    var block = await client.EnableReportingAsync(endpoint.Reference, cancellationToken: association.Token);
                    // An empty RptID means the block's own reference (IEC 61850-8-1 §17.2.2.2).
                    reportRules[block.ReportId.Length > 0 ? block.ReportId : endpoint.Reference.ToMmsName().ToString()] = endpoint;
                    if (endpoint.GeneralInterrogation)
                    {
                        await client.TriggerGeneralInterrogationAsync(endpoint.Reference, association.Token);
                    }
                }
                catch (MmsException e) when (e is not MmsAssociationClosedException)
                {
                    Fail("report_setup_failed", () => Iec61850AdapterLog.ReportSetupFailed(_logger, _ied.Name, rule.Name, endpoint.Reference.ToString(), e.Message));
                }
            }

            Volatile.Write(ref _client, client);
            Iec61850AdapterLog.Associated(_logger, _ied.Name, _ied.Address.ToString(), _router.Table.Rules.Count(r => r.Endpoint is Iec61850Endpoint e && e.Ied == _ied.Name));
            _emit(new Iec61850ConnectionEvent(_ied.Name, Iec61850ConnectionState.Associated, _ied.Address.ToString()));
            tasks.Add(RouteReportsAsync(client, reportRules, association.Token));
            tasks.AddRange(Rules(Iec61850Action.Poll).Select(p => PollAsync(client, p.Endpoint, association.Token)));
            return await client.Closed.WaitAsync(stopping);
        }
        catch (MmsAssociationClosedException e)
        {
            // Closed while the report rules were being set up.
            return e;
        }
        finally
        {
            Volatile.Write(ref _client, null);
            await association.CancelAsync();
            try
            {
                await Task.WhenAll(tasks);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Routing failed under a report or poll loop (the node's socket is going away): the
                // association is being left anyway; say so rather than lose it.
                Iec61850AdapterLog.LoopFailed(_logger, e, _ied.Name);
            }
            if (stopping.IsCancellationRequested && !client.Closed.IsCompleted)
            {
                // Stopping: conclude and release, so the IED frees the association (and its URCB reservations) now.
                try
                {
                    await client.CloseAsync(CancellationToken.None);
                }
                catch (MmsException)
                {
                    // The IED did not conclude: the association was aborted instead.
                }
            }

            await client.DisposeAsync();
        }
    }

    /// <summary>
    /// Before a buffered block is enabled on a new association: writes back the EntryID of the
    /// last report routed from it, so that the IED sends what followed, including reports that
    /// were in flight when the old association ended, and nothing routed already. An IED that no
    /// longer holds that entry (its buffer overflowed, it restarted) refuses the write; then
    /// EntryID zero asks for its whole buffer: reports may come twice, but none is lost.
    /// </summary>
    private async Task ResumeBufferedAsync(Iec61850Client client, Iec61850Endpoint endpoint, CancellationToken cancellationToken)
    {
        var reference = endpoint.Reference.ToString();
        if (endpoint.Reference.Fc != FunctionalConstraint.BR || !_lastEntryIds.TryGetValue(reference, out var entryId))
        {
            return;
        }

        var text = Convert.ToHexStringLower(entryId);
        try
        {
            await client.SetReportControlBlockAsync(endpoint.Reference, new ReportControlBlockSettings { EntryId = entryId }, cancellationToken);
            Iec61850AdapterLog.ReportingResumed(_logger, _ied.Name, reference, text);
        }
        catch (Iec61850AccessException e)
        {
            Fail("resume_refused", () => Iec61850AdapterLog.ResumeRefused(_logger, _ied.Name, reference, text, e.Message));
            await client.SetReportControlBlockAsync(endpoint.Reference, new ReportControlBlockSettings { EntryId = new byte[8] }, cancellationToken);
        }
    }

    private async Task RouteReportsAsync(Iec61850Client client, Dictionary<string, Iec61850Endpoint> rules, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var report in client.ReadReportsAsync(cancellationToken))
            {
                if (!rules.TryGetValue(report.ReportId, out var endpoint))
                {
                    Fail("report_unmatched", () => Iec61850AdapterLog.ReportUnmatched(_logger, _ied.Name, report.ReportId));
                    continue;
                }

                var payload = Iec61850Payload.Report(_ied.Name, endpoint.Reference.ToString(), report);
                Interlocked.Increment(ref _reports);
                await _router.RouteAsync(new InboundMessage<Iec61850Address>(endpoint.Address, payload, ContentType.Raw), cancellationToken);

                // Remembered only once handed on: a report lost before that is sent again after a reconnect.
                if (endpoint.Reference.Fc == FunctionalConstraint.BR && report.EntryId is { Length: > 0 } entryId)
                {
                    _lastEntryIds[endpoint.Reference.ToString()] = entryId;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The association closed or the side stops.
        }
    }

    private async Task PollAsync(Iec61850Client client, Iec61850Endpoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(endpoint.PollPeriod, _time);
            do
            {
                MmsValue value;
                try
                {
                    value = await client.ReadAsync(endpoint.Reference, cancellationToken);
                }
                catch (MmsAssociationClosedException)
                {
                    return;
                }
                catch (MmsException e)
                {
                    Fail("read_failed", () => Iec61850AdapterLog.ReadFailed(_logger, _ied.Name, endpoint.Reference.ToString(), e.Message));
                    continue;
                }

                Interlocked.Increment(ref _polls);
                var payload = Iec61850Payload.Polled(_ied.Name, endpoint.Reference.ToString(), value);
                await _router.RouteAsync(new InboundMessage<Iec61850Address>(endpoint.Address, payload, ContentType.Raw), cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The association closed or the side stops.
        }
    }

    private async Task ApplyCommandsAsync(CancellationToken stopping)
    {
        await Task.Yield();
        // Per association: a control object's model and Oper type, and a write's type, read once.
        var controls = new Dictionary<string, ControlObject>(StringComparer.Ordinal);
        var types = new Dictionary<string, MmsTypeSpecification>(StringComparer.Ordinal);
        Iec61850Client? cachedFor = null;
        try
        {
            await foreach (var (endpoint, payload) in _commands.Reader.ReadAllAsync(stopping))
            {
                var reference = endpoint.Reference.ToString();
                if (Client is not { } client)
                {
                    CommandFailed(endpoint, "not_associated", "the IED is not associated");
                    continue;
                }

                if (!ReferenceEquals(client, cachedFor))
                {
                    controls.Clear();
                    types.Clear();
                    cachedFor = client;
                }

                try
                {
                    if (endpoint.Action == Iec61850Action.Write)
                    {
                        if (!types.TryGetValue(reference, out var type))
                        {
                            type = await client.GetTypeAsync(endpoint.Reference, stopping);
                            types[reference] = type;
                        }

                        if (!Iec61850Payload.TryCommandValue(payload, type, out var value, out var reason))
                        {
                            CommandFailed(endpoint, "malformed", reason);
                            continue;
                        }

                        await client.WriteAsync(endpoint.Reference, value, stopping);
                        Applied(endpoint, value);
                    }
                    else
                    {
                        if (!controls.TryGetValue(reference, out var control))
                        {
                            control = await client.GetControlObjectAsync(endpoint.Reference, stopping);
                            controls[reference] = control;
                        }

                        var ctlType = (control.OperType as MmsStructureType)?.Components.FirstOrDefault(c => c.Name == "ctlVal")?.Type;
                        if (ctlType is null)
                        {
                            CommandFailed(endpoint, "not_controllable", $"{reference} has control model {control.Model}: no Oper.ctlVal to operate");
                            continue;
                        }

                        if (!Iec61850Payload.TryCommandValue(payload, ctlType, out var value, out var reason))
                        {
                            CommandFailed(endpoint, "malformed", reason);
                            continue;
                        }

                        var parameters = new ControlParameters { OriginatorIdentity = "gridcast"u8.ToArray() };
                        if (control.Model == ControlModel.SboNormal)
                        {
                            await client.SelectAsync(control, stopping);
                        }
                        else if (control.Model == ControlModel.SboEnhanced)
                        {
                            await client.SelectWithValueAsync(control, value, parameters, stopping);
                        }

                        await client.OperateAsync(control, value, parameters, stopping);
                        Applied(endpoint, value);
                    }
                }
                catch (Iec61850ControlException e)
                {
                    var cause = e.LastApplError is { } error ? $" (LastApplError {error.Error}, cause {error.AddCause})" : string.Empty;
                    CommandFailed(endpoint, "command_refused", e.Message + cause);
                }
                catch (Iec61850AccessException e)
                {
                    CommandFailed(endpoint, "command_refused", e.Message);
                }
                catch (MmsAssociationClosedException e)
                {
                    CommandFailed(endpoint, "not_associated", e.Message);
                }
                catch (MmsException e)
                {
                    CommandFailed(endpoint, "command_failed", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: commands still queued are dropped with the side.
        }
    }

    private void Applied(Iec61850Endpoint endpoint, MmsValue value)
    {
        Iec61850AdapterLog.CommandApplied(_logger, _ied.Name, endpoint.ActionKey, endpoint.Reference.ToString(), value.ToString());
        Interlocked.Increment(ref _commandsApplied);
        _emit(new Iec61850ConnectionEvent(_ied.Name, Iec61850ConnectionState.CommandApplied, endpoint.Reference.ToString()));
    }

    private void CommandFailed(Iec61850Endpoint endpoint, string failure, string reason)
    {
        Fail(failure, () => Iec61850AdapterLog.CommandFailed(_logger, _ied.Name, endpoint.ActionKey, endpoint.Reference.ToString(), failure, reason));
        _emit(new Iec61850ConnectionEvent(_ied.Name, Iec61850ConnectionState.CommandFailed, $"{failure}: {reason}"));
    }

    // Logged (at most 10 a minute) before counted: whoever sees the count finds the line.
    private void Fail(string reason, Action log)
    {
        if (_failureLog.ShouldLog(suppressed => Iec61850AdapterLog.FailuresSuppressed(_logger, suppressed)))
        {
            log();
        }

        _failures.AddOrUpdate(reason, 1, static (_, v) => v + 1);
    }

    private static string Snake(string name)
    {
        var text = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
