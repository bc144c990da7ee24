using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// Which frames a gateway has handled lately, by (group, source, sequence number, fragment):
/// the safety net under tree forwarding, which should make duplicates rare, and the guard that
/// keeps a frame a gateway sent into its domain from going out again.
/// </summary>
/// <remarks>
/// Whole frames are remembered in a sliding window per (group, source); fragments, which share
/// their message's number, in a bounded set per (group, source). The number of (group, source)
/// pairs is capped: past the cap the least recently used pair is forgotten, and one idle for
/// <see cref="GatewayOptions.SourceIdleTime"/> is forgotten at the next sweep. A forgotten source
/// starts afresh, so a duplicate that arrives after that is passed once more; the window sizes
/// bound how late that can be.
/// </remarks>
internal sealed class FrameDeduplicator(int windowSize, int maxSources, int maxFragmentsPerSource)
{
    private readonly Dictionary<(string Group, ulong Source), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _byUse = new();

    /// <summary>How many (group, source) pairs are remembered now.</summary>
    public int SourceCount => _entries.Count;

    /// <summary>How many pairs were forgotten for the cap or for idleness.</summary>
    public long Forgotten { get; private set; }

    /// <summary>True when the frame is new, and remembers it; false for a duplicate or one too old to tell.</summary>
    public bool TryAccept(TimeSpan now, string group, in GridCastFrame frame)
    {
        var key = (group, frame.SourceId);
        if (_entries.TryGetValue(key, out var node))
        {
            _byUse.Remove(node);
            _byUse.AddFirst(node);
        }
        else
        {
            if (_entries.Count >= maxSources && _byUse.Last is { } oldest)
            {
                Forget(oldest);
            }

            node = _byUse.AddFirst(new Entry(key));
            _entries.Add(key, node);
        }

        var entry = node.Value;
        entry.LastUse = now;
        return frame.IsFragment ? entry.AcceptFragment(frame.Sequence, frame.FragmentIndex, maxFragmentsPerSource) : entry.AcceptWhole(frame.Sequence, windowSize);
    }

    /// <summary>Forgets the pairs idle since before <paramref name="idleSince"/>.</summary>
    public void Sweep(TimeSpan idleSince)
    {
        while (_byUse.Last is { } oldest && oldest.Value.LastUse < idleSince)
        {
            Forget(oldest);
        }
    }

    private void Forget(LinkedListNode<Entry> node)
    {
        _entries.Remove(node.Value.Key);
        _byUse.Remove(node);
        Forgotten++;
    }

    private sealed class Entry((string Group, ulong Source) key)
    {
        private SequenceWindow? _whole;
        private HashSet<(ulong, ushort)>? _fragments;
        private Queue<(ulong, ushort)>? _fragmentOrder;

        public (string Group, ulong Source) Key { get; } = key;

        public TimeSpan LastUse { get; set; }

        public bool AcceptWhole(ulong sequence, int windowSize)
        {
            if (_whole is null)
            {
                _whole = new SequenceWindow(windowSize, sequence);
                return true;
            }

            if (_whole.Check(sequence) != SequenceVerdict.New)
            {
                return false;
            }

            _whole.Mark(sequence);
            return true;
        }

        public bool AcceptFragment(ulong sequence, ushort index, int max)
        {
            _fragments ??= [];
            _fragmentOrder ??= new Queue<(ulong, ushort)>();
            if (!_fragments.Add((sequence, index)))
            {
                return false;
            }

            _fragmentOrder.Enqueue((sequence, index));
            if (_fragmentOrder.Count > max)
            {
                _fragments.Remove(_fragmentOrder.Dequeue());
            }

            return true;
        }
    }
}
