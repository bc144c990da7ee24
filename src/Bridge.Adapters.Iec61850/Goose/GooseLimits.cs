namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// Bounds the GOOSE decoder enforces before it trusts a frame. The defaults follow
/// IEC 61850-7-2 Ed.2 (object references and goID are VisString129) and leave room above
/// what a real dataset holds; a tighter limit only narrows what is accepted.
/// </summary>
public sealed record GooseLimits
{
    /// <summary>The defaults.</summary>
    public static readonly GooseLimits Default = new();

    /// <summary>The largest APDU: the 16-bit length fields of both framings allow no more.</summary>
    public int MaxApduLength { get; init; } = ushort.MaxValue;

    /// <summary>The longest gocbRef, datSet and goID (VisString129).</summary>
    public int MaxReferenceLength { get; init; } = 129;

    /// <summary>How deep structures and arrays may nest inside allData (a top-level structure is depth 1).</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>The most data values in allData, counting every nested value, structures and arrays included.</summary>
    public int MaxDataValues { get; init; } = 4096;

    /// <summary>The longest octet-string, visible-string, mMSString or bit-string value, in octets.</summary>
    public int MaxValueLength { get; init; } = 1024;
}
