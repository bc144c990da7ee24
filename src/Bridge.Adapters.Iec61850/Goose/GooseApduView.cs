using System.Text;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// A GOOSE APDU decoded without allocating: numbers and flags as values, references and the
/// dataset as slices of the received bytes. allData has been validated (tags, lengths, nesting,
/// count against numDatSetEntries) but not turned into objects; <see cref="GooseCodec.ToApdu"/>
/// does that when the values are wanted.
/// </summary>
/// <remarks>
/// A view can also be built (with <c>with</c>) and encoded by
/// <see cref="GooseCodec.Encode(in GooseApduView, System.Buffers.IBufferWriter{byte}, GooseLimits)"/>: a
/// retransmission of a received APDU with another sqNum is one <c>with</c> and one encode.
/// The slices stay valid as long as the memory they came from.
/// </remarks>
public readonly record struct GooseApduView
{
    /// <summary>gocbRef, ASCII.</summary>
    public ReadOnlyMemory<byte> GocbRef { get; init; }

    /// <summary>timeAllowedtoLive in milliseconds.</summary>
    public uint TimeAllowedToLive { get; init; }

    /// <summary>datSet, ASCII.</summary>
    public ReadOnlyMemory<byte> DatSet { get; init; }

    /// <summary>True when the optional goID is present.</summary>
    public bool HasGoId { get; init; }

    /// <summary>goID, ASCII (empty when absent).</summary>
    public ReadOnlyMemory<byte> GoId { get; init; }

    /// <summary>t.</summary>
    public UtcTime T { get; init; }

    /// <summary>stNum.</summary>
    public uint StNum { get; init; }

    /// <summary>sqNum.</summary>
    public uint SqNum { get; init; }

    /// <summary>simulation.</summary>
    public bool Simulation { get; init; }

    /// <summary>confRev.</summary>
    public uint ConfRev { get; init; }

    /// <summary>ndsCom.</summary>
    public bool NdsCom { get; init; }

    /// <summary>numDatSetEntries: the number of top-level elements in <see cref="AllData"/>.</summary>
    public uint NumDatSetEntries { get; init; }

    /// <summary>The content of the allData element: the Data elements one after another.</summary>
    public ReadOnlyMemory<byte> AllData { get; init; }

    /// <summary>True when the optional security field is present.</summary>
    public bool HasSecurity { get; init; }

    /// <summary>The security field's content.</summary>
    public ReadOnlyMemory<byte> Security { get; init; }

    /// <summary>gocbRef as a string.</summary>
    public string GetGocbRef() => Encoding.ASCII.GetString(GocbRef.Span);

    /// <summary>datSet as a string.</summary>
    public string GetDatSet() => Encoding.ASCII.GetString(DatSet.Span);

    /// <summary>goID as a string, or null when absent.</summary>
    public string? GetGoId() => HasGoId ? Encoding.ASCII.GetString(GoId.Span) : null;

    /// <summary>True when gocbRef is <paramref name="reference"/> (ASCII bytes), without allocating.</summary>
    public bool GocbRefEquals(ReadOnlySpan<byte> reference) => GocbRef.Span.SequenceEqual(reference);
}
