using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Transports;

/// <summary>
/// The overlay link driver over real TCP and TLS on loopback: frames both ways, heartbeats and
/// round-trip times, refused handshakes, and peers that send garbage, oversize frames or nothing.
/// Every wait has a deadline; nothing sleeps to synchronise.
/// </summary>
public sealed class OverlayLinkTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly string[] BothUsages = [OverlayCredentials.ServerAuthOid, OverlayCredentials.ClientAuthOid];
    private static readonly byte[] Group = Encoding.UTF8.GetBytes("ham:sg:ami.tariff.rtp");

    private readonly DateTimeOffset _notBefore = DateTimeOffset.UtcNow.AddDays(-1);
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2 _strangerAuthority;
    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly List<OverlayCredentials> _credentials = [];

    public OverlayLinkTests()
    {
        _authority = TestCertificates.Authority("Overlay CA", _notBefore);
        _strangerAuthority = TestCertificates.Authority("Overlay CA", _notBefore);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        foreach (var credentials in _credentials)
        {
            credentials.Certificate.Dispose();
        }

        _authority.Dispose();
        _strangerAuthority.Dispose();
    }

    [Fact]
    public async Task Links_ManyFramesBothWaysSomeLargerThanASegment_ArriveIntactAndInOrder()
    {
        const int Count = 300;
        var (accepted, dialled) = await ConnectPairAsync(new OverlayLinkOptions());
        var atListener = new Recorder();
        var atDialler = new Recorder();
        _ = accepted.RunAsync(atListener);
        _ = dialled.RunAsync(atDialler);

        Assert.Equal("gw-b", accepted.PeerName);
        Assert.Equal("gw-a", dialled.PeerName);
        var sending = Task.WhenAll(SendManyAsync(dialled, Count, sourceId: 1), SendManyAsync(accepted, Count, sourceId: 2));

        for (var i = 1; i <= Count; i++)
        {
            AssertIsFrame(await atListener.NextFrameAsync(), sourceId: 1, sequence: (ulong)i, LengthOf(i));
            AssertIsFrame(await atDialler.NextFrameAsync(), sourceId: 2, sequence: (ulong)i, LengthOf(i));
        }

        await sending.WaitAsync(Deadline);
        Assert.False(accepted.Completion.IsCompleted || dialled.Completion.IsCompleted, "a link closed while exchanging frames");
    }

    [Fact]
    public async Task Receive_FramesWrittenInSevenBytePieces_AreReassembled()
    {
        await using var listener = StartListener(Credentials("gw-a"), new OverlayLinkOptions());
        await using var raw = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var accepted = await AcceptLinkAsync(listener);
        var recorder = new Recorder();
        _ = accepted.RunAsync(recorder);
        var bytes = Frame(3, 1, 5_000).Concat(Frame(3, 2, 0)).Concat(Frame(3, 3, 40_000)).ToArray();

        for (var offset = 0; offset < bytes.Length; offset += 7)
        {
            await raw.WriteAsync(bytes.AsMemory(offset, Math.Min(7, bytes.Length - offset)));
        }

        AssertIsFrame(await recorder.NextFrameAsync(), sourceId: 3, sequence: 1, 5_000);
        AssertIsFrame(await recorder.NextFrameAsync(), sourceId: 3, sequence: 2, 0);
        AssertIsFrame(await recorder.NextFrameAsync(), sourceId: 3, sequence: 3, 40_000);
    }

    [Fact]
    public async Task Heartbeats_OnIdleLink_GiveRoundTripTimeAboveZero()
    {
        var options = new OverlayLinkOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(50), DeadInterval = TimeSpan.FromSeconds(5) };
        var (accepted, dialled) = await ConnectPairAsync(options);
        var atListener = new Recorder();
        var atDialler = new Recorder();
        _ = accepted.RunAsync(atListener);
        _ = dialled.RunAsync(atDialler);

        var first = await atDialler.RoundTrips.Reader.ReadAsync().AsTask().WaitAsync(Deadline);
        var second = await atDialler.RoundTrips.Reader.ReadAsync().AsTask().WaitAsync(Deadline);
        await atListener.RoundTrips.Reader.ReadAsync().AsTask().WaitAsync(Deadline);

        Assert.True(first > TimeSpan.Zero);
        Assert.True(second > TimeSpan.Zero);
        Assert.True(dialled.SmoothedRoundTripTime > TimeSpan.Zero);
        Assert.True(accepted.SmoothedRoundTripTime > TimeSpan.Zero);
        Assert.True(dialled.LatestRoundTripTime > TimeSpan.Zero);
        Assert.Equal(0, atDialler.Frames.Reader.Count);
    }

    [Fact]
    public async Task Accept_ClientCertificateFromOtherCa_IsRefusedAsUnknownAuthority()
    {
        await using var listener = StartListener(Credentials("gw-a"), new OverlayLinkOptions());
        var stranger = Credentials("gw-x", issuer: _strangerAuthority);
        var connector = new OverlayConnector(stranger);

        var dial = await connector.ConnectAsync(listener.LocalEndPoint, "gw-a").WaitAsync(Deadline);
        if (dial.Link is { } link)
        {
            // TLS 1.3: the client finishes before the server has judged its certificate.
            _cleanup.Add(link);
        }

        var outcome = await listener.AcceptAsync().AsTask().WaitAsync(Deadline);

        Assert.False(outcome.Succeeded);
        Assert.Equal(OverlayHandshakeError.CertificateRejected, outcome.Failure.Error);
        Assert.Equal(PeerCertificateRejection.UnknownAuthority, outcome.Failure.Certificate?.Rejection);
        Assert.Contains("CN=gw-x", outcome.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ServerCertificateFromOtherCa_IsRefusedAsUnknownAuthority()
    {
        await using var listener = StartListener(Credentials("gw-a", issuer: _strangerAuthority), new OverlayLinkOptions());
        var connector = new OverlayConnector(Credentials("gw-b"));

        var dial = await connector.ConnectAsync(listener.LocalEndPoint, "gw-a").WaitAsync(Deadline);

        Assert.False(dial.Succeeded);
        Assert.Equal(OverlayHandshakeError.CertificateRejected, dial.Failure.Error);
        Assert.Equal(PeerCertificateRejection.UnknownAuthority, dial.Failure.Certificate?.Rejection);
    }

    [Fact]
    public async Task Receive_GarbageBytes_ClosesThatLinkWithBadMagicAndListenerKeepsAccepting()
    {
        await using var listener = StartListener(Credentials("gw-a"), new OverlayLinkOptions());
        await using var raw = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var garbled = await AcceptLinkAsync(listener);
        var garbledRun = garbled.RunAsync(new Recorder());

        await raw.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: gw-a\r\n\r\n"));
        var closure = await garbledRun.WaitAsync(Deadline);

        Assert.Equal(OverlayLinkCloseReason.MalformedFrame, closure.Reason);
        Assert.Equal(FrameError.BadMagic, closure.FrameError);
        Assert.Same(closure, await garbled.Completion);

        var dial = await new OverlayConnector(Credentials("gw-c")).ConnectAsync(listener.LocalEndPoint, "gw-a").WaitAsync(Deadline);
        Assert.True(dial.Succeeded, dial.Failure?.ToString());
        _cleanup.Add(dial.Link);
        var good = await AcceptLinkAsync(listener);
        var recorder = new Recorder();
        _ = good.RunAsync(recorder);
        _ = dial.Link.RunAsync(new Recorder());
        Assert.True(await dial.Link.SendAsync(Frame(9, 1, 100)));
        AssertIsFrame(await recorder.NextFrameAsync(), sourceId: 9, sequence: 1, 100);
        Assert.Equal("gw-c", good.PeerName);
    }

    [Fact]
    public async Task Liveness_PeerThatNeverSendsAFrame_IsClosedAsTimedOutAfterDeadInterval()
    {
        var options = new OverlayLinkOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(50), DeadInterval = TimeSpan.FromMilliseconds(300) };
        await using var listener = StartListener(Credentials("gw-a"), options);
        await using var silent = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var link = await AcceptLinkAsync(listener);
        var started = Stopwatch.GetTimestamp();

        var closure = await link.RunAsync(new Recorder()).WaitAsync(Deadline);

        Assert.Equal(OverlayLinkCloseReason.TimedOut, closure.Reason);
        Assert.True(Stopwatch.GetElapsedTime(started) >= options.DeadInterval, $"closed after {Stopwatch.GetElapsedTime(started)}");
    }

    [Fact]
    public async Task Receive_HeaderAnnouncingFrameAboveMaximum_ClosesLinkBeforeTheBody()
    {
        var options = new OverlayLinkOptions { MaxFrameSize = 4096 };
        await using var listener = StartListener(Credentials("gw-a"), options);
        await using var raw = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var link = await AcceptLinkAsync(listener);
        var run = link.RunAsync(new Recorder());
        var header = Frame(4, 1, 10).AsSpan(0, FrameCodec.HeaderSize).ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(36), 1_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(40), 1_000_000);

        // Only the header is sent: the link must decide without waiting for the megabyte.
        await raw.WriteAsync(header);
        var closure = await run.WaitAsync(Deadline);

        Assert.Equal(OverlayLinkCloseReason.MalformedFrame, closure.Reason);
        Assert.Equal(FrameError.FrameTooLarge, closure.FrameError);
    }

    [Fact]
    public async Task Receive_LinkHeartbeatWithWrongPayload_ClosesAsMalformedHeartbeat()
    {
        await using var listener = StartListener(Credentials("gw-a"), new OverlayLinkOptions());
        await using var raw = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var link = await AcceptLinkAsync(listener);
        var run = link.RunAsync(new Recorder());
        var heartbeat = new GridCastFrame { Type = FrameType.Heartbeat, Group = Encoding.UTF8.GetBytes("link"), SourceId = 7, Sequence = 1, Payload = new byte[] { 0x01, 0x02, 0x03 } };
        var bytes = new byte[FrameCodec.GetEncodedSize(heartbeat)];
        FrameCodec.Encode(heartbeat, bytes);

        await raw.WriteAsync(bytes);
        var closure = await run.WaitAsync(Deadline);

        Assert.Equal(OverlayLinkCloseReason.MalformedHeartbeat, closure.Reason);
    }

    [Fact]
    public async Task Receive_HandlerThrows_ClosesAsUnexpectedWithoutThrowing()
    {
        await using var listener = StartListener(Credentials("gw-a"), new OverlayLinkOptions());
        await using var raw = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var link = await AcceptLinkAsync(listener);
        var run = link.RunAsync(new ThrowingHandler());

        await raw.WriteAsync(Frame(8, 1, 10));
        var closure = await run.WaitAsync(Deadline);

        Assert.Equal(OverlayLinkCloseReason.Unexpected, closure.Reason);
        Assert.IsType<InvalidOperationException>(closure.Exception);
    }

    [Fact]
    public async Task Receive_PeerEndsTheStream_ClosesAsPeerClosed()
    {
        await using var listener = StartListener(Credentials("gw-a"), new OverlayLinkOptions { HeartbeatInterval = TimeSpan.FromMinutes(1), DeadInterval = TimeSpan.FromMinutes(2) });
        var raw = await RawPeer.ConnectAsync(listener.LocalEndPoint, Credentials("gw-b"), "gw-a");
        var link = await AcceptLinkAsync(listener);
        var run = link.RunAsync(new Recorder());

        // Read the link's first probe, so closing leaves nothing unread (which would send a reset).
        await raw.ReadAtLeastAsync(FrameCodec.HeaderSize + 4 + 9);
        await raw.WriteAsync(Frame(5, 1, 10));
        await raw.DisposeAsync();
        var closure = await run.WaitAsync(Deadline);

        Assert.Equal(OverlayLinkCloseReason.PeerClosed, closure.Reason);
    }

    [Fact]
    public async Task Send_AfterTheLinkClosed_ReturnsFalse()
    {
        var (accepted, dialled) = await ConnectPairAsync(new OverlayLinkOptions());
        _ = accepted.RunAsync(new Recorder());

        await dialled.DisposeAsync();

        Assert.Equal(OverlayLinkCloseReason.LocalClose, (await dialled.Completion.WaitAsync(Deadline)).Reason);
        Assert.False(await dialled.SendAsync(Frame(6, 1, 10)));
        await Assert.ThrowsAsync<ArgumentException>(() => dialled.SendAsync(new byte[10]).AsTask());
    }

    private static void AssertIsFrame((ulong SourceId, ulong Sequence, byte[] Payload) received, ulong sourceId, ulong sequence, int length)
    {
        Assert.Equal(sourceId, received.SourceId);
        Assert.Equal(sequence, received.Sequence);
        Assert.Equal(Payload(sequence, length), received.Payload);
    }

    // Every tenth frame is tens of kilobytes: many TCP segments and TLS records.
    private static int LengthOf(int i) => i % 10 == 0 ? 20_000 + (i * 97) : i;

    private static byte[] Payload(ulong sequence, int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)((ulong)i * 31 + sequence);
        }

        return payload;
    }

    private static byte[] Frame(ulong sourceId, ulong sequence, int payloadLength)
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.Raw,
            Group = Group,
            SourceId = sourceId,
            Sequence = sequence,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = Payload(sequence, payloadLength),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }

    private static async Task SendManyAsync(OverlayLink link, int count, ulong sourceId)
    {
        for (var i = 1; i <= count; i++)
        {
            Assert.True(await link.SendAsync(Frame(sourceId, (ulong)i, LengthOf(i))), $"frame {i} not sent");
        }
    }

    private OverlayCredentials Credentials(string name, X509Certificate2? issuer = null)
    {
        using var node = TestCertificates.Node(issuer ?? _authority, name, _notBefore, BothUsages);
        var credentials = OverlayCredentials.Create(X509CertificateLoader.LoadPkcs12(node.Export(X509ContentType.Pkcs12), null), _authority);
        _credentials.Add(credentials);
        return credentials;
    }

    private static OverlayListener StartListener(OverlayCredentials credentials, OverlayLinkOptions options)
    {
        var listener = new OverlayListener(credentials, new IPEndPoint(IPAddress.Loopback, 0), options);
        listener.Start();
        return listener;
    }

    private async Task<OverlayLink> AcceptLinkAsync(OverlayListener listener)
    {
        var outcome = await listener.AcceptAsync().AsTask().WaitAsync(Deadline);
        Assert.True(outcome.Succeeded, outcome.Failure?.ToString());
        _cleanup.Add(outcome.Link);
        return outcome.Link;
    }

    private async Task<(OverlayLink Accepted, OverlayLink Dialled)> ConnectPairAsync(OverlayLinkOptions options)
    {
        var listener = StartListener(Credentials("gw-a"), options);
        _cleanup.Add(listener);
        var dial = await new OverlayConnector(Credentials("gw-b"), options).ConnectAsync(listener.LocalEndPoint, "gw-a").WaitAsync(Deadline);
        Assert.True(dial.Succeeded, dial.Failure?.ToString());
        _cleanup.Add(dial.Link);
        return (await AcceptLinkAsync(listener), dial.Link);
    }

    /// <summary>Copies every frame and round-trip sample the link reports.</summary>
    private sealed class Recorder : IOverlayLinkHandler
    {
        public Channel<(ulong SourceId, ulong Sequence, byte[] Payload)> Frames { get; } = Channel.CreateUnbounded<(ulong, ulong, byte[])>();

        public Channel<TimeSpan> RoundTrips { get; } = Channel.CreateUnbounded<TimeSpan>();

        public ValueTask OnFrameAsync(OverlayLink link, GridCastFrame frame, CancellationToken cancellationToken)
        {
            Frames.Writer.TryWrite((frame.SourceId, frame.Sequence, frame.Payload.ToArray()));
            return ValueTask.CompletedTask;
        }

        public void OnRoundTripTime(OverlayLink link, TimeSpan sample, TimeSpan smoothed) => RoundTrips.Writer.TryWrite(smoothed);

        public Task<(ulong SourceId, ulong Sequence, byte[] Payload)> NextFrameAsync() => Frames.Reader.ReadAsync().AsTask().WaitAsync(Deadline);
    }

    /// <summary>A handler with a bug.</summary>
    private sealed class ThrowingHandler : IOverlayLinkHandler
    {
        public ValueTask OnFrameAsync(OverlayLink link, GridCastFrame frame, CancellationToken cancellationToken)
            => throw new InvalidOperationException("a bug in the owner");

        public void OnRoundTripTime(OverlayLink link, TimeSpan sample, TimeSpan smoothed)
        {
        }
    }

    /// <summary>A TLS client with a valid certificate that writes whatever bytes a test chooses.</summary>
    private sealed class RawPeer : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly SslStream _tls;

        private RawPeer(TcpClient tcp, SslStream tls)
        {
            _tcp = tcp;
            _tls = tls;
        }

        public static async Task<RawPeer> ConnectAsync(IPEndPoint endPoint, OverlayCredentials credentials, string serverName)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(endPoint).WaitAsync(Deadline);
            var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(credentials.CreateClientOptions(serverName, TimeProvider.System)).WaitAsync(Deadline);
            return new RawPeer(tcp, tls);
        }

        public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
        {
            await _tls.WriteAsync(bytes).AsTask().WaitAsync(Deadline);
            await _tls.FlushAsync().WaitAsync(Deadline);
        }

        public async Task ReadAtLeastAsync(int count)
        {
            var buffer = new byte[count];
            await _tls.ReadAtLeastAsync(buffer, count).AsTask().WaitAsync(Deadline);
        }

        public async ValueTask DisposeAsync()
        {
            await _tls.DisposeAsync();
            _tcp.Dispose();
        }
    }
}
