using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Bridge.Adapters.Iec61850.Ber;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// Encodes and decodes the GOOSE APDU of IEC 61850-8-1 (Annex A, IECGoosePdu) in BER. Pure: no
/// I/O, no clock. <see cref="TryDecodeView"/> allocates nothing; <see cref="TryDecode"/> also
/// builds the dataset's values.
/// </summary>
/// <remarks>
/// The encoder refuses (with <see cref="ArgumentException"/>) what the decoder would reject, so
/// an APDU that leaves this process is one every reader with the same limits accepts. Encoding a
/// decoded APDU gives the bytes it came from when they used the shortest lengths and integers
/// and wrote BOOLEAN TRUE as 0x01 (libiec61850 does all three); otherwise the values are the same
/// and only those octets differ. A relay that must not alter a frame forwards the bytes it
/// received, not a re-encoding.
/// </remarks>
public static class GooseCodec
{
    /// <summary>The goosePdu's identifier: [APPLICATION 1] constructed.</summary>
    public const byte GoosePduIdentifier = 0x61;

    private static readonly BerTag GoosePduTag = BerTag.Application(1, constructed: true);

    // Sizes are computed whatever the limits; encoding checks them.
    private static readonly GooseLimits AnyLength = new() { MaxReferenceLength = int.MaxValue };
    private static readonly BerTag GocbRefTag = BerTag.Context(0);
    private static readonly BerTag TimeAllowedToLiveTag = BerTag.Context(1);
    private static readonly BerTag DatSetTag = BerTag.Context(2);
    private static readonly BerTag GoIdTag = BerTag.Context(3);
    private static readonly BerTag TTag = BerTag.Context(4);
    private static readonly BerTag StNumTag = BerTag.Context(5);
    private static readonly BerTag SqNumTag = BerTag.Context(6);
    private static readonly BerTag SimulationTag = BerTag.Context(7);
    private static readonly BerTag ConfRevTag = BerTag.Context(8);
    private static readonly BerTag NdsComTag = BerTag.Context(9);
    private static readonly BerTag NumDatSetEntriesTag = BerTag.Context(10);
    private static readonly BerTag AllDataTag = BerTag.Context(11, constructed: true);
    private static readonly BerTag SecurityTag = BerTag.Context(12, constructed: true);

    // The goosePdu, IEC 61850-8-1 Annex A; implicit context tags, definite lengths (L: one
    // octet below 128, else 81 xx / 82 xx xx / 83 ... / 84 ...):
    //
    //   61 L  goosePdu                      [APPLICATION 1] SEQUENCE
    //     80 L  gocbRef                     VisibleString (<= 129)
    //     81 L  timeAllowedtoLive           INTEGER, ms (INT32U)
    //     82 L  datSet                      VisibleString (<= 129)
    //    [83 L  goID]                       VisibleString (<= 129), OPTIONAL
    //     84 08 t                           UtcTime: seconds (4) | fraction (3) | quality (1)
    //     85 L  stNum                       INTEGER (INT32U)
    //     86 L  sqNum                       INTEGER (INT32U)
    //    [87 01 simulation]                 BOOLEAN, DEFAULT FALSE ("test" in Edition 1)
    //     88 L  confRev                     INTEGER (INT32U)
    //    [89 01 ndsCom]                     BOOLEAN, DEFAULT FALSE
    //     8A L  numDatSetEntries            INTEGER (INT32U), = the count of allData's elements
    //     AB L  allData                     SEQUENCE OF Data (GooseDataCodec)
    //    [AC L  security]                   ANY, OPTIONAL: reserved for a signature
    //
    // Every element is bounds-checked by BerReader before its content is touched: its length
    // must fit inside the element that holds it, and the whole APDU inside MaxApduLength.

    /// <summary>
    /// Decodes the APDU in <paramref name="apdu"/> (the goosePdu element, nothing after it)
    /// without allocating. Returns false with the reason when it is not a valid APDU.
    /// </summary>
    public static bool TryDecodeView(ReadOnlyMemory<byte> apdu, out GooseApduView view, out GooseRejection rejection, GooseLimits? limits = null)
    {
        rejection = Read(apdu, limits ?? GooseLimits.Default, out view);
        return rejection == GooseRejection.None;
    }

    /// <summary>Decodes the APDU in <paramref name="apdu"/> with the dataset's values.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> apdu, [NotNullWhen(true)] out GooseApdu? decoded, out GooseRejection rejection, GooseLimits? limits = null)
    {
        decoded = null;
        limits ??= GooseLimits.Default;
        rejection = Read(apdu, limits, out var view);
        if (rejection != GooseRejection.None)
        {
            return false;
        }

        decoded = ToApdu(view, limits);
        return true;
    }

    /// <summary>The values of a view (decoded by <see cref="TryDecodeView"/>, so valid).</summary>
    public static GooseApdu ToApdu(in GooseApduView view, GooseLimits? limits = null)
    {
        if (!GooseDataCodec.TryDecode(view.AllData.Span, out var values, out var rejection, limits))
        {
            throw new ArgumentException($"the view's allData is not valid: {rejection}", nameof(view));
        }

        return new GooseApdu
        {
            GocbRef = view.GetGocbRef(),
            TimeAllowedToLive = view.TimeAllowedToLive,
            DatSet = view.GetDatSet(),
            GoId = view.GetGoId(),
            T = view.T,
            StNum = view.StNum,
            SqNum = view.SqNum,
            Simulation = view.Simulation,
            ConfRev = view.ConfRev,
            NdsCom = view.NdsCom,
            AllData = values,
            Security = view.HasSecurity ? new ReadOnlyMemory<byte>(view.Security.ToArray()) : (ReadOnlyMemory<byte>?)null,
        };
    }

    /// <summary>The encoded size of <paramref name="apdu"/>.</summary>
    public static int GetEncodedSize(GooseApdu apdu)
    {
        ArgumentNullException.ThrowIfNull(apdu);
        return BerElement.GetEncodedSize(GoosePduTag, FieldsSize(Fields.Of(apdu, AnyLength, out _)));
    }

    /// <summary>The encoded size of <paramref name="view"/>.</summary>
    public static int GetEncodedSize(in GooseApduView view) => BerElement.GetEncodedSize(GoosePduTag, FieldsSize(Fields.Of(view, AnyLength)));

    /// <summary>Writes <paramref name="apdu"/> to <paramref name="writer"/>; returns the octets written.</summary>
    /// <exception cref="ArgumentException">The APDU is one the decoder would reject; nothing is written then.</exception>
    public static int Encode(GooseApdu apdu, IBufferWriter<byte> writer, GooseLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(apdu);
        ArgumentNullException.ThrowIfNull(writer);
        limits ??= GooseLimits.Default;
        var fields = Fields.Of(apdu, limits, out var values);
        var size = BerElement.GetEncodedSize(GoosePduTag, FieldsSize(fields));
        Write(fields, values, writer.GetSpan(size)[..size], limits);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="apdu"/> to the start of <paramref name="destination"/>; returns the octets written.</summary>
    /// <exception cref="ArgumentException">The APDU is one the decoder would reject, or the destination is too short.</exception>
    public static int Encode(GooseApdu apdu, Span<byte> destination, GooseLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(apdu);
        limits ??= GooseLimits.Default;
        var fields = Fields.Of(apdu, limits, out var values);
        var size = BerElement.GetEncodedSize(GoosePduTag, FieldsSize(fields));
        EnsureRoom(destination, size);
        Write(fields, values, destination[..size], limits);
        return size;
    }

    /// <summary>Writes <paramref name="view"/> (its allData as it is) to <paramref name="writer"/>; returns the octets written.</summary>
    /// <exception cref="ArgumentException">The APDU is one the decoder would reject; nothing is written then.</exception>
    public static int Encode(in GooseApduView view, IBufferWriter<byte> writer, GooseLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        limits ??= GooseLimits.Default;
        var fields = Fields.Of(view, limits);
        var size = BerElement.GetEncodedSize(GoosePduTag, FieldsSize(fields));
        Write(fields, null, writer.GetSpan(size)[..size], limits);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="view"/> to the start of <paramref name="destination"/>; returns the octets written.</summary>
    /// <exception cref="ArgumentException">The APDU is one the decoder would reject, or the destination is too short.</exception>
    public static int Encode(in GooseApduView view, Span<byte> destination, GooseLimits? limits = null)
    {
        limits ??= GooseLimits.Default;
        var fields = Fields.Of(view, limits);
        var size = BerElement.GetEncodedSize(GoosePduTag, FieldsSize(fields));
        EnsureRoom(destination, size);
        Write(fields, null, destination[..size], limits);
        return size;
    }

    private static void EnsureRoom(Span<byte> destination, int size)
    {
        if (destination.Length < size)
        {
            throw new ArgumentException($"the APDU needs {size} bytes, the destination has {destination.Length}", nameof(destination));
        }
    }

    private static GooseRejection Read(ReadOnlyMemory<byte> apdu, GooseLimits limits, out GooseApduView view)
    {
        view = default;
        var span = apdu.Span;
        if (span.Length > limits.MaxApduLength)
        {
            return GooseRejection.ApduTooLarge;
        }

        var outer = new BerReader(span);
        var error = outer.TryRead(out var pdu);
        if (error != BerError.None)
        {
            return GooseRejections.From(error);
        }

        if (pdu.Tag != GoosePduTag)
        {
            return GooseRejection.NotGoosePdu;
        }

        if (outer.HasMore)
        {
            return GooseRejection.TrailingBytes;
        }

        var fields = outer.Enter(pdu);
        GooseRejection rejection;
        if ((rejection = Next(ref fields, GocbRefTag, out var gocbRef)) != GooseRejection.None
            || (rejection = CheckReference(fields.Content(gocbRef), limits)) != GooseRejection.None
            || (rejection = NextUInt32(ref fields, TimeAllowedToLiveTag, out var timeAllowedToLive)) != GooseRejection.None
            || (rejection = Next(ref fields, DatSetTag, out var datSet)) != GooseRejection.None
            || (rejection = CheckReference(fields.Content(datSet), limits)) != GooseRejection.None)
        {
            return rejection;
        }

        var hasGoId = IsNext(fields, GoIdTag);
        BerElement goId = default;
        if (hasGoId
            && ((rejection = Next(ref fields, GoIdTag, out goId)) != GooseRejection.None
                || (rejection = CheckReference(fields.Content(goId), limits)) != GooseRejection.None))
        {
            return rejection;
        }

        if ((rejection = Next(ref fields, TTag, out var t)) != GooseRejection.None)
        {
            return rejection;
        }

        if (t.ContentLength != UtcTime.Size)
        {
            return GooseRejection.BadUtcTime;
        }

        if ((rejection = NextUInt32(ref fields, StNumTag, out var stNum)) != GooseRejection.None
            || (rejection = NextUInt32(ref fields, SqNumTag, out var sqNum)) != GooseRejection.None
            || (rejection = OptionalBoolean(ref fields, SimulationTag, out var simulation)) != GooseRejection.None
            || (rejection = NextUInt32(ref fields, ConfRevTag, out var confRev)) != GooseRejection.None
            || (rejection = OptionalBoolean(ref fields, NdsComTag, out var ndsCom)) != GooseRejection.None
            || (rejection = NextUInt32(ref fields, NumDatSetEntriesTag, out var numDatSetEntries)) != GooseRejection.None
            || (rejection = Next(ref fields, AllDataTag, out var allData)) != GooseRejection.None)
        {
            return rejection;
        }

        var hasSecurity = IsNext(fields, SecurityTag);
        BerElement security = default;
        if (hasSecurity && (rejection = Next(ref fields, SecurityTag, out security)) != GooseRejection.None)
        {
            return rejection;
        }

        if (fields.HasMore)
        {
            return fields.TryPeek(out _) is var trailing && trailing != BerError.None
                ? GooseRejections.From(trailing)
                : GooseRejection.UnexpectedTag;
        }

        var data = fields.Enter(allData);
        rejection = GooseDataCodec.Validate(ref data, limits, out var entries);
        if (rejection != GooseRejection.None)
        {
            return rejection;
        }

        if ((uint)entries != numDatSetEntries)
        {
            return GooseRejection.EntryCountMismatch;
        }

        view = new GooseApduView
        {
            GocbRef = apdu.Slice(gocbRef.ContentOffset, gocbRef.ContentLength),
            TimeAllowedToLive = timeAllowedToLive,
            DatSet = apdu.Slice(datSet.ContentOffset, datSet.ContentLength),
            HasGoId = hasGoId,
            GoId = hasGoId ? apdu.Slice(goId.ContentOffset, goId.ContentLength) : ReadOnlyMemory<byte>.Empty,
            T = UtcTime.Read(fields.Content(t)),
            StNum = stNum,
            SqNum = sqNum,
            Simulation = simulation,
            ConfRev = confRev,
            NdsCom = ndsCom,
            NumDatSetEntries = numDatSetEntries,
            AllData = apdu.Slice(allData.ContentOffset, allData.ContentLength),
            HasSecurity = hasSecurity,
            Security = hasSecurity ? apdu.Slice(security.ContentOffset, security.ContentLength) : ReadOnlyMemory<byte>.Empty,
        };
        return GooseRejection.None;
    }

    private static bool IsNext(BerReader fields, BerTag tag)
        => fields.HasMore && fields.TryPeek(out var next) == BerError.None && next.Tag == tag;

    private static GooseRejection Next(ref BerReader fields, BerTag expected, out BerElement element)
    {
        element = default;
        if (!fields.HasMore)
        {
            return GooseRejection.MissingField;
        }

        var error = fields.TryRead(expected, out element);
        if (error == BerError.UnexpectedTag
            && fields.TryPeek(out var found) == BerError.None
            && found.Tag.Class == BerTagClass.ContextSpecific
            && found.Tag.Number > expected.Number
            && found.Tag.Number <= SecurityTag.Number)
        {
            // A later field where this one belongs: this one is missing.
            return GooseRejection.MissingField;
        }

        return GooseRejections.From(error);
    }

    private static GooseRejection NextUInt32(ref BerReader fields, BerTag tag, out uint value)
    {
        value = 0;
        var rejection = Next(ref fields, tag, out var element);
        return rejection != GooseRejection.None
            ? rejection
            : GooseRejections.From(BerPrimitive.TryReadUInt32(fields.Content(element), out value));
    }

    private static GooseRejection OptionalBoolean(ref BerReader fields, BerTag tag, out bool value)
    {
        value = false;
        if (!IsNext(fields, tag))
        {
            return GooseRejection.None;
        }

        fields.TryRead(out var element);
        return GooseRejections.From(BerPrimitive.TryReadBoolean(fields.Content(element), out value));
    }

    private static GooseRejection CheckReference(ReadOnlySpan<byte> content, GooseLimits limits)
        => content.Length > limits.MaxReferenceLength
            ? GooseRejection.ReferenceTooLong
            : GooseRejections.From(BerPrimitive.CheckVisibleString(content));

    private static int FieldsSize(in Fields fields)
    {
        var size = BerElement.GetEncodedSize(GocbRefTag, fields.GocbRefLength)
            + BerWriter.UnsignedSize(TimeAllowedToLiveTag, fields.TimeAllowedToLive)
            + BerElement.GetEncodedSize(DatSetTag, fields.DatSetLength)
            + (fields.GoIdLength >= 0 ? BerElement.GetEncodedSize(GoIdTag, fields.GoIdLength) : 0)
            + BerElement.GetEncodedSize(TTag, UtcTime.Size)
            + BerWriter.UnsignedSize(StNumTag, fields.StNum)
            + BerWriter.UnsignedSize(SqNumTag, fields.SqNum)
            + BerElement.GetEncodedSize(SimulationTag, 1)
            + BerWriter.UnsignedSize(ConfRevTag, fields.ConfRev)
            + BerElement.GetEncodedSize(NdsComTag, 1)
            + BerWriter.UnsignedSize(NumDatSetEntriesTag, fields.NumDatSetEntries)
            + BerElement.GetEncodedSize(AllDataTag, fields.AllDataLength)
            + (fields.HasSecurity ? BerElement.GetEncodedSize(SecurityTag, fields.Security.Length) : 0);
        return size;
    }

    private static void Write(in Fields fields, IReadOnlyList<GooseData>? values, Span<byte> destination, GooseLimits limits)
    {
        var writer = new BerWriter(destination);
        writer.WriteHeader(GoosePduTag, FieldsSize(fields));
        WriteString(ref writer, GocbRefTag, fields, 0);
        writer.WriteUnsigned(TimeAllowedToLiveTag, fields.TimeAllowedToLive);
        WriteString(ref writer, DatSetTag, fields, 1);
        if (fields.GoIdLength >= 0)
        {
            WriteString(ref writer, GoIdTag, fields, 2);
        }

        Span<byte> t = stackalloc byte[UtcTime.Size];
        fields.T.Write(t);
        writer.WriteElement(TTag, t);
        writer.WriteUnsigned(StNumTag, fields.StNum);
        writer.WriteUnsigned(SqNumTag, fields.SqNum);
        writer.WriteBoolean(SimulationTag, fields.Simulation);
        writer.WriteUnsigned(ConfRevTag, fields.ConfRev);
        writer.WriteBoolean(NdsComTag, fields.NdsCom);
        writer.WriteUnsigned(NumDatSetEntriesTag, fields.NumDatSetEntries);
        writer.WriteHeader(AllDataTag, fields.AllDataLength);
        var allDataStart = writer.Position;
        if (values is null)
        {
            writer.WriteRaw(fields.AllDataRaw.Span);
        }
        else
        {
            GooseDataCodec.Write(ref writer, values);
        }

        var allDataEnd = writer.Position;
        if (fields.HasSecurity)
        {
            writer.WriteElement(SecurityTag, fields.Security.Span);
        }

        // The values were written as they are; check them as a receiver would (nesting, counts,
        // lengths, bit strings), so that nothing leaves that the decoder refuses.
        var data = new BerReader(destination, allDataStart, allDataEnd);
        var rejection = GooseDataCodec.Validate(ref data, limits, out var entries);
        if (rejection == GooseRejection.None && (uint)entries != fields.NumDatSetEntries)
        {
            rejection = GooseRejection.EntryCountMismatch;
        }

        if (rejection == GooseRejection.None && destination.Length > limits.MaxApduLength)
        {
            rejection = GooseRejection.ApduTooLarge;
        }

        if (rejection != GooseRejection.None)
        {
            destination.Clear();
            throw new ArgumentException($"the APDU would be rejected by a receiver: {rejection}");
        }
    }

    private static void WriteString(ref BerWriter writer, BerTag tag, in Fields fields, int which)
    {
        var view = which switch { 0 => fields.GocbRefBytes, 1 => fields.DatSetBytes, _ => fields.GoIdBytes };
        var text = which switch { 0 => fields.GocbRefText, 1 => fields.DatSetText, _ => fields.GoIdText };
        if (text is null)
        {
            writer.WriteElement(tag, view.Span);
            return;
        }

        writer.WriteHeader(tag, text.Length);
        Span<byte> ascii = stackalloc byte[text.Length];
        Encoding.ASCII.GetBytes(text, ascii);
        writer.WriteRaw(ascii);
    }

    /// <summary>The header fields of either model, with their references as text or as bytes.</summary>
    private readonly struct Fields
    {
        public string? GocbRefText { get; init; }

        public string? DatSetText { get; init; }

        public string? GoIdText { get; init; }

        public ReadOnlyMemory<byte> GocbRefBytes { get; init; }

        public ReadOnlyMemory<byte> DatSetBytes { get; init; }

        public ReadOnlyMemory<byte> GoIdBytes { get; init; }

        public int GocbRefLength { get; init; }

        public int DatSetLength { get; init; }

        /// <summary>-1 when goID is absent.</summary>
        public int GoIdLength { get; init; }

        public uint TimeAllowedToLive { get; init; }

        public UtcTime T { get; init; }

        public uint StNum { get; init; }

        public uint SqNum { get; init; }

        public bool Simulation { get; init; }

        public uint ConfRev { get; init; }

        public bool NdsCom { get; init; }

        public uint NumDatSetEntries { get; init; }

        public int AllDataLength { get; init; }

        public ReadOnlyMemory<byte> AllDataRaw { get; init; }

        public bool HasSecurity { get; init; }

        public ReadOnlyMemory<byte> Security { get; init; }

        public static Fields Of(GooseApdu apdu, GooseLimits limits, out IReadOnlyList<GooseData> values)
        {
            values = apdu.AllData ?? throw new ArgumentException("AllData is null", nameof(apdu));
            return new Fields
            {
                GocbRefText = apdu.GocbRef,
                GocbRefLength = ReferenceLength(apdu.GocbRef, nameof(GooseApdu.GocbRef), limits),
                DatSetText = apdu.DatSet,
                DatSetLength = ReferenceLength(apdu.DatSet, nameof(GooseApdu.DatSet), limits),
                GoIdText = apdu.GoId,
                GoIdLength = apdu.GoId is null ? -1 : ReferenceLength(apdu.GoId, nameof(GooseApdu.GoId), limits),
                TimeAllowedToLive = apdu.TimeAllowedToLive,
                T = apdu.T,
                StNum = apdu.StNum,
                SqNum = apdu.SqNum,
                Simulation = apdu.Simulation,
                ConfRev = apdu.ConfRev,
                NdsCom = apdu.NdsCom,
                NumDatSetEntries = (uint)values.Count,
                AllDataLength = GooseDataCodec.GetEncodedSize(values),
                HasSecurity = apdu.Security.HasValue,
                Security = apdu.Security ?? ReadOnlyMemory<byte>.Empty,
            };
        }

        public static Fields Of(in GooseApduView view, GooseLimits limits)
        {
            CheckReferenceBytes(view.GocbRef.Span, nameof(GooseApduView.GocbRef), limits);
            CheckReferenceBytes(view.DatSet.Span, nameof(GooseApduView.DatSet), limits);
            if (view.HasGoId)
            {
                CheckReferenceBytes(view.GoId.Span, nameof(GooseApduView.GoId), limits);
            }

            return new Fields
            {
                GocbRefBytes = view.GocbRef,
                GocbRefLength = view.GocbRef.Length,
                DatSetBytes = view.DatSet,
                DatSetLength = view.DatSet.Length,
                GoIdBytes = view.GoId,
                GoIdLength = view.HasGoId ? view.GoId.Length : -1,
                TimeAllowedToLive = view.TimeAllowedToLive,
                T = view.T,
                StNum = view.StNum,
                SqNum = view.SqNum,
                Simulation = view.Simulation,
                ConfRev = view.ConfRev,
                NdsCom = view.NdsCom,
                NumDatSetEntries = view.NumDatSetEntries,
                AllDataLength = view.AllData.Length,
                AllDataRaw = view.AllData,
                HasSecurity = view.HasSecurity,
                Security = view.Security,
            };
        }

        private static int ReferenceLength(string? text, string field, GooseLimits limits)
        {
            if (text is null)
            {
                throw new ArgumentException($"{field} is null", field);
            }

            if (text.AsSpan().IndexOfAnyExceptInRange(' ', '~') >= 0)
            {
                throw new ArgumentException($"{field} holds ASCII 0x20..0x7E only: \"{text}\"", field);
            }

            return text.Length <= limits.MaxReferenceLength
                ? text.Length
                : throw new ArgumentException($"{field} is {text.Length} characters; at most {limits.MaxReferenceLength}", field);
        }

        private static void CheckReferenceBytes(ReadOnlySpan<byte> bytes, string field, GooseLimits limits)
        {
            if (BerPrimitive.CheckVisibleString(bytes) != BerError.None || bytes.Length > limits.MaxReferenceLength)
            {
                throw new ArgumentException($"{field} must be 0..{limits.MaxReferenceLength} ASCII 0x20..0x7E characters", field);
            }
        }
    }
}
