namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// A GOOSE APDU (IEC 61850-8-1 IECGoosePdu) with every field decoded: references as strings,
/// the dataset as <see cref="GooseData"/> values. For the per-frame path that needs no values,
/// <see cref="GooseApduView"/> decodes the same bytes without allocating.
/// </summary>
/// <remarks>
/// numDatSetEntries is not a property: it is always <see cref="AllData"/>'s count, which the
/// encoder writes and the decoder checks. simulation and ndsCom are always written, as
/// libiec61850 and the IEDs we know do, although IECGoosePdu lets them default to FALSE.
/// </remarks>
public sealed record GooseApdu
{
    /// <summary>The GOOSE control block reference, e.g. <c>IED1LD0/LLN0$GO$gcb1</c>.</summary>
    public required string GocbRef { get; init; }

    /// <summary>How long a subscriber may wait for the next message before it declares the stream lost, in milliseconds.</summary>
    public uint TimeAllowedToLive { get; init; }

    /// <summary>The dataset reference.</summary>
    public required string DatSet { get; init; }

    /// <summary>The goID, or null when the optional field is absent.</summary>
    public string? GoId { get; init; }

    /// <summary>When stNum last changed.</summary>
    public UtcTime T { get; init; }

    /// <summary>The state number: incremented on every change of the dataset's values.</summary>
    public uint StNum { get; init; }

    /// <summary>The sequence number: 0 on a state change, incremented on every retransmission.</summary>
    public uint SqNum { get; init; }

    /// <summary>The simulation field (test in Edition 1).</summary>
    public bool Simulation { get; init; }

    /// <summary>The configuration revision of the dataset.</summary>
    public uint ConfRev { get; init; }

    /// <summary>Needs commissioning.</summary>
    public bool NdsCom { get; init; }

    /// <summary>The dataset's values, in dataset order.</summary>
    public IReadOnlyList<GooseData> AllData { get; init; } = [];

    /// <summary>The content of the optional security field ([12], reserved for a signature), or null when absent.</summary>
    public ReadOnlyMemory<byte>? Security { get; init; }

    /// <inheritdoc/>
    public bool Equals(GooseApdu? other)
        => other is not null
            && GocbRef == other.GocbRef
            && TimeAllowedToLive == other.TimeAllowedToLive
            && DatSet == other.DatSet
            && GoId == other.GoId
            && T == other.T
            && StNum == other.StNum
            && SqNum == other.SqNum
            && Simulation == other.Simulation
            && ConfRev == other.ConfRev
            && NdsCom == other.NdsCom
            && AllData.SequenceEqual(other.AllData)
            && Security.HasValue == other.Security.HasValue
            && (!Security.HasValue || Security.Value.Span.SequenceEqual(other.Security!.Value.Span));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(GocbRef, StNum, SqNum, AllData.Count);
}
