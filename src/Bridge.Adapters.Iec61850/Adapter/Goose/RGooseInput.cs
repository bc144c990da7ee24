using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Core.Routing;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>A goosePdu taken out of a received R-GOOSE datagram.</summary>
/// <param name="AppId">The payload element's APPID.</param>
/// <param name="GocbRef">The APDU's control block.</param>
/// <param name="Apdu">The goosePdu, a slice of the datagram.</param>
public readonly record struct RGooseReceivedApdu(ushort AppId, string GocbRef, ReadOnlyMemory<byte> Apdu);

/// <summary>
/// R-GOOSE as input of the tunnel's side: a loop reads datagrams from an <see cref="RGooseReceiver"/>,
/// takes the goosePdus out of each SPDU (<see cref="TryRead(ReadOnlyMemory{byte}, RGooseUnprotector?, DateTimeOffset, List{RGooseReceivedApdu}, out string, out string)"/>) and routes each, the bytes as
/// received, through the router's to-group rules with the address (payload APPID, gocbRef,
/// <see cref="GooseOutput.RGoose"/>) and content type <see cref="ContentType.GooseApdu"/>, exactly
/// as a captured GOOSE frame's APDU goes. So the far end re-emits it as GOOSE (or R-GOOSE) as it
/// would a captured one. A datagram that does not decode is dropped whole and counted under its
/// reason (<see cref="DropReason(RGooseRejection)"/>); one from this side's own R-GOOSE sender is
/// ignored. With an <see cref="RGooseUnprotector"/> (the side has keys), only SPDUs that verify
/// or decrypt with a valid key and carry a new SPDU number are taken; the others are counted by
/// the security layer's reason (<see cref="DropReason(RGooseSecurityRejection)"/>).
/// </summary>
public sealed class RGooseInput : IAsyncDisposable
{
    /// <summary>The drop reason of a datagram from this side's own sender.</summary>
    public const string OwnReason = "rgoose_own";

    /// <summary>The drop reason of a signed or encrypted SPDU at a side without keys.</summary>
    public const string SecuredReason = "rgoose_secured";

    /// <summary>The drop reason of an SPDU with no payload element.</summary>
    public const string EmptyReason = "rgoose_empty";

    /// <summary>The drop reason of a payload element whose goosePdu does not decode.</summary>
    public const string MalformedApduReason = "rgoose_malformed_apdu";

    private readonly RGooseReceiver _receiver;
    private readonly RGooseUnprotector? _security;
    private readonly TimeProvider _time;
    private readonly Router _router;
    private readonly Func<IPEndPoint, bool> _isOwn;
    private readonly ILogger _logger;
    private readonly LogRateLimiter _logLimit;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;
    private long _received;

    /// <summary>
    /// An input reading <paramref name="receiver"/> (owned from here on, as is <paramref name="security"/>)
    /// into <paramref name="router"/>; <paramref name="isOwn"/> tells this side's own datagrams by
    /// their source; with <paramref name="security"/>, SPDUs must verify with its keys.
    /// </summary>
    public RGooseInput(RGooseReceiver receiver, Router router, Func<IPEndPoint, bool> isOwn, ILogger logger, TimeProvider time, RGooseUnprotector? security = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(isOwn);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        _receiver = receiver;
        _security = security;
        _time = time;
        _router = router;
        _isOwn = isOwn;
        _logger = logger;
        _logLimit = LogRateLimiter.PerMinute(time);
    }

    /// <summary>Datagrams received that decoded (own and dropped ones not counted).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Whether the receive loop is running.</summary>
    public bool Running => !_loop.IsCompleted;

    /// <summary>Datagrams and APDUs dropped, by reason.</summary>
    public IReadOnlyDictionary<string, long> Dropped => new Dictionary<string, long>(_dropped, StringComparer.Ordinal);

    /// <summary>
    /// The own-datagram test for a side whose sender's socket is bound to <paramref name="senderLocal"/>:
    /// a source with that port and one of <paramref name="hostAddresses"/> (the sender's socket is
    /// bound to the wildcard address, so any address of this host may be its source); none without a sender.
    /// </summary>
    public static Func<IPEndPoint, bool> OwnSource(IPEndPoint? senderLocal, IEnumerable<IPAddress> hostAddresses)
    {
        ArgumentNullException.ThrowIfNull(hostAddresses);
        if (senderLocal is null)
        {
            return static _ => false;
        }

        var addresses = hostAddresses.Select(Normal).ToHashSet();
        var port = senderLocal.Port;
        return source => source.Port == port && addresses.Contains(Normal(source.Address));

        static IPAddress Normal(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
    }

    /// <summary>The counter name of a codec rejection: <c>rgoose_</c> and the reason in snake case (<c>rgoose_not_goose_session</c>).</summary>
    public static string DropReason(RGooseRejection rejection) => SnakeCase(rejection.ToString());

    /// <summary>The counter name of a security rejection: <c>rgoose_</c> and the reason in snake case (<c>rgoose_bad_signature</c>, <c>rgoose_replay</c>).</summary>
    public static string DropReason(RGooseSecurityRejection rejection) => SnakeCase(rejection.ToString());

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder("rgoose_", name.Length + 12);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>
    /// The goosePdus of <paramref name="datagram"/> into <paramref name="apdus"/> (cleared first), or
    /// false with the drop reason when the datagram is not a cleartext R-GOOSE SPDU whose every
    /// payload element is a GOOSE APDU that decodes. Pure.
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> datagram, List<RGooseReceivedApdu> apdus, out string reason, out string detail)
        => TryRead(datagram, null, default, apdus, out reason, out detail);

    /// <summary>
    /// As <see cref="TryRead(ReadOnlyMemory{byte}, List{RGooseReceivedApdu}, out string, out string)"/>,
    /// and with <paramref name="security"/> the SPDU must pass it at <paramref name="now"/> first
    /// (an encrypted SPDU's goosePdus are then slices of its buffer, valid until its next call).
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> datagram, RGooseUnprotector? security, DateTimeOffset now, List<RGooseReceivedApdu> apdus, out string reason, out string detail)
    {
        ArgumentNullException.ThrowIfNull(apdus);
        apdus.Clear();
        if (!RGooseCodec.TryDecode(datagram, out var spdu, out var rejection))
        {
            (reason, detail) = (DropReason(rejection), $"not an R-GOOSE SPDU ({rejection})");
            return false;
        }

        var userData = spdu.UserData;
        if (security is not null)
        {
            var securityRejection = security.Unprotect(now, datagram, spdu, out userData);
            if (securityRejection != RGooseSecurityRejection.None)
            {
                (reason, detail) = (DropReason(securityRejection), $"SPDU {spdu.SpduNumber} under key id {spdu.KeyId} refused by R-GOOSE security ({securityRejection})");
                return false;
            }
        }
        else if (spdu.HasSignature || !spdu.InitializationVector.IsEmpty)
        {
            // Without keys a signature cannot be checked nor a payload decrypted.
            (reason, detail) = (SecuredReason, "the SPDU is signed or encrypted, and this side has no R-GOOSE keys (bridge.goose.rgoose.keys)");
            return false;
        }

        var reader = new RGoosePayloadReader(userData);
        while (reader.TryRead(out var payload, out rejection))
        {
            if (!GooseCodec.TryDecodeView(payload.Apdu, out var view, out var gooseRejection))
            {
                apdus.Clear();
                (reason, detail) = (MalformedApduReason, $"the goosePdu of APPID 0x{payload.AppId:x4} does not decode ({gooseRejection})");
                return false;
            }

            apdus.Add(new RGooseReceivedApdu(payload.AppId, view.GetGocbRef(), payload.Apdu));
        }

        if (rejection != RGooseRejection.None)
        {
            apdus.Clear();
            (reason, detail) = (DropReason(rejection), $"a payload element is not a GOOSE one ({rejection})");
            return false;
        }

        if (apdus.Count == 0)
        {
            (reason, detail) = (EmptyReason, "the SPDU carries no payload element");
            return false;
        }

        (reason, detail) = (string.Empty, string.Empty);
        return true;
    }

    /// <summary>Starts the receive loop.</summary>
    public void Start()
    {
        _loop = ReceiveLoopAsync();
        GooseAdapterLog.RGooseListening(_logger, _receiver.Group.ToString(), _router.Table.ToGroup.Count(r => r.Endpoint is GooseEndpoint { Input: not GooseOutput.Lan }));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _receiver.Dispose(); // ends a receive in progress
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
        _security?.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65535];
        var apdus = new List<RGooseReceivedApdu>();
        var token = _stopping.Token;
        var group = _receiver.Group.ToString();
        try
        {
            while (!token.IsCancellationRequested)
            {
                var (length, source) = await _receiver.ReceiveAsync(buffer, token).ConfigureAwait(false);
                if (_isOwn(source))
                {
                    // What this side sent itself never goes back into a group, whatever the rules say.
                    Count(OwnReason);
                    continue;
                }

                if (!TryRead(buffer.AsMemory(0, length), _security, _time.GetUtcNow(), apdus, out var reason, out var detail))
                {
                    Count(reason);
                    if (_logLimit.ShouldLog(n => GooseAdapterLog.Suppressed(_logger, n)))
                    {
                        GooseAdapterLog.RGooseDropped(_logger, source.ToString(), group, detail);
                    }

                    continue;
                }

                Interlocked.Increment(ref _received);
                foreach (var apdu in apdus)
                {
                    var address = new GooseAddress(apdu.AppId, default(MacAddress), apdu.GocbRef, null, GooseOutput.RGoose);

                    // The bytes as received, as for a captured frame: the far end forwards what the publisher sent.
                    var message = new InboundMessage<GooseAddress>(address, apdu.Apdu.ToArray(), ContentType.GooseApdu);
                    try
                    {
                        if (await _router.RouteAsync(message, token).ConfigureAwait(false) == 0)
                        {
                            Count("unroutable");
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException && e is IOException or SocketException or InvalidOperationException)
                    {
                        Count("route_failed");
                        if (_logLimit.ShouldLog(n => GooseAdapterLog.Suppressed(_logger, n)))
                        {
                            GooseAdapterLog.SendFailed(_logger, address.ToString(), e.Message);
                        }
                    }
                }
            }
        }
        catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping.
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            GooseAdapterLog.RGooseReceiveFailed(_logger, group, e.Message);
        }
    }

    private void Count(string reason) => _dropped.AddOrUpdate(reason, 1, static (_, n) => n + 1);
}
