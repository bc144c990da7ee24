using System.Text;

namespace Bridge.Simulation;

/// <summary>What a <see cref="SimTraceEntry"/> records.</summary>
public enum SimTraceKind
{
    /// <summary>A node handed the simulator a datagram (<see cref="SimTraceEntry.Peer"/> or <see cref="SimTraceEntry.Domain"/> says where to).</summary>
    Transmit,

    /// <summary>A copy of a datagram was scheduled a second time.</summary>
    Duplicate,

    /// <summary>A datagram reached <see cref="SimTraceEntry.Node"/> from <see cref="SimTraceEntry.Peer"/>.</summary>
    Deliver,

    /// <summary>A datagram for <see cref="SimTraceEntry.Node"/> was dropped; <see cref="SimTraceEntry.Reason"/> says why.</summary>
    Drop,

    /// <summary>The node's timer fired.</summary>
    Timeout,

    /// <summary>A scheduled action or a command ran; <see cref="SimTraceEntry.Label"/> names it.</summary>
    Action,
}

/// <summary>Why the simulator dropped a datagram.</summary>
public enum SimDropReason
{
    /// <summary>Not dropped.</summary>
    None,

    /// <summary>The link or domain lost it (<see cref="LinkConditions.LossProbability"/>).</summary>
    Loss,

    /// <summary>Sender and receiver were cut apart, or one of them isolated, when it was sent or when it would have arrived.</summary>
    Partition,

    /// <summary>No link joins sender and receiver, or the sender is not attached to the domain.</summary>
    NoRoute,

    /// <summary>The receiver left the domain while the datagram was on its way.</summary>
    Detached,
}

/// <summary>One thing that happened in a simulation.</summary>
/// <param name="Index">Position in the whole run, from 0.</param>
/// <param name="Time">Virtual time.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Node">The node it happened at: the sender of a transmit, the receiver otherwise.</param>
/// <param name="Peer">The other node: receiver of a transmit to a node, sender of a delivery or drop.</param>
/// <param name="Domain">The domain that carries the datagram, if one does.</param>
/// <param name="Length">Datagram length in bytes.</param>
/// <param name="ContentHash">FNV-1a of the datagram, so that traces compare content as well as sizes.</param>
/// <param name="Reason">Why a datagram was dropped.</param>
/// <param name="Label">The name of an action.</param>
public readonly record struct SimTraceEntry(
    long Index,
    TimeSpan Time,
    SimTraceKind Kind,
    NodeId? Node,
    NodeId? Peer,
    DomainId? Domain,
    int Length,
    uint ContentHash,
    SimDropReason Reason,
    string? Label);

/// <summary>
/// The trace of a run: the last entries, kept in a ring of fixed capacity, and a digest of every
/// entry since the start, so two runs can be compared event for event without keeping them all.
/// </summary>
public sealed class SimTrace
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    private readonly SimTraceEntry[] _ring;
    private readonly Func<NodeId, string> _nodeName;
    private readonly Func<DomainId, string> _domainName;
    private long _count;

    internal SimTrace(int capacity, Func<NodeId, string> nodeName, Func<DomainId, string> domainName)
    {
        _ring = new SimTraceEntry[capacity];
        _nodeName = nodeName;
        _domainName = domainName;
    }

    /// <summary>How many entries the run has produced (more than <see cref="Retained"/> holds once the ring is full).</summary>
    public long Count => _count;

    /// <summary>FNV-1a over every entry since the start; equal for two runs that did the same things.</summary>
    public ulong Digest { get; private set; } = FnvOffset;

    /// <summary>The entries still held, oldest first.</summary>
    public IReadOnlyList<SimTraceEntry> Retained
    {
        get
        {
            var held = (int)Math.Min(_count, _ring.Length);
            var entries = new SimTraceEntry[held];
            for (var i = 0; i < held; i++)
            {
                entries[i] = _ring[(_count - held + i) % _ring.Length];
            }

            return entries;
        }
    }

    /// <summary>One line per entry, for a failure message.</summary>
    public string Format(int last)
    {
        var entries = Retained;
        var builder = new StringBuilder();
        for (var i = Math.Max(0, entries.Count - last); i < entries.Count; i++)
        {
            builder.Append("  ").AppendLine(Format(entries[i]));
        }

        return builder.ToString();
    }

    /// <summary>One entry, with node and domain names.</summary>
    public string Format(SimTraceEntry entry)
    {
        var at = $"#{entry.Index} {Simulator.FormatTime(entry.Time)}";
        var node = entry.Node is { } n ? _nodeName(n) : "-";
        var peer = entry.Peer is { } p ? _nodeName(p) : "-";
        var via = entry.Domain is { } d ? $" via {_domainName(d)}" : string.Empty;
        var size = $"{entry.Length}B {entry.ContentHash:x8}";
        return entry.Kind switch
        {
            SimTraceKind.Transmit when entry.Peer is null => $"{at} transmit {node} -> {_domainName(entry.Domain!.Value)} {size}",
            SimTraceKind.Transmit => $"{at} transmit {node} -> {peer} {size}",
            SimTraceKind.Duplicate => $"{at} duplicate {peer} -> {node}{via} {size}",
            SimTraceKind.Deliver => $"{at} deliver {peer} -> {node}{via} {size}",
            SimTraceKind.Drop => $"{at} drop ({entry.Reason}) {peer} -> {node}{via} {size}",
            SimTraceKind.Timeout => $"{at} timeout {node}",
            _ => $"{at} action '{entry.Label}'{(entry.Node is null ? string.Empty : " at " + node)}",
        };
    }

    internal void Add(
        TimeSpan time,
        SimTraceKind kind,
        NodeId? node,
        NodeId? peer = null,
        DomainId? domain = null,
        int length = 0,
        uint contentHash = 0,
        SimDropReason reason = SimDropReason.None,
        string? label = null)
    {
        var entry = new SimTraceEntry(_count, time, kind, node, peer, domain, length, contentHash, reason, label);
        _ring[_count % _ring.Length] = entry;
        _count++;

        var digest = Digest;
        digest = Mix(digest, (ulong)time.Ticks);
        digest = Mix(digest, (ulong)kind);
        digest = Mix(digest, node is { } n ? (ulong)n.Value + 1 : 0);
        digest = Mix(digest, peer is { } p ? (ulong)p.Value + 1 : 0);
        digest = Mix(digest, domain is { } d ? (ulong)d.Value + 1 : 0);
        digest = Mix(digest, (ulong)length);
        digest = Mix(digest, contentHash);
        digest = Mix(digest, (ulong)reason);
        foreach (var c in label ?? string.Empty)
        {
            digest = Mix(digest, c);
        }

        Digest = digest;
    }

    /// <summary>FNV-1a 32 of a datagram (string.GetHashCode and HashCode are seeded per process, so not these).</summary>
    internal static uint HashContent(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private static ulong Mix(ulong digest, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            digest = (digest ^ (byte)(value >> (8 * i))) * FnvPrime;
        }

        return digest;
    }
}
