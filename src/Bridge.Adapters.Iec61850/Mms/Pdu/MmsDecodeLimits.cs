namespace Bridge.Adapters.Iec61850.Mms.Pdu;

/// <summary>Bounds the MMS decoder enforces on what a peer sends, beyond the size of the PDU itself.</summary>
/// <param name="MaxDataDepth">How deep Data and TypeSpecification values may nest (structures in structures). IEC 61850 models need about 6; initiate negotiates a nesting level of 10 or so.</param>
/// <param name="MaxBerDepth">How deep BER elements may nest in all (the PDU's own envelope adds about 8 to the data's nesting).</param>
/// <param name="MaxIdentifierLength">The longest MMS identifier (domain or item name). ISO 9506 says 32; IEC 61850-8-1 names run longer (up to 64 for a domain, 129 for a whole reference), so 255 by default.</param>
/// <param name="MaxListElements">The most elements in one list (names, results, values, components).</param>
public sealed record MmsDecodeLimits(int MaxDataDepth = 32, int MaxBerDepth = 64, int MaxIdentifierLength = 255, int MaxListElements = 100_000)
{
    /// <summary>The default limits.</summary>
    public static MmsDecodeLimits Default { get; } = new();
}
