using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;
using Bridge.Adapters.Iec61850.Tests.Mms.Capture;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Replay;

/// <summary>
/// A server that answers with what a real IEC 61850 server (libiec61850) answered in
/// mms-client-server.pcapng. A client's confirmed request is matched to a recorded one of the
/// chosen conversations by its encoding without the invoke id; the recorded response goes back
/// with the client's invoke id, followed by the unconfirmed PDUs (reports, command terminations)
/// the server sent after it before the next request. The handshake, conclude and release are
/// answered with the recorded CC, AARE, conclude response and DN. Requests that match nothing
/// are answered with a confirmed-ErrorPDU and listed in <see cref="Unmatched"/>.
/// </summary>
public sealed class ReplayServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Dictionary<string, (MmsPdu Response, List<MmsPdu> After)> _script = new(StringComparer.Ordinal);
    private readonly List<string> _unmatched = [];
    private readonly List<Task> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _connectConfirm;
    private readonly byte[] _associateResponse;
    private readonly byte[] _releaseResponse;
    private readonly byte[] _concludeResponse;
    private readonly Task _accepting;
    private int _matched;

    private ReplayServer(IReadOnlyCollection<int> streams)
    {
        var tsdus = MmsCapture.Tsdus.Where(t => streams.Contains(t.Stream)).ToList();
        _connectConfirm = MmsCapture.Tpkts.First(t => streams.Contains(t.Stream) && t.Direction == Direction.ServerToClient).Bytes;
        _associateResponse = Find<AssociateResponseMessage>(tsdus);
        // Only stream 2 concluded and released; other streams get answers of our own encoding.
        _releaseResponse = tsdus.FirstOrDefault(t => Decode(t.Bytes) is ReleaseResponseMessage)?.Bytes
            ?? Encode(new ReleaseResponseMessage(new Bridge.Adapters.Iec61850.Mms.Session.SessionDisconnect(default), new Bridge.Adapters.Iec61850.Mms.Acse.ReleaseResponse(null, null)));
        _concludeResponse = tsdus.FirstOrDefault(t => Decode(t.Bytes) is MmsDataMessage { Pdu: ConcludeResponsePdu })?.Bytes
            ?? Encode(new MmsDataMessage(new ConcludeResponsePdu()));
        foreach (var stream in streams)
        {
            Record(tsdus.Where(t => t.Stream == stream).ToList());
        }

        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Requests answered with a recorded response.</summary>
    public int Matched => Volatile.Read(ref _matched);

    /// <summary>Requests no recorded request matched, as hex.</summary>
    public IReadOnlyList<string> Unmatched
    {
        get
        {
            lock (_unmatched)
            {
                return [.. _unmatched];
            }
        }
    }

    /// <summary>A replay of the recorded conversations <paramref name="streams"/> (tcp.stream numbers).</summary>
    public static ReplayServer Start(params int[] streams) => new(streams);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        await Task.WhenAll(_connections);
        _stop.Dispose();
    }

    private static StackMessage Decode(byte[] tsdu)
        => StackCodec.TryDecode(tsdu, out var message, out var failure) ? message! : throw new InvalidDataException(failure.ToString());

    private static byte[] Encode(StackMessage message)
    {
        using var writer = new BerWriter();
        StackCodec.Encode(message, writer);
        return writer.ToArray();
    }

    private static byte[] Find<T>(List<CapturedTsdu> tsdus)
        where T : StackMessage
        => tsdus.First(t => Decode(t.Bytes) is T).Bytes;

    private static string Key(ConfirmedRequestPdu request)
    {
        using var writer = new BerWriter();
        MmsPduCodec.Encode(request with { InvokeId = 0 }, writer);
        return Convert.ToHexString(writer.WrittenSpan);
    }

    private void Record(List<CapturedTsdu> conversation)
    {
        for (var i = 0; i < conversation.Count; i++)
        {
            if (conversation[i].Direction != Direction.ClientToServer || Decode(conversation[i].Bytes) is not MmsDataMessage { Pdu: ConfirmedRequestPdu request })
            {
                continue;
            }

            MmsPdu? response = null;
            var after = new List<MmsPdu>();
            for (var j = i + 1; j < conversation.Count && conversation[j].Direction == Direction.ServerToClient; j++)
            {
                var pdu = ((MmsDataMessage)Decode(conversation[j].Bytes)).Pdu;
                if ((pdu is ConfirmedResponsePdu r && r.InvokeId == request.InvokeId) || (pdu is ConfirmedErrorPdu e && e.InvokeId == request.InvokeId))
                {
                    response = pdu;
                }
                else if (response is not null && pdu is UnconfirmedPdu)
                {
                    after.Add(pdu);
                }
            }

            if (response is not null)
            {
                _script[Key(request)] = (response, after);
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stop.Token);
            lock (_connections)
            {
                _connections.Add(ServeAsync(new NetworkStream(socket, ownsSocket: true)));
            }
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        using var writer = new TransportWriter(stream, CotpCodec.MaxTpduSize);
        var reader = new TransportReader(stream, 1 << 20);
        try
        {
            while (true)
            {
                var unit = await reader.ReadAsync(_stop.Token);
                if (unit.Kind == TransportUnitKind.Control && unit.Control is CotpConnectionRequest)
                {
                    await writer.WriteAsync(_connectConfirm, _stop.Token);
                    continue;
                }

                if (unit.Kind != TransportUnitKind.Tsdu || !StackCodec.TryDecode(unit.Tsdu, out var message, out _))
                {
                    return;
                }

                switch (message)
                {
                    case AssociateRequestMessage:
                        await SendAsync(writer, _associateResponse);
                        break;
                    case MmsDataMessage { Pdu: ConcludeRequestPdu }:
                        await SendAsync(writer, _concludeResponse);
                        break;
                    case ReleaseRequestMessage:
                        await SendAsync(writer, _releaseResponse);
                        return;
                    case MmsDataMessage { Pdu: ConfirmedRequestPdu request }:
                        foreach (var pdu in Answer(request))
                        {
                            using var tsdu = new BerWriter();
                            TransportWriter.BeginTsdu(tsdu);
                            StackCodec.EncodeData(pdu, tsdu);
                            await writer.SendTsduAsync(tsdu, _stop.Token);
                        }

                        break;
                    default:
                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // The client or the test is done.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private List<MmsPdu> Answer(ConfirmedRequestPdu request)
    {
        if (!_script.TryGetValue(Key(request), out var recorded))
        {
            lock (_unmatched)
            {
                _unmatched.Add(Key(request));
            }

            return [new ConfirmedErrorPdu(request.InvokeId, null, new ServiceError(ErrorClass.Access, 2, null, "not in the recording"))];
        }

        Interlocked.Increment(ref _matched);
        var response = recorded.Response switch
        {
            ConfirmedResponsePdu r => (MmsPdu)(r with { InvokeId = request.InvokeId }),
            ConfirmedErrorPdu e => e with { InvokeId = request.InvokeId },
            var other => other,
        };
        return [response, .. recorded.After];
    }

    private async Task SendAsync(TransportWriter writer, byte[] tsduBytes)
    {
        using var tsdu = new BerWriter();
        TransportWriter.BeginTsdu(tsdu);
        tsdu.WriteBytes(tsduBytes);
        await writer.SendTsduAsync(tsdu, _stop.Token);
    }
}
