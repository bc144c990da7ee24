using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Election;

/// <summary>A gateway competing for a group: its id and its priority.</summary>
/// <param name="Id">The gateway.</param>
/// <param name="Priority">Higher wins outright.</param>
public readonly record struct DesignationCandidate(GatewayId Id, byte Priority);

/// <summary>
/// The rule every gateway of a domain applies to pick the designated gateway of a group from the
/// same set of candidates, so that all of them pick the same one without talking about it.
/// </summary>
/// <remarks>
/// <para>For group <c>g</c> and candidates (live, ready gateways that serve <c>g</c>), the designated gateway is:</para>
/// <list type="number">
/// <item><description>the one with the highest priority; among those,</description></item>
/// <item><description>
/// the one with the highest weight <c>w(g, id) = fmix64(FNV-1a-64(UTF8(g.WireName) || 0xFF || UTF8(id)))</c>
/// (highest random weight, or rendezvous hashing; 0xFF never occurs in UTF-8, so the two parts
/// cannot run into each other; fmix64 is MurmurHash3's 64-bit finaliser); among those,
/// </description></item>
/// <item><description>the one whose id is greatest in ordinal order (a 64-bit weight tie, for completeness).</description></item>
/// </list>
/// <para>
/// No clock, no randomness and no process-dependent hash enter it, so it is the same on every
/// gateway and every version that keeps this text. Among equal priorities, groups spread evenly
/// over the candidates, and when a gateway leaves only the groups it had move, each to the
/// candidate that was second for it; when one arrives, it takes only the groups it now wins.
/// Priority is a tier: a gateway of lower priority forwards a group only when no
/// higher-priority candidate serves it.
/// </para>
/// </remarks>
public static class DesignationRule
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;
    private const byte Separator = 0xFF;

    /// <summary>The FNV-1a state after the group's wire name and the separator: the shared prefix of its weights.</summary>
    public static ulong GroupSeed(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var hash = Fnv(FnvOffset, Encoding.UTF8.GetBytes(group.WireName));
        return unchecked((hash ^ Separator) * FnvPrime);
    }

    /// <summary>The weight of gateway <paramref name="id"/> for <paramref name="group"/>.</summary>
    public static ulong Weight(GroupName group, GatewayId id) => Weight(GroupSeed(group), id);

    /// <summary>The weight of gateway <paramref name="id"/> for the group whose <see cref="GroupSeed"/> is <paramref name="groupSeed"/>.</summary>
    public static ulong Weight(ulong groupSeed, GatewayId id)
    {
        Span<byte> buffer = stackalloc byte[GatewayHelloCodec.MaxGatewayIdLength * 3];
        var bytes = Encoding.UTF8.GetByteCount(id.Value) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(id.Value, buffer)]
            : Encoding.UTF8.GetBytes(id.Value);
        return Mix(Fnv(groupSeed, bytes));
    }

    /// <summary>Whether <paramref name="a"/> beats <paramref name="b"/> for the group whose seed is <paramref name="groupSeed"/>.</summary>
    public static bool Beats(ulong groupSeed, DesignationCandidate a, DesignationCandidate b)
    {
        if (a.Priority != b.Priority)
        {
            return a.Priority > b.Priority;
        }

        var wa = Weight(groupSeed, a.Id);
        var wb = Weight(groupSeed, b.Id);
        return wa != wb ? wa > wb : a.Id > b.Id;
    }

    /// <summary>The designated gateway of <paramref name="group"/> among <paramref name="candidates"/>, or null when there is none.</summary>
    public static GatewayId? Choose(GroupName group, IEnumerable<DesignationCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var seed = GroupSeed(group);
        DesignationCandidate? best = null;
        foreach (var candidate in candidates)
        {
            if (best is not { } b || Beats(seed, candidate, b))
            {
                best = candidate;
            }
        }

        return best?.Id;
    }

    private static ulong Fnv(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * FnvPrime);
        }

        return hash;
    }

    /// <summary>MurmurHash3's fmix64: FNV's low bits mix poorly, and HRW compares whole weights.</summary>
    private static ulong Mix(ulong k)
    {
        unchecked
        {
            k ^= k >> 33;
            k *= 0xff51afd7ed558ccd;
            k ^= k >> 33;
            k *= 0xc4ceb9fe1a85ec53;
            k ^= k >> 33;
            return k;
        }
    }
}
