namespace Bridge.Multicast.Wire;

/// <summary>
/// The 32-bit FNV-1a hash of a group's canonical name in UTF-8. It is a cheap first filter for
/// receivers and a check that the name arrived intact; the full name always decides.
/// </summary>
public static class GroupHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>Hashes UTF-8 bytes with FNV-1a (32 bit).</summary>
    public static uint Compute(ReadOnlySpan<byte> utf8Name)
    {
        var hash = OffsetBasis;
        foreach (var b in utf8Name)
        {
            hash = unchecked((hash ^ b) * Prime);
        }

        return hash;
    }
}
