using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Presentation;

/// <summary>
/// Encodes and decodes ISO 8823 presentation PPDUs, normal mode, with fully encoded user data
/// holding one PDV-list (what IEC 61850 stacks send). Pure. Which PPDU a user data field holds
/// follows from the session SPDU around it: CP in CN, CPA in AC, CPR in RF, ARU or ARP in AB,
/// user data alone in DT, FN and DN.
/// </summary>
/// <remarks>
/// <code>
/// CP-type  31 SET {
///            a0 mode-selector { 80 mode-value 1 (normal) }
///            a2 normal-mode-parameters SEQUENCE {
///              80 protocol-version       BIT STRING, optional
///              81 calling-presentation-selector OCTET STRING, optional
///              82 called-presentation-selector  OCTET STRING, optional
///              a4 context-definition-list SEQUENCE OF 30 { 02 id, 06 abstract syntax, 30 { 06 transfer syntax ... } }
///              88 presentation-requirements, 89 user-session-requirements, optional
///              61 user-data } }
/// CPA-PPDU 31 SET { a0 mode-selector, a2 SEQUENCE { 80 version, 83 responding-selector,
///              a5 result-list SEQUENCE OF 30 { 80 result, 81 transfer syntax, 82 provider-reason },
///              88, 89, 61 user-data } }
/// CPR-PPDU 30 SEQUENCE { 80 version, 83 responding-selector, a5 result-list, 8a provider-reason, 61 user-data }
/// ARU-PPDU a0 SEQUENCE { a0 context-identifier-list SEQUENCE OF 30 { 02 id, 06 transfer syntax }, 61 user-data }
/// ARP-PPDU 30 SEQUENCE { 80 provider-reason, 81 event-identifier }
/// User-data 61 fully-encoded-data SEQUENCE OF PDV-list
///            30 PDV-list { 06 transfer-syntax-name optional, 02 context id,
///                          a0 single-ASN1-type | 81 octet-aligned }
/// </code>
/// </remarks>
public static class PresentationCodec
{
    private static readonly BerTag FullyEncodedData = BerTag.ApplicationConstructed(1);
    private static readonly BerTag SimplyEncodedData = new(TagClass.Application, false, 0);
    private static readonly BerTag SingleAsn1Type = BerTag.ContextConstructed(0);
    private static readonly BerTag OctetAligned = BerTag.Context(1);

    /// <summary>What kind of PPDU a session user data field holds.</summary>
    public enum Kind
    {
        /// <summary>CP (session CN).</summary>
        Connect,

        /// <summary>CPA (session AC).</summary>
        Accept,

        /// <summary>CPR (session RF).</summary>
        Refuse,

        /// <summary>ARU or ARP (session AB).</summary>
        Abort,

        /// <summary>User data alone (session DT, FN, DN).</summary>
        UserData,
    }

    /// <summary>
    /// Decodes the PPDU of <paramref name="kind"/> in <paramref name="data"/>, which starts at
    /// <paramref name="baseOffset"/> in the TSDU.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, int baseOffset, Kind kind, out Ppdu? ppdu, out DecodeFailure failure)
    {
        ppdu = null;
        failure = default;
        try
        {
            ppdu = Decode(data, baseOffset, kind);
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes <paramref name="ppdu"/> with its user data.</summary>
    public static void Encode(Ppdu ppdu, BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(ppdu);
        ArgumentNullException.ThrowIfNull(writer);
        var userData = ppdu switch
        {
            PresentationConnect cp => cp.UserData,
            PresentationAccept cpa => cpa.UserData,
            PresentationRefuse cpr => cpr.UserData,
            PresentationUserAbort aru => aru.UserData,
            PresentationUserData ud => ud.Value,
            _ => null,
        };
        var open = Begin(ppdu, writer, userData);
        if (userData is not null)
        {
            writer.WriteBytes(userData.Value.Span);
        }

        End(writer, open);
    }

    /// <summary>
    /// Writes <paramref name="ppdu"/> up to the value of its user data (described by
    /// <paramref name="userData"/>, whose <see cref="PresentationDataValue.Value"/> is ignored)
    /// and leaves the elements around it open; the caller writes the value (the ACSE or MMS PDU),
    /// then calls <see cref="End"/> with the returned count. Without user data the PPDU is
    /// written whole and 0 is returned.
    /// </summary>
    public static int Begin(Ppdu ppdu, BerWriter writer, PresentationDataValue? userData)
    {
        ArgumentNullException.ThrowIfNull(ppdu);
        ArgumentNullException.ThrowIfNull(writer);
        int open;
        switch (ppdu)
        {
            case PresentationConnect cp:
                writer.Push(BerTag.Set);
                WriteModeSelector(writer);
                writer.Push(BerTag.ContextConstructed(2));
                WriteOptionalBits(writer, 0, cp.ProtocolVersion);
                WriteOptionalOctets(writer, 1, cp.CallingSelector);
                WriteOptionalOctets(writer, 2, cp.CalledSelector);
                writer.Push(BerTag.ContextConstructed(4));
                foreach (var context in cp.Contexts)
                {
                    writer.Push(BerTag.Sequence);
                    writer.WriteInteger(BerTag.UniversalInteger, context.Id);
                    writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, context.AbstractSyntax);
                    writer.Push(BerTag.Sequence);
                    foreach (var syntax in context.TransferSyntaxes)
                    {
                        writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, syntax);
                    }

                    writer.Pop();
                    writer.Pop();
                }

                writer.Pop();
                WriteOptionalBits(writer, 8, cp.Requirements);
                WriteOptionalBits(writer, 9, cp.UserSessionRequirements);
                open = 2;
                break;
            case PresentationAccept cpa:
                writer.Push(BerTag.Set);
                WriteModeSelector(writer);
                writer.Push(BerTag.ContextConstructed(2));
                WriteOptionalBits(writer, 0, cpa.ProtocolVersion);
                WriteOptionalOctets(writer, 3, cpa.RespondingSelector);
                WriteResults(writer, cpa.Results);
                WriteOptionalBits(writer, 8, cpa.Requirements);
                WriteOptionalBits(writer, 9, cpa.UserSessionRequirements);
                open = 2;
                break;
            case PresentationRefuse cpr:
                writer.Push(BerTag.Sequence);
                WriteOptionalBits(writer, 0, cpr.ProtocolVersion);
                WriteOptionalOctets(writer, 3, cpr.RespondingSelector);
                if (cpr.Results is not null)
                {
                    WriteResults(writer, cpr.Results);
                }

                if (cpr.ProviderReason is { } reason)
                {
                    writer.WriteInteger(BerTag.Context(10), reason);
                }

                open = 1;
                break;
            case PresentationUserAbort aru:
                writer.Push(BerTag.ContextConstructed(0));
                if (aru.ContextIdentifiers is not null)
                {
                    writer.Push(BerTag.ContextConstructed(0));
                    foreach (var (id, syntax) in aru.ContextIdentifiers)
                    {
                        writer.Push(BerTag.Sequence);
                        writer.WriteInteger(BerTag.UniversalInteger, id);
                        writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, syntax);
                        writer.Pop();
                    }

                    writer.Pop();
                }

                open = 1;
                break;
            case PresentationProviderAbort arp:
                writer.Push(BerTag.Sequence);
                if (arp.ProviderReason is { } providerReason)
                {
                    writer.WriteInteger(BerTag.Context(0), providerReason);
                }

                if (arp.EventIdentifier is { } eventId)
                {
                    writer.WriteInteger(BerTag.Context(1), eventId);
                }

                writer.Pop();
                return 0;
            case PresentationUserData:
                open = 0;
                break;
            default:
                throw new ArgumentException($"unknown PPDU {ppdu.GetType().Name}", nameof(ppdu));
        }

        if (userData is null)
        {
            End(writer, open);
            return 0;
        }

        writer.Push(FullyEncodedData);
        writer.Push(BerTag.Sequence);
        if (userData.TransferSyntax is { } transfer)
        {
            writer.WriteObjectIdentifier(BerTag.ObjectIdentifier, transfer);
        }

        writer.WriteInteger(BerTag.UniversalInteger, userData.ContextId);
        writer.Push(SingleAsn1Type);
        return open + 3;
    }

    /// <summary>Closes the <paramref name="open"/> elements <see cref="Begin"/> left open.</summary>
    public static void End(BerWriter writer, int open)
    {
        ArgumentNullException.ThrowIfNull(writer);
        for (var i = 0; i < open; i++)
        {
            writer.Pop();
        }
    }

    private static Ppdu Decode(ReadOnlyMemory<byte> memory, int baseOffset, Kind kind)
    {
        var reader = new BerReader(memory.Span, StackLayer.Presentation, baseOffset);
        Ppdu ppdu;
        switch (kind)
        {
            case Kind.Connect:
                ppdu = DecodeConnect(reader.ReadConstructed(BerTag.Set, "CP-type"), memory, baseOffset);
                break;
            case Kind.Accept:
                ppdu = DecodeAccept(reader.ReadConstructed(BerTag.Set, "CPA-PPDU"), memory, baseOffset);
                break;
            case Kind.Refuse:
                ppdu = DecodeRefuse(reader.ReadConstructed(BerTag.Sequence, "CPR-PPDU"), memory, baseOffset);
                break;
            case Kind.Abort:
                if (reader.IsNext(BerTag.ContextConstructed(0)))
                {
                    ppdu = DecodeUserAbort(reader.ReadConstructed(BerTag.ContextConstructed(0), "ARU-PPDU"), memory, baseOffset);
                }
                else if (reader.IsNext(BerTag.Sequence))
                {
                    var arp = reader.ReadConstructed(BerTag.Sequence, "ARP-PPDU");
                    int? reason = arp.IsNext(BerTag.Context(0)) ? arp.ReadInt32(BerTag.Context(0), "provider-reason") : null;
                    int? eventId = arp.IsNext(BerTag.Context(1)) ? arp.ReadInt32(BerTag.Context(1), "event-identifier") : null;
                    arp.ExpectEnd("ARP-PPDU");
                    ppdu = new PresentationProviderAbort(reason, eventId);
                }
                else
                {
                    throw reader.UnexpectedNext("abort PPDU", "ARU (0xA0, normal mode) or ARP (0x30)");
                }

                break;
            default:
                if (reader.IsNext(SimplyEncodedData))
                {
                    throw reader.Fail(DecodeError.UnsupportedPpdu, reader.Offset, "simply encoded user data: IEC 61850 uses fully encoded data");
                }

                ppdu = new PresentationUserData(ReadUserData(ref reader, memory, baseOffset)
                    ?? throw reader.UnexpectedNext("user data", "fully encoded data (0x61)"));
                break;
        }

        reader.ExpectEnd("PPDU");
        return ppdu;
    }

    private static PresentationConnect DecodeConnect(BerReader set, ReadOnlyMemory<byte> memory, int baseOffset)
    {
        ReadModeSelector(ref set);
        var normal = set.ReadConstructed(BerTag.ContextConstructed(2), "normal-mode-parameters");
        set.ExpectEnd("CP-type");
        var version = ReadOptionalBits(ref normal, 0, "protocol-version");
        var calling = ReadOptionalOctets(ref normal, 1, "calling-presentation-selector");
        var called = ReadOptionalOctets(ref normal, 2, "called-presentation-selector");
        var contexts = new List<PresentationContext>();
        if (normal.IsNext(BerTag.ContextConstructed(4)))
        {
            var list = normal.ReadConstructed(BerTag.ContextConstructed(4), "presentation-context-definition-list");
            while (list.HasData)
            {
                var item = list.ReadConstructed(BerTag.Sequence, "context definition");
                var id = item.ReadInt32(BerTag.UniversalInteger, "presentation-context-identifier", 1, int.MaxValue);
                var abstractSyntax = item.ReadObjectIdentifier(BerTag.ObjectIdentifier, "abstract-syntax-name");
                var syntaxes = item.ReadConstructed(BerTag.Sequence, "transfer-syntax-name-list");
                var transfer = new List<ObjectIdentifier>();
                while (syntaxes.HasData)
                {
                    transfer.Add(syntaxes.ReadObjectIdentifier(BerTag.ObjectIdentifier, "transfer-syntax-name"));
                }

                item.ExpectEnd("context definition");
                contexts.Add(new PresentationContext(id, abstractSyntax, transfer));
            }
        }

        SkipOptional(ref normal, 6, "default-context-name");
        var requirements = ReadOptionalBits(ref normal, 8, "presentation-requirements");
        var sessionRequirements = ReadOptionalBits(ref normal, 9, "user-session-requirements");
        var userData = ReadUserData(ref normal, memory, baseOffset);
        normal.ExpectEnd("normal-mode-parameters");
        return new PresentationConnect(version, calling, called, contexts, requirements, sessionRequirements, userData);
    }

    private static PresentationAccept DecodeAccept(BerReader set, ReadOnlyMemory<byte> memory, int baseOffset)
    {
        ReadModeSelector(ref set);
        var normal = set.ReadConstructed(BerTag.ContextConstructed(2), "normal-mode-parameters");
        set.ExpectEnd("CPA-PPDU");
        var version = ReadOptionalBits(ref normal, 0, "protocol-version");
        var responding = ReadOptionalOctets(ref normal, 3, "responding-presentation-selector");
        var results = ReadResults(ref normal) ?? [];
        var requirements = ReadOptionalBits(ref normal, 8, "presentation-requirements");
        var sessionRequirements = ReadOptionalBits(ref normal, 9, "user-session-requirements");
        var userData = ReadUserData(ref normal, memory, baseOffset);
        normal.ExpectEnd("normal-mode-parameters");
        return new PresentationAccept(version, responding, results, requirements, sessionRequirements, userData);
    }

    private static PresentationRefuse DecodeRefuse(BerReader sequence, ReadOnlyMemory<byte> memory, int baseOffset)
    {
        var version = ReadOptionalBits(ref sequence, 0, "protocol-version");
        var responding = ReadOptionalOctets(ref sequence, 3, "responding-presentation-selector");
        var results = ReadResults(ref sequence);
        SkipOptional(ref sequence, 7, "default-context-result");
        int? reason = sequence.IsNext(BerTag.Context(10)) ? sequence.ReadInt32(BerTag.Context(10), "provider-reason") : null;
        var userData = ReadUserData(ref sequence, memory, baseOffset);
        sequence.ExpectEnd("CPR-PPDU");
        return new PresentationRefuse(version, responding, results, reason, userData);
    }

    private static PresentationUserAbort DecodeUserAbort(BerReader sequence, ReadOnlyMemory<byte> memory, int baseOffset)
    {
        List<(int, ObjectIdentifier)>? contexts = null;
        if (sequence.IsNext(BerTag.ContextConstructed(0)))
        {
            contexts = [];
            var list = sequence.ReadConstructed(BerTag.ContextConstructed(0), "presentation-context-identifier-list");
            while (list.HasData)
            {
                var item = list.ReadConstructed(BerTag.Sequence, "context identifier");
                var id = item.ReadInt32(BerTag.UniversalInteger, "presentation-context-identifier", 1, int.MaxValue);
                var syntax = item.ReadObjectIdentifier(BerTag.ObjectIdentifier, "transfer-syntax-name");
                item.ExpectEnd("context identifier");
                contexts.Add((id, syntax));
            }
        }

        var userData = ReadUserData(ref sequence, memory, baseOffset);
        sequence.ExpectEnd("ARU-PPDU");
        return new PresentationUserAbort(contexts, userData);
    }

    private static PresentationDataValue? ReadUserData(ref BerReader reader, ReadOnlyMemory<byte> memory, int baseOffset)
    {
        if (!reader.IsNext(FullyEncodedData))
        {
            return null;
        }

        var list = reader.ReadConstructed(FullyEncodedData, "fully-encoded-data");
        var pdv = list.ReadConstructed(BerTag.Sequence, "PDV-list");
        if (list.HasData)
        {
            throw list.Fail(DecodeError.UnsupportedPpdu, list.Offset, "more than one PDV-list: IEC 61850 stacks send one");
        }

        ObjectIdentifier? transfer = pdv.IsNext(BerTag.ObjectIdentifier) ? pdv.ReadObjectIdentifier(BerTag.ObjectIdentifier, "transfer-syntax-name") : null;
        var contextId = pdv.ReadInt32(BerTag.UniversalInteger, "presentation-context-identifier", 1, int.MaxValue);
        BerTag tag;
        int valueOffset;
        var start = pdv.Offset;
        var value = pdv.ReadElement(out tag, out valueOffset, "presentation-data-values");
        if (tag != SingleAsn1Type && tag != OctetAligned)
        {
            throw pdv.Fail(DecodeError.UnexpectedTag, start, $"presentation-data-values: expected single-ASN1-type (0xA0) or octet-aligned (0x81), found {tag}");
        }

        pdv.ExpectEnd("PDV-list");
        return new PresentationDataValue(transfer, contextId, memory.Slice(valueOffset - baseOffset, value.Length), valueOffset);
    }

    private static List<PresentationContextResult>? ReadResults(ref BerReader reader)
    {
        if (!reader.IsNext(BerTag.ContextConstructed(5)))
        {
            return null;
        }

        var results = new List<PresentationContextResult>();
        var list = reader.ReadConstructed(BerTag.ContextConstructed(5), "presentation-context-definition-result-list");
        while (list.HasData)
        {
            var item = list.ReadConstructed(BerTag.Sequence, "context result");
            var result = item.ReadInt32(BerTag.Context(0), "result", 0, 2);
            ObjectIdentifier? syntax = item.IsNext(BerTag.Context(1)) ? item.ReadObjectIdentifier(BerTag.Context(1), "transfer-syntax-name") : null;
            int? reason = item.IsNext(BerTag.Context(2)) ? item.ReadInt32(BerTag.Context(2), "provider-reason") : null;
            item.ExpectEnd("context result");
            results.Add(new PresentationContextResult(result, syntax, reason));
        }

        return results;
    }

    private static void ReadModeSelector(ref BerReader set)
    {
        var mode = set.ReadConstructed(BerTag.ContextConstructed(0), "mode-selector");
        var offset = mode.Offset;
        var value = mode.ReadInt32(BerTag.Context(0), "mode-value");
        mode.ExpectEnd("mode-selector");
        if (value != 1)
        {
            throw set.Fail(DecodeError.UnsupportedPpdu, offset, string.Create(CultureInfo.InvariantCulture, $"mode {value}: only normal mode (1) is handled"));
        }
    }

    private static BitString? ReadOptionalBits(ref BerReader reader, int tag, string what)
        => reader.IsNext(BerTag.Context(tag)) ? reader.ReadBitString(BerTag.Context(tag), what) : null;

    private static byte[]? ReadOptionalOctets(ref BerReader reader, int tag, string what)
        => reader.IsNext(BerTag.Context(tag)) ? reader.ReadOctets(BerTag.Context(tag), what, 64) : null;

    private static void SkipOptional(ref BerReader reader, int tag, string what)
    {
        if (reader.HasData && reader.PeekTag().Class == TagClass.Context && reader.PeekTag().Number == tag)
        {
            reader.Skip(what);
        }
    }

    private static void WriteModeSelector(BerWriter writer)
    {
        writer.Push(BerTag.ContextConstructed(0));
        writer.WriteInteger(BerTag.Context(0), 1);
        writer.Pop();
    }

    private static void WriteResults(BerWriter writer, IReadOnlyList<PresentationContextResult> results)
    {
        writer.Push(BerTag.ContextConstructed(5));
        foreach (var result in results)
        {
            writer.Push(BerTag.Sequence);
            writer.WriteInteger(BerTag.Context(0), result.Result);
            if (result.TransferSyntax is { } syntax)
            {
                writer.WriteObjectIdentifier(BerTag.Context(1), syntax);
            }

            if (result.ProviderReason is { } reason)
            {
                writer.WriteInteger(BerTag.Context(2), reason);
            }

            writer.Pop();
        }

        writer.Pop();
    }

    private static void WriteOptionalBits(BerWriter writer, int tag, BitString? bits)
    {
        if (bits is not null)
        {
            writer.WriteBitString(BerTag.Context(tag), bits);
        }
    }

    private static void WriteOptionalOctets(BerWriter writer, int tag, byte[]? octets)
    {
        if (octets is not null)
        {
            writer.WritePrimitive(BerTag.Context(tag), octets);
        }
    }
}
