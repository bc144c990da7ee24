using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bridge.Adapters.Mqtt.Client;

/// <summary>
/// Recognises the copies an MQTT 3.1.1 broker sends a client of the messages that client published
/// itself (3.1.1 has no No Local, MQTT 5 §3.8.3.1), so that a message from a group is not routed
/// back into it. Remembers each publication as (topic, SHA-256 of the payload) for a window, at
/// most a bounded number at once, and takes one remembered publication per matching message.
/// </summary>
/// <remarks>
/// Limitation: the broker's copy carries nothing that tells it from a message another client
/// published on the same topic with the same payload. If a head-end publishes exactly what the
/// bridge published on the same topic within the window, one of the two is dropped: the group
/// gets that value once, not twice. A remembered publication the broker never echoes (QoS 0 lost,
/// no matching subscription) only expires. Use MQTT 5 where the broker supports it.
/// <para>
/// Call order: <see cref="Published"/> before the publication goes to the broker (its echo may
/// arrive before the publish completes); <see cref="TryTakeEcho"/> for each message received.
/// Times are the caller's monotonic clock; the class reads no clock itself. Thread-safe.
/// </para>
/// </remarks>
internal sealed class EchoSuppression
{
    private readonly TimeSpan _window;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Queue<Entry> _byAge = new();
    private readonly Dictionary<(string Topic, UInt128 Hash), Queue<Entry>> _byKey = [];
    private int _live;

    /// <summary>Creates an empty memory for <paramref name="window"/>, holding at most <paramref name="capacity"/>.</summary>
    public EchoSuppression(TimeSpan window, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _window = window;
        _capacity = capacity;
    }

    /// <summary>Publications remembered now and not yet taken.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    /// <summary>Remembers that the client publishes <paramref name="payload"/> on <paramref name="topic"/> at <paramref name="now"/>.</summary>
    public void Published(string topic, ReadOnlySpan<byte> payload, TimeSpan now)
    {
        var entry = new Entry((topic, Hash(payload)), now);
        lock (_gate)
        {
            Expire(now);
            if (_live == _capacity)
            {
                ForgetOldest();
            }

            _byAge.Enqueue(entry);
            if (!_byKey.TryGetValue(entry.Key, out var same))
            {
                same = new Queue<Entry>();
                _byKey.Add(entry.Key, same);
            }

            same.Enqueue(entry);
            _live++;
        }
    }

    /// <summary>
    /// Whether a message received at <paramref name="now"/> is the echo of a remembered
    /// publication; if so, that publication is forgotten, so a second copy is not taken for it.
    /// </summary>
    public bool TryTakeEcho(string topic, ReadOnlySpan<byte> payload, TimeSpan now)
    {
        var key = (topic, Hash(payload));
        lock (_gate)
        {
            Expire(now);
            if (!_byKey.TryGetValue(key, out var same))
            {
                return false;
            }

            same.Dequeue().Taken = true;
            if (same.Count == 0)
            {
                _byKey.Remove(key);
            }

            _live--;
            return true;
        }
    }

    private static UInt128 Hash(ReadOnlySpan<byte> payload)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(payload, digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    private void Expire(TimeSpan now)
    {
        while (_byAge.TryPeek(out var oldest) && (oldest.Taken || now - oldest.At >= _window))
        {
            if (oldest.Taken)
            {
                _byAge.Dequeue();
            }
            else
            {
                ForgetOldest();
            }
        }
    }

    /// <summary>Forgets the oldest live publication; taken ones ahead of it are dropped on the way.</summary>
    private void ForgetOldest()
    {
        while (_byAge.TryDequeue(out var oldest))
        {
            if (oldest.Taken)
            {
                continue;
            }

            // Per key the order is the global order, so the oldest live entry heads its key's queue.
            var same = _byKey[oldest.Key];
            same.Dequeue();
            if (same.Count == 0)
            {
                _byKey.Remove(oldest.Key);
            }

            _live--;
            return;
        }
    }

    private sealed class Entry((string Topic, UInt128 Hash) key, TimeSpan at)
    {
        public (string Topic, UInt128 Hash) Key { get; } = key;

        public TimeSpan At { get; } = at;

        public bool Taken { get; set; }
    }
}
