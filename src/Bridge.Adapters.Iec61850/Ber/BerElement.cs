namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>
/// One tag-length-value element as <see cref="BerReader"/> found it: its tag and where its
/// identifier and content lie, as offsets into the buffer the reader reads.
/// </summary>
/// <param name="Tag">The identifier.</param>
/// <param name="Offset">Where the identifier starts.</param>
/// <param name="HeaderLength">Identifier and length octets together.</param>
/// <param name="ContentLength">The content octets.</param>
public readonly record struct BerElement(BerTag Tag, int Offset, int HeaderLength, int ContentLength)
{
    /// <summary>Where the content starts.</summary>
    public int ContentOffset => Offset + HeaderLength;

    /// <summary>The offset just past the element.</summary>
    public int End => ContentOffset + ContentLength;

    /// <summary>Identifier, length and content octets.</summary>
    public int TotalLength => HeaderLength + ContentLength;

    /// <summary>The octets an element with this tag and content length takes in the shortest form.</summary>
    public static int GetEncodedSize(BerTag tag, int contentLength) => tag.EncodedSize + BerLength.GetEncodedSize(contentLength) + contentLength;
}
