using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using Bridge.Adapters.Iec61850.Mms.Acse;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Presentation;
using Bridge.Adapters.Iec61850.Mms.Session;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Iec61850.Mms.Association;

/// <summary>The values the initiate exchange settled on.</summary>
/// <param name="MaxServOutstandingCalling">Requests this client may have outstanding at once.</param>
/// <param name="MaxServOutstandingCalled">Requests the server may have outstanding here.</param>
/// <param name="DataStructureNestingLevel">The nesting level, when the server gave one.</param>
/// <param name="MaxPduSize">The largest PDU the server accepts (localDetailCalled), when it gave one.</param>
/// <param name="VersionNumber">The MMS version.</param>
/// <param name="ParameterCbb">The parameter CBBs both support.</param>
/// <param name="ServicesSupportedCalled">The services the server supports.</param>
/// <param name="TpduSize">The COTP TPDU size CC confirmed.</param>
public sealed record NegotiatedParameters(
    int MaxServOutstandingCalling,
    int MaxServOutstandingCalled,
    int? DataStructureNestingLevel,
    int? MaxPduSize,
    int VersionNumber,
    BitString ParameterCbb,
    BitString ServicesSupportedCalled,
    int TpduSize);

/// <summary>
/// One MMS association with a server over TCP port 102: connects (COTP CR/CC, then CN/CP/AARQ
/// carrying initiate), sends confirmed requests with invoke ids, up to the negotiated number in
/// flight, each with a timeout, delivers unconfirmed information reports as an async stream, and
/// closes cleanly (conclude, then ACSE release) or by abort.
/// </summary>
/// <remarks>
/// <para>
/// One receive loop reads the connection; requests complete on it. Everything the server does
/// wrong ends the association with a named <see cref="MmsCloseReason"/>: malformed bytes at any
/// layer, a PDU that answers nothing, an abort, a stall past <see cref="MmsAssociationOptions.RequestTimeout"/>,
/// a lost connection. Every pending request then fails with the same
/// <see cref="MmsAssociationClosedException"/>, the report stream ends, and <see cref="Closed"/>
/// completes with it. A peer's misbehaviour never throws out of the receive loop; misuse of this
/// API (a request after close) throws to the caller.
/// </para>
/// <para>
/// A request whose caller gives up (cancellation) keeps its invoke id and its place against the
/// outstanding limit until the server answers: the server still counts it.
/// </para>
/// </remarks>
public sealed class MmsAssociation : IAsyncDisposable
{
    private const int TsduOverhead = 1024;

    private readonly Stream _stream;
    private readonly TransportReader _reader;
    private readonly TransportWriter _writer;
    private readonly MmsAssociationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Pending> _pending = [];
    private readonly Channel<InformationReport> _reports;
    private readonly TaskCompletionSource<MmsAssociationClosedException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _shutdown = new();
    private TaskCompletionSource? _drained;
    private TaskCompletionSource<MmsPdu>? _concludeAnswer;
    private TaskCompletionSource<ReleaseResponseMessage>? _releaseAnswer;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _transportShutdown = Task.CompletedTask;
    private MmsAssociationClosedException? _closeError;
    private bool _closing;
    private uint _lastInvokeId;
    private long _reportsDropped;
    private long _reportsReceived;
    private long _requestsSent;
    private long _unmatchedRejects;

    private MmsAssociation(Stream stream, TransportReader reader, TransportWriter writer, string peer, NegotiatedParameters negotiated, MmsAssociationOptions options, TimeProvider time, ILogger logger)
    {
        _stream = stream;
        _reader = reader;
        _writer = writer;
        Peer = peer;
        Negotiated = negotiated;
        _options = options;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(negotiated.MaxServOutstandingCalling, negotiated.MaxServOutstandingCalling);
        _reports = Channel.CreateBounded<InformationReport>(new BoundedChannelOptions(Math.Max(1, options.ReportQueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });
    }

    /// <summary>The server, for logs (host:port or what the caller named it).</summary>
    public string Peer { get; }

    /// <summary>What initiate settled on.</summary>
    public NegotiatedParameters Negotiated { get; }

    /// <summary>Completes when the association has ended, with the reason (also after a clean close: <see cref="MmsCloseReason.Concluded"/>).</summary>
    public Task<MmsAssociationClosedException> Closed => _closed.Task;

    /// <summary>Whether requests can still be sent.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _closeError is null && !_closing;
            }
        }
    }

    /// <summary>Requests outstanding now.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Confirmed requests sent.</summary>
    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    /// <summary>Information reports received.</summary>
    public long ReportsReceived => Interlocked.Read(ref _reportsReceived);

    /// <summary>Information reports dropped because the report queue was full.</summary>
    public long ReportsDropped => Interlocked.Read(ref _reportsDropped);

    /// <summary>Rejects that named no outstanding request.</summary>
    public long UnmatchedRejects => Interlocked.Read(ref _unmatchedRejects);

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and associates.</summary>
    /// <exception cref="MmsConnectException">Connecting or associating failed; <see cref="MmsConnectException.Failure"/> says at which step.</exception>
    public static async Task<MmsAssociation> ConnectAsync(
        string host,
        int port = MmsAssociationOptions.DefaultPort,
        MmsAssociationOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<MmsAssociation>? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        options ??= new MmsAssociationOptions();
        timeProvider ??= TimeProvider.System;
        var peer = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw Failed(logger, peer, MmsConnectFailure.Timeout, $"TCP connect took longer than {options.ConnectTimeout}");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw Failed(logger, peer, MmsConnectFailure.ConnectionFailed, $"TCP connect: {e.SocketErrorCode}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return await ConnectAsync(new NetworkStream(socket, ownsSocket: true), peer, options, timeProvider, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Associates over <paramref name="stream"/>, a connected byte stream to a server (a TCP
    /// connection made elsewhere, e.g. in another network namespace). The association owns the
    /// stream from now on and disposes it, also when associating fails.
    /// </summary>
    /// <exception cref="MmsConnectException">Associating failed.</exception>
    public static async Task<MmsAssociation> ConnectAsync(
        Stream stream,
        string peer,
        MmsAssociationOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<MmsAssociation>? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(peer);
        options ??= new MmsAssociationOptions();
        timeProvider ??= TimeProvider.System;
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var reader = new TransportReader(stream, options.MaxPduSize + TsduOverhead);
        var writer = new TransportWriter(stream, CotpCodec.DefaultTpduSize);
        try
        {
            var negotiated = await HandshakeAsync(reader, writer, peer, options, logger, linked.Token).ConfigureAwait(false);
            writer.TpduSize = negotiated.TpduSize;
            var association = new MmsAssociation(stream, reader, writer, peer, negotiated, options, timeProvider, (ILogger?)logger ?? NullLogger.Instance);
            MmsAssociationLog.Established(association._logger, peer, negotiated.MaxServOutstandingCalling, negotiated.MaxPduSize ?? 0, negotiated.TpduSize);
            association._receiveLoop = association.ReceiveLoopAsync();
            return association;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(stream, writer).ConfigureAwait(false);
            throw Failed(logger, peer, MmsConnectFailure.Timeout, $"no association within {options.ConnectTimeout}");
        }
        catch (IOException e)
        {
            await DisposeQuietlyAsync(stream, writer).ConfigureAwait(false);
            throw Failed(logger, peer, MmsConnectFailure.ConnectionLost, e.Message, e);
        }
        catch
        {
            await DisposeQuietlyAsync(stream, writer).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Sends a confirmed request and waits for its response. Waits first for a free slot when
    /// the negotiated number of requests is outstanding.
    /// </summary>
    /// <exception cref="MmsServiceErrorException">The server answered with a confirmed-ErrorPDU.</exception>
    /// <exception cref="MmsRejectedException">The server rejected the request.</exception>
    /// <exception cref="MmsAssociationClosedException">The association closed before the answer came, or was closed already.</exception>
    public async Task<ConfirmedServiceResponse> RequestAsync(ConfirmedServiceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfNotOpen();
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token))
        {
            try
            {
                await _slots.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw ClosedError();
            }
        }

        Pending pending;
        lock (_gate)
        {
            if (_closeError is not null || _closing)
            {
                _slots.Release();
                throw ClosedError();
            }

            var id = NextInvokeId();
            pending = new Pending(id, ServiceName(request));
            _pending.Add(id, pending);
        }

        pending.Timer = _time.CreateTimer(
            static state =>
            {
                var (self, timedOut) = ((MmsAssociation, Pending))state!;
                self.OnRequestTimeout(timedOut);
            },
            (this, pending),
            _options.RequestTimeout,
            Timeout.InfiniteTimeSpan);
        using var tsdu = new BerWriter();
        int size;
        try
        {
            TransportWriter.BeginTsdu(tsdu);
            size = StackCodec.EncodeData(new ConfirmedRequestPdu(pending.InvokeId, request), tsdu);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // A request that cannot be encoded never leaves: it gives its slot back and fails.
            Complete(pending.InvokeId, null, e);
            return await pending.Completion.Task.ConfigureAwait(false);
        }

        if (Negotiated.MaxPduSize is { } max && size > max)
        {
            Complete(pending.InvokeId, null, new ArgumentException($"the {pending.Service} request is {size} octets, above the {max} the server accepts", nameof(request)));
        }
        else
        {
            try
            {
                await _writer.SendTsduAsync(tsdu, _shutdown.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _requestsSent);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
                Close(MmsCloseReason.ConnectionLost, $"sending {pending.Service} failed: {e.Message}", sendAbort: false);
            }
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The information reports, in arrival order, until the association closes. One reader.</summary>
    public IAsyncEnumerable<InformationReport> ReadReportsAsync(CancellationToken cancellationToken = default)
        => _reports.Reader.ReadAllAsync(cancellationToken);

    /// <summary>GetNameList: one page of names (<see cref="GetNameListResponse.MoreFollows"/> says whether another follows).</summary>
    public async Task<GetNameListResponse> GetNameListAsync(ObjectClass objectClass, string? domainId, string? continueAfter = null, CancellationToken cancellationToken = default)
        => (GetNameListResponse)await RequestAsync(
            new GetNameListRequest(objectClass, domainId is null ? ObjectScope.VmdSpecific : ObjectScope.DomainSpecific, domainId, continueAfter),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Every name of <paramref name="objectClass"/> in <paramref name="domainId"/> (or the server), following moreFollows.</summary>
    public async Task<IReadOnlyList<string>> GetAllNamesAsync(ObjectClass objectClass, string? domainId, CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await GetNameListAsync(objectClass, domainId, after, cancellationToken).ConfigureAwait(false);
            names.AddRange(page.Identifiers);
            if (!page.MoreFollows || page.Identifiers.Count == 0)
            {
                return names;
            }

            after = page.Identifiers[^1];
        }
    }

    /// <summary>Identify: the server's vendor, model and revision.</summary>
    public async Task<IdentifyResponse> IdentifyAsync(CancellationToken cancellationToken = default)
        => (IdentifyResponse)await RequestAsync(new IdentifyRequest(), cancellationToken).ConfigureAwait(false);

    /// <summary>Read of named variables: one result per variable, in order.</summary>
    public async Task<IReadOnlyList<AccessResult>> ReadAsync(IReadOnlyList<ObjectName> variables, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var response = (ReadResponse)await RequestAsync(new ReadRequest(new VariableList(variables.Select(v => new VariableSpecification(v)).ToArray())), cancellationToken).ConfigureAwait(false);
        return CheckCount(response.Results, variables.Count, "read");
    }

    /// <summary>Read of one named variable.</summary>
    public async Task<AccessResult> ReadAsync(ObjectName variable, CancellationToken cancellationToken = default)
        => (await ReadAsync([variable], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Read of a named variable list (a data set): one result per member.</summary>
    public async Task<IReadOnlyList<AccessResult>> ReadListAsync(ObjectName list, CancellationToken cancellationToken = default)
    {
        var response = (ReadResponse)await RequestAsync(new ReadRequest(new NamedVariableList(list), SpecificationWithResult: true), cancellationToken).ConfigureAwait(false);
        return response.Results;
    }

    /// <summary>Write of named variables, one value each: one result per variable (null for success).</summary>
    public async Task<IReadOnlyList<DataAccessError?>> WriteAsync(IReadOnlyList<ObjectName> variables, IReadOnlyList<MmsValue> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(values);
        if (variables.Count != values.Count)
        {
            throw new ArgumentException($"{variables.Count} variables but {values.Count} values", nameof(values));
        }

        var response = (WriteResponse)await RequestAsync(new WriteRequest(new VariableList(variables.Select(v => new VariableSpecification(v)).ToArray()), values), cancellationToken).ConfigureAwait(false);
        return CheckCount(response.Results, variables.Count, "write");
    }

    /// <summary>GetVariableAccessAttributes: the type of a variable.</summary>
    public async Task<MmsTypeSpecification> GetVariableAccessAttributesAsync(ObjectName variable, CancellationToken cancellationToken = default)
        => ((GetVariableAccessAttributesResponse)await RequestAsync(new GetVariableAccessAttributesRequest(variable), cancellationToken).ConfigureAwait(false)).Type;

    /// <summary>GetNamedVariableListAttributes: the members of a variable list.</summary>
    public async Task<IReadOnlyList<VariableSpecification>> GetNamedVariableListAttributesAsync(ObjectName list, CancellationToken cancellationToken = default)
        => ((GetNamedVariableListAttributesResponse)await RequestAsync(new GetNamedVariableListAttributesRequest(list), cancellationToken).ConfigureAwait(false)).Variables;

    /// <summary>
    /// Closes cleanly: waits for outstanding requests, sends conclude, then the ACSE release, then
    /// closes the connection. A server that does not answer within the close timeout, or refuses
    /// to conclude, is aborted instead. Returns how the association ended.
    /// </summary>
    public async Task<MmsCloseReason> CloseAsync(CancellationToken cancellationToken = default)
    {
        bool already;
        lock (_gate)
        {
            already = _closeError is not null || _closing;
            if (!already)
            {
                _closing = true;
                _concludeAnswer = new TaskCompletionSource<MmsPdu>(TaskCreationOptions.RunContinuationsAsynchronously);
                _releaseAnswer = new TaskCompletionSource<ReleaseResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_pending.Count > 0)
                {
                    _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        if (already)
        {
            return await CloseReasonAfterAsync().ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(_options.CloseTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _shutdown.Token);
        try
        {
            if (_drained is { } drained)
            {
                await drained.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }

            await SendAsync(new ConcludeRequestPdu(), linked.Token).ConfigureAwait(false);
            var conclude = await _concludeAnswer!.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            if (conclude is ConcludeErrorPdu error)
            {
                Close(MmsCloseReason.AbortedLocally, $"the server refused to conclude ({error.Error}); aborted", sendAbort: true);
                return await CloseReasonAfterAsync().ConfigureAwait(false);
            }

            using (var tsdu = new BerWriter())
            {
                TransportWriter.BeginTsdu(tsdu);
                StackCodec.Encode(new ReleaseRequestMessage(new SessionFinish(null, default), new ReleaseRequest(0, null)), tsdu);
                await _writer.SendTsduAsync(tsdu, linked.Token).ConfigureAwait(false);
            }

            await _releaseAnswer!.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            Close(MmsCloseReason.Concluded, "concluded and released", sendAbort: false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Close(MmsCloseReason.ResponseTimeout, $"conclude and release were not answered within {_options.CloseTimeout}; aborted", sendAbort: true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Close(MmsCloseReason.AbortedLocally, "closing was cancelled; aborted", sendAbort: true);
        }
        catch (Exception e) when (e is OperationCanceledException or MmsAssociationClosedException or IOException or ObjectDisposedException)
        {
            Close(MmsCloseReason.ConnectionLost, $"closing failed: {e.Message}", sendAbort: false);
        }

        return await CloseReasonAfterAsync().ConfigureAwait(false);
    }

    /// <summary>Aborts: sends a session AB (ACSE ABRT), closes the connection, fails every pending request.</summary>
    public void Abort(string detail = "aborted by this client") => Close(MmsCloseReason.AbortedLocally, detail, sendAbort: true);

    /// <summary>Closes cleanly when still open (aborting when that fails), and waits for the connection to be released.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        await _receiveLoop.ConfigureAwait(false);
        await _transportShutdown.ConfigureAwait(false);
        _shutdown.Dispose();
        _writer.Dispose();
        _slots.Dispose();
    }

    private static async Task<NegotiatedParameters> HandshakeAsync(TransportReader reader, TransportWriter writer, string peer, MmsAssociationOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        var addressing = options.Addressing;
        await writer.SendControlAsync(
            new CotpConnectionRequest(1, 0x00, new CotpConnectParameters(options.TpduSize, addressing.CallingTsap, addressing.CalledTsap)),
            cancellationToken).ConfigureAwait(false);
        var unit = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (unit.Control is CotpDisconnectRequest dr)
        {
            throw Failed(logger, peer, MmsConnectFailure.TransportRefused, string.Create(CultureInfo.InvariantCulture, $"COTP DR, reason {dr.Reason}"));
        }

        if (unit.Control is not CotpConnectionConfirm cc)
        {
            throw Failed(logger, peer, UnitFailure(unit), $"expected a COTP CC, got {Describe(unit)}");
        }

        if ((cc.ClassOption >> 4) != 0)
        {
            throw Failed(logger, peer, MmsConnectFailure.TransportRefused, string.Create(CultureInfo.InvariantCulture, $"the server chose COTP class {cc.ClassOption >> 4}; only class 0 is spoken"));
        }

        var tpduSize = Math.Min(cc.Parameters.TpduSize ?? CotpCodec.DefaultTpduSize, options.TpduSize);
        writer.TpduSize = tpduSize;
        var initiate = new InitiateRequestPdu(
            options.MaxPduSize,
            options.MaxServOutstandingCalling,
            options.MaxServOutstandingCalled,
            options.DataStructureNestingLevel,
            1,
            MmsServices.ClientParameters,
            MmsServices.ClientServices);
        var password = options.Password is null ? null : AcseCodec.PasswordOctets(options.Password);
        var request = new AssociateRequestMessage(
            new SessionConnect(new SessionConnectItem(0x00, null, 0x02), 0x0002, addressing.CallingSessionSelector, addressing.CalledSessionSelector, default),
            new PresentationConnect(
                null,
                addressing.CallingPresentationSelector,
                addressing.CalledPresentationSelector,
                [
                    new PresentationContext(StackCodec.AcseContextId, ObjectIdentifier.AcseAbstractSyntax, [ObjectIdentifier.BasicEncodingRules]),
                    new PresentationContext(StackCodec.MmsContextId, ObjectIdentifier.MmsAbstractSyntax, [ObjectIdentifier.BasicEncodingRules]),
                ],
                null,
                null,
                new PresentationDataValue(null, StackCodec.AcseContextId, default)),
            new AssociationRequest(
                null,
                ObjectIdentifier.MmsApplicationContext,
                addressing.CalledApTitle,
                addressing.CalledAeQualifier,
                addressing.CallingApTitle,
                addressing.CallingAeQualifier,
                password is null ? null : BitString.FromBits(2, 0),
                password is null ? null : ObjectIdentifier.PasswordMechanism,
                password,
                new AcseUserInformation(null, StackCodec.MmsContextId, default)),
            initiate);
        using (var tsdu = new BerWriter())
        {
            TransportWriter.BeginTsdu(tsdu);
            StackCodec.Encode(request, tsdu);
            await writer.SendTsduAsync(tsdu, cancellationToken).ConfigureAwait(false);
        }

        unit = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (unit.Kind != TransportUnitKind.Tsdu)
        {
            throw Failed(logger, peer, UnitFailure(unit), $"expected the association response, got {Describe(unit)}");
        }

        if (!StackCodec.TryDecode(unit.Tsdu, out var message, out var failure, options.Limits))
        {
            throw Failed(logger, peer, MmsConnectFailure.ProtocolError, "the association response does not decode: " + failure);
        }

        switch (message)
        {
            case AssociateResponseMessage response:
                if (response.Presentation.Results.Any(r => r.Result != 0))
                {
                    throw Failed(logger, peer, MmsConnectFailure.PresentationRefused, "the server did not accept the ACSE and MMS presentation contexts");
                }

                if (response.Acse.Result != 0)
                {
                    throw Failed(logger, peer, MmsConnectFailure.AssociationRejected, Rejection(response.Acse));
                }

                return response.Initiate switch
                {
                    InitiateResponsePdu accepted => new NegotiatedParameters(
                        Math.Max(1, Math.Min(accepted.MaxServOutstandingCalling, options.MaxServOutstandingCalling)),
                        accepted.MaxServOutstandingCalled,
                        accepted.DataStructureNestingLevel,
                        accepted.LocalDetailCalled,
                        accepted.VersionNumber,
                        accepted.ParameterCbb,
                        accepted.ServicesSupported,
                        tpduSize),
                    InitiateErrorPdu error => throw Failed(logger, peer, MmsConnectFailure.InitiateRejected, error.Error.ToString()),
                    _ => throw Failed(logger, peer, MmsConnectFailure.ProtocolError, "the AARE carries no initiate-ResponsePDU"),
                };
            case AssociateRefusedMessage refused:
                if (refused.Acse is { } aare)
                {
                    throw Failed(logger, peer, MmsConnectFailure.AssociationRejected, Rejection(aare));
                }

                throw refused.Presentation is { } cpr
                    ? Failed(logger, peer, MmsConnectFailure.PresentationRefused, string.Create(CultureInfo.InvariantCulture, $"CPR, provider reason {cpr.ProviderReason?.ToString(CultureInfo.InvariantCulture) ?? "none"}"))
                    : Failed(logger, peer, MmsConnectFailure.SessionRefused, string.Create(CultureInfo.InvariantCulture, $"session RF, reason {refused.Session.Reason?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));
            case AbortMessage:
                throw Failed(logger, peer, MmsConnectFailure.Aborted, "the server aborted the association request");
            default:
                throw Failed(logger, peer, MmsConnectFailure.ProtocolError, $"expected the association response, got {message!.GetType().Name}");
        }
    }

    private static string Rejection(AssociationResponse aare)
    {
        var diagnostic = aare.Diagnostic is { } d
            ? string.Create(CultureInfo.InvariantCulture, $"{(d.FromServiceUser ? "service user" : "service provider")} diagnostic {d.Code}{(d.FromServiceUser && d.Code == 13 ? " (authentication failure)" : string.Empty)}")
            : "no diagnostic";
        return string.Create(CultureInfo.InvariantCulture, $"AARE result {aare.Result}, {diagnostic}");
    }

    private static MmsConnectFailure UnitFailure(TransportUnit unit) => unit.Kind switch
    {
        TransportUnitKind.EndOfStream => MmsConnectFailure.ConnectionLost,
        _ => MmsConnectFailure.ProtocolError,
    };

    private static string Describe(TransportUnit unit) => unit.Kind switch
    {
        TransportUnitKind.Control => unit.Control!.GetType().Name,
        TransportUnitKind.Malformed => "malformed bytes: " + unit.Failure,
        TransportUnitKind.EndOfStream => "the end of the connection",
        _ => "a TSDU",
    };

    private static MmsConnectException Failed(ILogger? logger, string peer, MmsConnectFailure failure, string detail, Exception? inner = null)
    {
        if (logger is not null)
        {
            MmsAssociationLog.ConnectFailed(logger, peer, failure, detail);
        }

        return new MmsConnectException(failure, detail, inner);
    }

    private static async Task DisposeQuietlyAsync(Stream stream, TransportWriter writer)
    {
        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already broken: nothing more to release.
        }

        writer.Dispose();
    }

    private static string ServiceName(ConfirmedServiceRequest request) => request switch
    {
        GetNameListRequest => "GetNameList",
        IdentifyRequest => "Identify",
        ReadRequest => "Read",
        WriteRequest => "Write",
        GetVariableAccessAttributesRequest => "GetVariableAccessAttributes",
        GetNamedVariableListAttributesRequest => "GetNamedVariableListAttributes",
        _ => request.GetType().Name,
    };

    private static IReadOnlyList<T> CheckCount<T>(IReadOnlyList<T> results, int expected, string service)
        => results.Count == expected
            ? results
            : throw new MmsException(string.Create(CultureInfo.InvariantCulture, $"the {service} response has {results.Count} results for {expected} variables"));

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var unit = await _reader.ReadAsync(_shutdown.Token).ConfigureAwait(false);
                switch (unit.Kind)
                {
                    case TransportUnitKind.EndOfStream:
                        Close(MmsCloseReason.ConnectionLost, "the server closed the connection", sendAbort: false);
                        return;
                    case TransportUnitKind.Malformed:
                        Close(MmsCloseReason.MalformedPdu, unit.Failure.ToString(), sendAbort: true);
                        return;
                    case TransportUnitKind.Control:
                        Close(
                            unit.Control is CotpDisconnectRequest ? MmsCloseReason.AbortedByPeer : MmsCloseReason.ProtocolViolation,
                            unit.Control is CotpErrorTpdu er ? string.Create(CultureInfo.InvariantCulture, $"COTP ER, reject cause {er.RejectCause}") : $"COTP {unit.Control!.GetType().Name} on an open connection",
                            sendAbort: false);
                        return;
                    default:
                        if (!StackCodec.TryDecode(unit.Tsdu, out var message, out var failure, _options.Limits))
                        {
                            Close(MmsCloseReason.MalformedPdu, failure.ToString(), sendAbort: true);
                            return;
                        }

                        if (!await DispatchAsync(message!).ConfigureAwait(false))
                        {
                            return;
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Closed by this side; Close has said why.
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            Close(MmsCloseReason.ConnectionLost, "receiving failed: " + e.Message, sendAbort: false);
        }
        catch (Exception e)
        {
            MmsAssociationLog.Unexpected(_logger, Peer, e);
            Close(MmsCloseReason.ProtocolViolation, "unexpected failure in the receive loop: " + e.Message, sendAbort: true);
        }
    }

    /// <summary>Handles one decoded TSDU; false when the association ended.</summary>
    private async ValueTask<bool> DispatchAsync(StackMessage message)
    {
        switch (message)
        {
            case MmsDataMessage { Pdu: ConfirmedResponsePdu response }:
                return Complete(response.InvokeId, response.Service, null);
            case MmsDataMessage { Pdu: ConfirmedErrorPdu error }:
                return Complete(error.InvokeId, null, new MmsServiceErrorException(PendingService(error.InvokeId), error.Error));
            case MmsDataMessage { Pdu: RejectPdu reject }:
                if (reject.OriginalInvokeId is { } rejected && IsPending(rejected))
                {
                    return Complete(rejected, null, new MmsRejectedException(PendingService(rejected), reject));
                }

                if (reject.Kind == RejectKind.ConcludeRequest && _concludeAnswer is { } waiting)
                {
                    waiting.TrySetException(new MmsRejectedException("Conclude", reject));
                    return true;
                }

                Interlocked.Increment(ref _unmatchedRejects);
                MmsAssociationLog.UnmatchedReject(_logger, Peer, reject.Kind, reject.Reason);
                return true;
            case MmsDataMessage { Pdu: UnconfirmedPdu { Service: InformationReport report } }:
                Deliver(report);
                return true;
            case MmsDataMessage { Pdu: UnconfirmedPdu other }:
                MmsAssociationLog.Ignored(_logger, "unconfirmed service " + other.Service, Peer);
                return true;
            case MmsDataMessage { Pdu: ConcludeResponsePdu or ConcludeErrorPdu } conclude when _concludeAnswer is { } answer:
                answer.TrySetResult(conclude.Pdu);
                return true;
            case MmsDataMessage { Pdu: ConfirmedRequestPdu request }:
                // This client serves no MMS services: tell the server so and carry on.
                await SendAsync(new RejectPdu(request.InvokeId, RejectKind.ConfirmedRequest, 1), _shutdown.Token).ConfigureAwait(false);
                MmsAssociationLog.Ignored(_logger, "a confirmed request (rejected as unrecognized)", Peer);
                return true;
            case ReleaseResponseMessage release when _releaseAnswer is { } answer:
                // Ends the association here, before the server's close of the connection can be
                // read as a lost connection.
                Close(MmsCloseReason.Concluded, "concluded and released", sendAbort: false);
                answer.TrySetResult(release);
                return false;
            case ReleaseRequestMessage:
            {
                using (var tsdu = new BerWriter())
                {
                    TransportWriter.BeginTsdu(tsdu);
                    StackCodec.Encode(new ReleaseResponseMessage(new SessionDisconnect(default), new ReleaseResponse(0, null)), tsdu);
                    await _writer.SendTsduAsync(tsdu, _shutdown.Token).ConfigureAwait(false);
                }

                Close(MmsCloseReason.ReleasedByPeer, "the server released the association", sendAbort: false);
                return false;
            }

            case AbortMessage abort:
                Close(MmsCloseReason.AbortedByPeer, abort.Acse is { } abrt
                    ? string.Create(CultureInfo.InvariantCulture, $"ACSE ABRT from the {(abrt.Source == 0 ? "service user" : "service provider")}")
                    : "session AB", sendAbort: false);
                return false;
            case AbortAcceptMessage:
                return true;
            default:
                Close(MmsCloseReason.ProtocolViolation, $"unexpected {Describe(message)} on an open association", sendAbort: true);
                return false;
        }
    }

    private static string Describe(StackMessage message) => message is MmsDataMessage data ? data.Pdu.GetType().Name : message.GetType().Name;

    private void Deliver(InformationReport report)
    {
        Interlocked.Increment(ref _reportsReceived);
        if (_options.InformationReportObserver is { } observer && observer(report))
        {
            return;
        }

        if (!_reports.Writer.TryWrite(report))
        {
            var dropped = Interlocked.Increment(ref _reportsDropped);
            if (dropped == 1 || dropped % 100 == 0)
            {
                MmsAssociationLog.ReportDropped(_logger, Peer, _options.ReportQueueCapacity, dropped);
            }
        }
    }

    private bool IsPending(uint invokeId)
    {
        lock (_gate)
        {
            return _pending.ContainsKey(invokeId);
        }
    }

    private string PendingService(uint invokeId)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(invokeId, out var pending) ? pending.Service : "request";
        }
    }

    /// <summary>Completes the request <paramref name="invokeId"/>; an answer to no outstanding request closes the association.</summary>
    private bool Complete(uint invokeId, ConfirmedServiceResponse? response, Exception? error)
    {
        Pending? pending;
        TaskCompletionSource? drained = null;
        lock (_gate)
        {
            if (!_pending.Remove(invokeId, out pending))
            {
                pending = null;
            }
            else if (_pending.Count == 0)
            {
                drained = _drained;
            }
        }

        if (pending is null)
        {
            Close(MmsCloseReason.ProtocolViolation, string.Create(CultureInfo.InvariantCulture, $"an answer to invoke id {invokeId}, which is not outstanding"), sendAbort: true);
            return false;
        }

        pending.Timer?.Dispose();
        _slots.Release();
        if (error is not null)
        {
            pending.Completion.TrySetException(error);
        }
        else
        {
            pending.Completion.TrySetResult(response!);
        }

        drained?.TrySetResult();
        return true;
    }

    private void OnRequestTimeout(Pending pending)
    {
        if (IsPending(pending.InvokeId))
        {
            Close(
                MmsCloseReason.ResponseTimeout,
                string.Create(CultureInfo.InvariantCulture, $"no answer to invoke id {pending.InvokeId} ({pending.Service}) within {_options.RequestTimeout}"),
                sendAbort: true);
        }
    }

    private uint NextInvokeId()
    {
        // Under _gate. Skips ids still outstanding after a wrap-around.
        do
        {
            _lastInvokeId = unchecked(_lastInvokeId + 1);
        }
        while (_pending.ContainsKey(_lastInvokeId));
        return _lastInvokeId;
    }

    private async Task SendAsync(MmsPdu pdu, CancellationToken cancellationToken)
    {
        using var tsdu = new BerWriter();
        TransportWriter.BeginTsdu(tsdu);
        StackCodec.EncodeData(pdu, tsdu);
        await _writer.SendTsduAsync(tsdu, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfNotOpen()
    {
        lock (_gate)
        {
            if (_closeError is not null || _closing)
            {
                throw ClosedError();
            }
        }
    }

    private MmsAssociationClosedException ClosedError()
    {
        lock (_gate)
        {
            return _closeError ?? new MmsAssociationClosedException(MmsCloseReason.Concluded, "the association is being concluded");
        }
    }

    private async Task<MmsCloseReason> CloseReasonAfterAsync() => (await _closed.Task.ConfigureAwait(false)).Reason;

    /// <summary>Ends the association once: fails every pending request with the reason, ends the report stream, releases the connection.</summary>
    private void Close(MmsCloseReason reason, string detail, bool sendAbort)
    {
        MmsAssociationClosedException error;
        List<Pending> failed;
        lock (_gate)
        {
            if (_closeError is not null)
            {
                return;
            }

            _closeError = error = new MmsAssociationClosedException(reason, detail);
            failed = [.. _pending.Values];
            _pending.Clear();
        }

        switch (reason)
        {
            case MmsCloseReason.Concluded:
                MmsAssociationLog.Concluded(_logger, Peer);
                break;
            case MmsCloseReason.AbortedLocally:
                MmsAssociationLog.AbortedLocally(_logger, Peer, detail);
                break;
            default:
                MmsAssociationLog.Closed(_logger, Peer, reason, detail);
                break;
        }

        foreach (var pending in failed)
        {
            pending.Timer?.Dispose();
            pending.Completion.TrySetException(error);
        }

        _drained?.TrySetException(error);
        _concludeAnswer?.TrySetException(error);
        _releaseAnswer?.TrySetException(error);
        _reports.Writer.TryComplete();
        _transportShutdown = ShutdownTransportAsync(sendAbort);
        _closed.TrySetResult(error);
    }

    private async Task ShutdownTransportAsync(bool sendAbort)
    {
        if (sendAbort)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
                using var tsdu = new BerWriter();
                TransportWriter.BeginTsdu(tsdu);
                StackCodec.Encode(
                    new AbortMessage(
                        new SessionAbort(0x03, default),
                        new PresentationUserAbort(null, new PresentationDataValue(null, StackCodec.AcseContextId, default)),
                        new AbortApdu(0, null, null)),
                    tsdu);
                await _writer.SendTsduAsync(tsdu, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
                // The abort is a courtesy; the connection goes either way.
            }
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already broken.
        }
    }

    private sealed class Pending(uint invokeId, string service)
    {
        public uint InvokeId { get; } = invokeId;

        public string Service { get; } = service;

        public TaskCompletionSource<ConfirmedServiceResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ITimer? Timer { get; set; }
    }
}
