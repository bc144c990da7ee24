using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Security.ControlPlane;

/// <summary>
/// Tags the control frames a node sends with one shared key ring (a domain's, or the overlay's)
/// and checks those it receives: HMAC-SHA256 truncated to 128 bits, with the key id, in the frame's
/// tag field (docs/wire-format.md §7.4.1), then a timestamp window and a per-sender sequence window
/// so a recorded frame cannot be played again (docs/security.md, "Control plane").
/// </summary>
/// <remarks>
/// <para>
/// The tag is <see cref="TagLength"/> bytes: a suite byte (<see cref="Suite"/>), the key id (32
/// bits, big-endian) and the first 16 bytes of HMAC-SHA256 under that key over the frame as sent
/// up to the tag: the 50-byte header (its tag length field included), the group name and the
/// payload. A receiver recomputes it from the decoded frame, so a frame read from a link stream
/// verifies the same as a datagram.
/// </para>
/// <para>
/// Replays: a sender's frames are numbered (the frame's sequence number) and time-stamped by its
/// wall clock. A frame is accepted once per (source id, frame type, group) and sequence number,
/// within a window of the newest <see cref="ReplayWindow"/> numbers (RFC 4303 §3.4.3), and only
/// while its timestamp is within <see cref="ControlFrameWindow.MaxAge"/> of the receiver's clock.
/// A sender not heard for twice that age is forgotten: any frame of it a replay could bring is
/// stale by then. Only frames whose tag verified reach the windows.
/// </para>
/// <para>
/// The wall clock is injected (<see cref="TimeProvider.GetUtcNow"/>, used only for the timestamps
/// on the wire and their check): the protocol logic that calls this keeps its monotonic time.
/// Not thread-safe; one per state machine, or one per socket for sending only.
/// </para>
/// </remarks>
public sealed class ControlFrameAuthenticator
{
    /// <summary>The tag's first byte: HMAC-SHA256-128 with a control-plane key.</summary>
    public const byte Suite = 0x01;

    /// <summary>Suite, key id and MAC.</summary>
    public const int TagLength = 1 + 4 + MacLength;

    /// <summary>The truncated MAC: 128 bits, as IEC 61850-90-5 allows for HMAC-SHA256.</summary>
    public const int MacLength = 16;

    /// <summary>Sequence numbers remembered behind the newest per sender.</summary>
    public const int ReplayWindow = 64;

    // Control frames can be larger than one datagram on a link (a big link-state advertisement);
    // the decoder that read them has bounded them already.
    private const int NoFrameLimit = int.MaxValue;

    private readonly KeyRing _keys;
    private readonly TimeProvider _wallClock;
    private readonly ControlFrameWindow _window;
    private readonly Dictionary<SenderKey, Sender> _senders = [];

    /// <summary>An authenticator with the keys of <paramref name="keys"/>, which must be HMAC-SHA256-128 keys.</summary>
    /// <exception cref="ArgumentException">The ring holds keys of another algorithm.</exception>
    public ControlFrameAuthenticator(KeyRing keys, TimeProvider wallClock, ControlFrameWindow? window = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(wallClock);
        if (keys.Algorithm != KeyAlgorithm.HmacSha256Tag128)
        {
            throw new ArgumentException(
                $"control frames are tagged with {KeyAlgorithms.Name(KeyAlgorithm.HmacSha256Tag128)} keys; the ring of {keys.Scope} holds {KeyAlgorithms.Name(keys.Algorithm)} keys",
                nameof(keys));
        }

        _window = window ?? new ControlFrameWindow();
        _window.Validate();
        _keys = keys;
        _wallClock = wallClock;
    }

    /// <summary>The ring's scope: which domain, or the overlay.</summary>
    public KeyScope Scope => _keys.Scope;

    /// <summary>What it has done.</summary>
    public ControlPlaneCounters Counters { get; } = new();

    /// <summary>Now by the wall clock, in microseconds since the Unix epoch: the timestamp of a frame sent now.</summary>
    public long NowMicroseconds() => ToMicroseconds(_wallClock.GetUtcNow());

    /// <summary>
    /// Encodes <paramref name="frame"/> (whose tag must be empty) with a tag under the key the ring
    /// sends with now. With no key valid now the frame goes out untagged and
    /// <see cref="ControlPlaneCounters.NoSendingKey"/> counts it: receivers refuse it, which shows.
    /// </summary>
    /// <exception cref="ArgumentException">The frame has a tag already, or no receiver would decode it.</exception>
    public byte[] Seal(in GridCastFrame frame)
    {
        if (!frame.Tag.IsEmpty)
        {
            throw new ArgumentException("the frame is tagged already", nameof(frame));
        }

        var key = _keys.ForSending(_wallClock.GetUtcNow());
        if (key is null)
        {
            Counters.NoSendingKey++;
            return Encode(frame);
        }

        var bytes = Encode(frame with { Tag = new byte[TagLength] });
        var tag = bytes.AsSpan(bytes.Length - TagLength);
        tag[0] = Suite;
        BinaryPrimitives.WriteUInt32BigEndian(tag[1..], key.Id.Value);
        Mac(key, bytes.AsSpan(0, bytes.Length - TagLength), tag[5..]);
        Counters.Sealed++;
        return bytes;
    }

    /// <summary>
    /// Checks a received control frame: its tag, then its timestamp, then its sequence number
    /// against the sender's window, which it advances when all pass. Returns
    /// <see cref="ControlFrameRejection.None"/> or the first check that failed (counted). Never throws.
    /// </summary>
    public ControlFrameRejection Verify(in GridCastFrame frame)
    {
        var reason = Check(frame);
        if (reason == ControlFrameRejection.None)
        {
            Counters.Verified++;
        }
        else
        {
            Counters.CountRejected(reason);
        }

        return reason;
    }

    private static long ToMicroseconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    private static byte[] Encode(in GridCastFrame frame)
    {
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, NoFrameLimit);
        return bytes;
    }

    private static void Mac(SecurityKey key, ReadOnlySpan<byte> covered, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key.Secret.Span, covered, full);
        full[..MacLength].CopyTo(destination);
    }

    private ControlFrameRejection Check(in GridCastFrame frame)
    {
        var tag = frame.Tag.Span;
        if (tag.IsEmpty)
        {
            return ControlFrameRejection.MissingTag;
        }

        if (tag.Length != TagLength || tag[0] != Suite)
        {
            return ControlFrameRejection.MalformedTag;
        }

        var now = _wallClock.GetUtcNow();
        var key = _keys.ForReceiving(new KeyId(BinaryPrimitives.ReadUInt32BigEndian(tag[1..])), now, out var failure);
        if (key is null)
        {
            return failure switch
            {
                KeyLookupFailure.KeyNotYetValid => ControlFrameRejection.KeyNotYetValid,
                KeyLookupFailure.KeyExpired => ControlFrameRejection.KeyExpired,
                _ => ControlFrameRejection.UnknownKey,
            };
        }

        if (!MacMatches(frame, key, tag[5..]))
        {
            return ControlFrameRejection.BadTag;
        }

        var nowMicroseconds = ToMicroseconds(now);
        var maxAge = _window.MaxAge.Ticks / TimeSpan.TicksPerMicrosecond;
        if (Math.Abs(nowMicroseconds - frame.TimestampMicroseconds) > maxAge)
        {
            return ControlFrameRejection.Stale;
        }

        return Admit(frame, nowMicroseconds) ? ControlFrameRejection.None : ControlFrameRejection.Replayed;
    }

    private static bool MacMatches(in GridCastFrame frame, SecurityKey key, ReadOnlySpan<byte> received)
    {
        // The frame's own bytes up to the tag, rebuilt from the decoded fields: the encoding is
        // canonical, so they are the bytes the sender covered, however the frame arrived.
        var size = FrameCodec.GetEncodedSize(frame);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            FrameCodec.Encode(frame, buffer.AsSpan(0, size), NoFrameLimit);
            Span<byte> expected = stackalloc byte[MacLength];
            Mac(key, buffer.AsSpan(0, size - TagLength), expected);
            return CryptographicOperations.FixedTimeEquals(expected, received);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The sender's window takes the sequence number, or has it already (or it is too old).</summary>
    private bool Admit(in GridCastFrame frame, long nowMicroseconds)
    {
        var senderKey = new SenderKey(frame.SourceId, frame.Type, Encoding.UTF8.GetString(frame.Group.Span));
        if (!_senders.TryGetValue(senderKey, out var sender))
        {
            MakeRoom(nowMicroseconds);
            sender = new Sender();
            _senders[senderKey] = sender;
            Counters.Senders = _senders.Count;
        }

        sender.LastHeard = nowMicroseconds;
        return sender.Window.TryAdmit(frame.Sequence);
    }

    /// <summary>Forgets senders idle for twice the allowed age; when still full, the one heard least recently.</summary>
    private void MakeRoom(long nowMicroseconds)
    {
        if (_senders.Count < _window.MaxSenders)
        {
            return;
        }

        var idle = 2 * (_window.MaxAge.Ticks / TimeSpan.TicksPerMicrosecond);
        foreach (var (key, sender) in _senders)
        {
            if (nowMicroseconds - sender.LastHeard > idle)
            {
                _senders.Remove(key);
            }
        }

        if (_senders.Count >= _window.MaxSenders)
        {
            _senders.Remove(_senders.MinBy(static s => s.Value.LastHeard).Key);
        }

        Counters.Senders = _senders.Count;
    }

    private readonly record struct SenderKey(ulong SourceId, FrameType Type, string Group);

    private sealed class Sender
    {
        public ReplayWindow Window { get; } = new();

        public long LastHeard { get; set; }
    }
}

/// <summary>How long a control frame stays acceptable, and how many senders' replay windows are kept.</summary>
public sealed record ControlFrameWindow
{
    /// <summary>
    /// A frame whose timestamp lies further than this from the receiver's clock, either way, is
    /// refused as stale: the bound on how old a replayed frame can be, and on the clock difference
    /// between hosts. 30 s by default.
    /// </summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most (sender, frame type, group) windows kept; past it the least recently heard is forgotten.</summary>
    public int MaxSenders { get; init; } = 65_536;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a setting no receiver can work with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSenders, 1);
    }
}
