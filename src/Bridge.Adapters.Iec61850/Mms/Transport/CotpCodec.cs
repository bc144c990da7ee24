using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms.Transport;

/// <summary>
/// Encodes and decodes COTP class 0 TPDUs (ISO 8073 / X.224 §13) and frames TSDUs as TPKT + DT.
/// Pure: no I/O.
/// </summary>
/// <remarks>
/// <code>
/// CR, CC (§13.3, §13.4)
///  0      1           2    3     4    5     6             7 ...
/// +------+-----------+-----------+-----------+-------------+----------------------------+
/// |  LI  | 1110 CDT  |  DST-REF  |  SRC-REF  | class|option| parameters: code, len, val |
/// |      | 1101 CDT  |  (0 in CR)|           | 0000  0000  | C0 TPDU size, C1 calling    |
/// +------+-----------+-----------+-----------+-------------+ TSAP, C2 called TSAP, F0   |
///                                                            preferred max TPDU size    |
/// DR (§13.5):  LI | 1000 0000 | DST-REF | SRC-REF | reason | parameters
/// ER (§13.12): LI | 0111 0000 | DST-REF | reject cause | parameters (C1 invalid TPDU)
/// DT (§13.7, class 0):
/// +------+-----------+---------------+---------------
/// | LI=2 | 1111 0000 | EOT | TPDU-NR | user data ...    EOT set on the last DT of a TSDU;
/// +------+-----------+---------------+---------------    TPDU-NR is 0 in class 0
/// </code>
/// LI counts the octets after itself up to the user data (the header); it is at most 254.
/// Parameters are re-encoded in the order C0, C2, C1, F0 (the order IEC 61850 stacks send).
/// </remarks>
public static class CotpCodec
{
    /// <summary>The size of a TPKT header and a class 0 DT header, before the user data of each frame.</summary>
    public const int DataFrameOverhead = Tpkt.HeaderSize + 3;

    /// <summary>The TPDU size class 0 allows when none is negotiated (ISO 8073 §13.3.4 b).</summary>
    public const int DefaultTpduSize = 128;

    /// <summary>The largest TPDU size class 0 can negotiate.</summary>
    public const int MaxTpduSize = 8192;

    private const byte CodeCr = 0xE0;
    private const byte CodeCc = 0xD0;
    private const byte CodeDr = 0x80;
    private const byte CodeDt = 0xF0;
    private const byte CodeEr = 0x70;
    private const byte ParameterTpduSize = 0xC0;
    private const byte ParameterCallingTsap = 0xC1;
    private const byte ParameterCalledTsap = 0xC2;
    private const byte ParameterPreferredSize = 0xF0;
    private const byte ParameterInvalidTpdu = 0xC1;

    /// <summary>Decodes one TPDU (the contents of a TPKT frame); offsets in failures count from the TPDU's first octet.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> tpdu, out CotpTpdu? decoded, out DecodeFailure failure)
    {
        decoded = null;
        failure = default;
        try
        {
            decoded = Decode(tpdu);
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes a TPKT frame holding <paramref name="tpdu"/> (CR, CC, DR, ER or a DT) to <paramref name="output"/>.</summary>
    public static void WriteFrame(CotpTpdu tpdu, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(tpdu);
        ArgumentNullException.ThrowIfNull(output);
        var body = new List<byte>(32);
        switch (tpdu)
        {
            case CotpConnectionRequest cr:
                body.Add(CodeCr);
                AddUInt16(body, 0);
                AddUInt16(body, cr.SourceReference);
                body.Add(cr.ClassOption);
                AddParameters(body, cr.Parameters);
                break;
            case CotpConnectionConfirm cc:
                body.Add(CodeCc);
                AddUInt16(body, cc.DestinationReference);
                AddUInt16(body, cc.SourceReference);
                body.Add(cc.ClassOption);
                AddParameters(body, cc.Parameters);
                break;
            case CotpDisconnectRequest dr:
                body.Add(CodeDr);
                AddUInt16(body, dr.DestinationReference);
                AddUInt16(body, dr.SourceReference);
                body.Add(dr.Reason);
                break;
            case CotpErrorTpdu er:
                body.Add(CodeEr);
                AddUInt16(body, er.DestinationReference);
                body.Add(er.RejectCause);
                if (er.InvalidTpdu is { } invalid)
                {
                    AddParameter(body, ParameterInvalidTpdu, invalid);
                }

                break;
            case CotpData dt:
                var frame = output.GetSpan(DataFrameOverhead + dt.UserData.Length);
                WriteDataHeader(frame, DataFrameOverhead + dt.UserData.Length, dt.EndOfTsdu);
                dt.UserData.Span.CopyTo(frame[DataFrameOverhead..]);
                output.Advance(DataFrameOverhead + dt.UserData.Length);
                return;
            default:
                throw new ArgumentException($"unknown TPDU {tpdu.GetType().Name}", nameof(tpdu));
        }

        if (body.Count > 254)
        {
            throw new ArgumentException($"a TPDU header of {body.Count} octets is beyond the 254 its length indicator can say", nameof(tpdu));
        }

        var length = Tpkt.HeaderSize + 1 + body.Count;
        var span = output.GetSpan(length);
        Tpkt.WriteHeader(span, length);
        span[Tpkt.HeaderSize] = (byte)body.Count;
        for (var i = 0; i < body.Count; i++)
        {
            span[Tpkt.HeaderSize + 1 + i] = body[i];
        }

        output.Advance(length);
    }

    /// <summary>
    /// Writes <paramref name="tsdu"/> as TPKT frames of DTs, each at most
    /// <paramref name="maxTpduSize"/> octets of TPDU (header included), the last with EOT.
    /// </summary>
    public static void WriteTsdu(ReadOnlySpan<byte> tsdu, int maxTpduSize, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTpduSize, DefaultTpduSize);
        var room = maxTpduSize - 3;
        do
        {
            var take = Math.Min(room, tsdu.Length);
            var frame = output.GetSpan(DataFrameOverhead + take);
            WriteDataHeader(frame, DataFrameOverhead + take, take == tsdu.Length);
            tsdu[..take].CopyTo(frame[DataFrameOverhead..]);
            output.Advance(DataFrameOverhead + take);
            tsdu = tsdu[take..];
        }
        while (!tsdu.IsEmpty);
    }

    /// <summary>Writes the 7 octets before a DT's user data: the TPKT header for a frame of <paramref name="frameLength"/>, LI 2, DT, EOT.</summary>
    public static void WriteDataHeader(Span<byte> destination, int frameLength, bool endOfTsdu)
    {
        Tpkt.WriteHeader(destination, frameLength);
        destination[4] = 2;
        destination[5] = CodeDt;
        destination[6] = endOfTsdu ? (byte)0x80 : (byte)0x00;
    }

    /// <summary>The TPDU size parameter's code for <paramref name="size"/> octets (7 for 128 up to 13 for 8192).</summary>
    public static byte EncodeTpduSize(int size)
    {
        for (byte code = 7; code <= 13; code++)
        {
            if (1 << code == size)
            {
                return code;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(size), size, "a TPDU size of class 0 is a power of two from 128 to 8192");
    }

    private static CotpTpdu Decode(ReadOnlyMemory<byte> memory)
    {
        var tpdu = memory.Span;
        if (tpdu.Length < 2)
        {
            throw Fail(DecodeError.Truncated, 0, string.Create(CultureInfo.InvariantCulture, $"a TPDU has at least 2 octets, this one {tpdu.Length}"));
        }

        int li = tpdu[0];
        if (li == 255 || li + 1 > tpdu.Length || li < 1)
        {
            throw Fail(DecodeError.BadLengthIndicator, 0, string.Create(CultureInfo.InvariantCulture, $"length indicator {li} with {tpdu.Length} octets"));
        }

        var header = tpdu[1..(li + 1)];
        var code = (byte)(header[0] & 0xF0);
        switch (code)
        {
            case CodeDt:
                if (li != 2)
                {
                    throw Fail(DecodeError.BadLengthIndicator, 0, string.Create(CultureInfo.InvariantCulture, $"a class 0 DT has length indicator 2, this one {li}"));
                }

                return new CotpData((header[1] & 0x80) != 0, memory[3..]);
            case CodeCr:
            case CodeCc:
            {
                if (li < 6)
                {
                    throw Fail(DecodeError.BadLengthIndicator, 0, string.Create(CultureInfo.InvariantCulture, $"a CR or CC has a fixed part of 6 octets, this one {li}"));
                }

                if (tpdu.Length != li + 1)
                {
                    throw Fail(DecodeError.TrailingBytes, li + 1, "a CR or CC carries no user data in class 0");
                }

                var destination = BinaryPrimitives.ReadUInt16BigEndian(header[1..]);
                var source = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
                var classOption = header[5];
                var parameters = DecodeConnectParameters(header[6..], 7);
                return code == CodeCr
                    ? new CotpConnectionRequest(source, classOption, parameters)
                    : new CotpConnectionConfirm(destination, source, classOption, parameters);
            }

            case CodeDr:
                if (li < 6)
                {
                    throw Fail(DecodeError.BadLengthIndicator, 0, string.Create(CultureInfo.InvariantCulture, $"a DR has a fixed part of 6 octets, this one {li}"));
                }

                return new CotpDisconnectRequest(BinaryPrimitives.ReadUInt16BigEndian(header[1..]), BinaryPrimitives.ReadUInt16BigEndian(header[3..]), header[5]);
            case CodeEr:
            {
                if (li < 4)
                {
                    throw Fail(DecodeError.BadLengthIndicator, 0, string.Create(CultureInfo.InvariantCulture, $"an ER has a fixed part of 4 octets, this one {li}"));
                }

                byte[]? invalid = null;
                ForEachParameter(header[4..], 5, (p, value, _) =>
                {
                    if (p == ParameterInvalidTpdu)
                    {
                        invalid = value.ToArray();
                    }
                });
                return new CotpErrorTpdu(BinaryPrimitives.ReadUInt16BigEndian(header[1..]), header[3], invalid);
            }

            default:
                throw Fail(DecodeError.UnsupportedTpdu, 1, string.Create(CultureInfo.InvariantCulture, $"TPDU code 0x{header[0]:X2} is not one class 0 handles (CR, CC, DR, DT, ER)"));
        }
    }

    private static CotpConnectParameters DecodeConnectParameters(ReadOnlySpan<byte> parameters, int offset)
    {
        int? size = null;
        int? preferred = null;
        byte[]? calling = null;
        byte[]? called = null;
        ForEachParameter(parameters, offset, (code, value, at) =>
        {
            switch (code)
            {
                case ParameterTpduSize:
                    if (value.Length != 1 || value[0] < 7 || value[0] > 13)
                    {
                        throw Fail(DecodeError.BadParameter, at, "TPDU size is one octet from 7 (128) to 13 (8192)");
                    }

                    size = 1 << value[0];
                    break;
                case ParameterCallingTsap:
                    calling = value.ToArray();
                    break;
                case ParameterCalledTsap:
                    called = value.ToArray();
                    break;
                case ParameterPreferredSize:
                    if (value.IsEmpty || value.Length > 4)
                    {
                        throw Fail(DecodeError.BadParameter, at, "preferred maximum TPDU size has 1 to 4 octets");
                    }

                    long units = 0;
                    foreach (var b in value)
                    {
                        units = (units << 8) | b;
                    }

                    preferred = (int)Math.Min(units * 128, int.MaxValue);
                    break;
                default:
                    break; // ISO 8073 §13.2.3: a class 0 receiver ignores parameters it does not know
            }
        });
        return new CotpConnectParameters(size, calling, called, preferred);
    }

    private delegate void ParameterVisitor(byte code, ReadOnlySpan<byte> value, int offset);

    private static void ForEachParameter(ReadOnlySpan<byte> parameters, int offset, ParameterVisitor visit)
    {
        var position = 0;
        while (position < parameters.Length)
        {
            if (parameters.Length - position < 2)
            {
                throw Fail(DecodeError.BadParameter, offset + position, "a parameter has a code and a length");
            }

            var code = parameters[position];
            int length = parameters[position + 1];
            if (length > parameters.Length - position - 2)
            {
                throw Fail(DecodeError.BadParameter, offset + position, string.Create(CultureInfo.InvariantCulture, $"parameter 0x{code:X2} of length {length} runs past the header"));
            }

            visit(code, parameters.Slice(position + 2, length), offset + position);
            position += 2 + length;
        }
    }

    private static void AddParameters(List<byte> body, CotpConnectParameters parameters)
    {
        if (parameters.TpduSize is { } size)
        {
            AddParameter(body, ParameterTpduSize, [EncodeTpduSize(size)]);
        }

        if (parameters.CalledTsap is { } called)
        {
            AddParameter(body, ParameterCalledTsap, called);
        }

        if (parameters.CallingTsap is { } calling)
        {
            AddParameter(body, ParameterCallingTsap, calling);
        }

        if (parameters.PreferredMaxTpduSize is { } preferred)
        {
            var units = (uint)(preferred / 128);
            Span<byte> value = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(value, units);
            var start = units > 0xFFFFFF ? 0 : units > 0xFFFF ? 1 : units > 0xFF ? 2 : 3;
            AddParameter(body, ParameterPreferredSize, value[start..]);
        }
    }

    private static void AddParameter(List<byte> body, byte code, ReadOnlySpan<byte> value)
    {
        if (value.Length > 255)
        {
            throw new ArgumentException($"parameter 0x{code:X2} of {value.Length} octets is too long");
        }

        body.Add(code);
        body.Add((byte)value.Length);
        foreach (var b in value)
        {
            body.Add(b);
        }
    }

    private static void AddUInt16(List<byte> body, ushort value)
    {
        body.Add((byte)(value >> 8));
        body.Add((byte)value);
    }

    private static DecodeException Fail(DecodeError error, int offset, string detail) => DecodeException.Of(StackLayer.Cotp, error, offset, detail);
}
