using System.Buffers.Binary;
using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Session;

/// <summary>
/// Encodes and decodes the SPDUs of the ISO 8327-1 session kernel (duplex functional unit, version
/// 2) that an MMS association uses: CN, AC, RF, FN, DN, AB, AA and the GT/DT concatenation. Pure.
/// </summary>
/// <remarks>
/// <code>
/// SPDU          +----+---------------+-------------------------------------+------------------+
///               | SI | LI            | parameters (PGI and PI units)       | user information |
///               +----+---------------+-------------------------------------+------------------+
///                      1 octet 0..254, or 0xFF and 2 octets; counts the parameters only.
/// PGI / PI unit +------+----+-------+   a PGI's value is a list of PI units
///               | code | LI | value |
///               +------+----+-------+
/// CN  (SI 13): PGI 5 {PI 19 protocol options, PI 21 TSDU maximum size, PI 22 version number},
///              PI 20 session user requirements, PI 51 calling SSEL, PI 52 called SSEL,
///              PGI 193 user data (PGI 194 extended user data is read as well)
/// AC  (SI 14): PGI 5, PI 20, PI 52 responding SSEL, PGI 193
/// RF  (SI 12): PI 20, PI 50 reason (first octet; the rest is user data)
/// FN  (SI 9):  PI 17 transport disconnect, PGI 193      DN (SI 10): PGI 193
/// AB  (SI 25): PI 17 transport disconnect, PGI 193      AA (SI 26): no parameters
/// data:        01 00 (GT, category 0, no parameters) 01 LI (DT) [parameters], then the user
///              information, which no LI counts (ISO 8327-1 §8.3.1: basic concatenation)
/// </code>
/// Parameters a kernel does not use are skipped on decoding (§8.2.6: unknown PIs are ignored);
/// encoding writes the ones the records hold, in the order of the tables of §8.3.
/// </remarks>
public static class SessionCodec
{
    /// <summary>SPDU identifiers.</summary>
    public const byte Connect = 13, Accept = 14, Refuse = 12, Finish = 9, Disconnect = 10, Abort = 25, AbortAccept = 26, Data = 1, GiveTokens = 1;

    private const byte PgiConnectAccept = 5, PiProtocolOptions = 19, PiTsduMaximumSize = 21, PiVersionNumber = 22;
    private const byte PiRequirements = 20, PiCallingSelector = 51, PiCalledSelector = 52, PiReason = 50, PiTransportDisconnect = 17;
    private const byte PgiUserData = 193, PgiExtendedUserData = 194;

    /// <summary>The four octets before the user information of a data TSDU: GT and DT without parameters.</summary>
    public static ReadOnlySpan<byte> DataHeader => [GiveTokens, 0, Data, 0];

    /// <summary>Decodes the SPDU (or GT/DT) at the start of <paramref name="tsdu"/>.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> tsdu, out Spdu? spdu, out DecodeFailure failure)
    {
        spdu = null;
        failure = default;
        try
        {
            spdu = Decode(tsdu);
            return true;
        }
        catch (DecodeException e)
        {
            failure = e.Failure;
            return false;
        }
    }

    /// <summary>Writes <paramref name="spdu"/> with its user data.</summary>
    public static void Encode(Spdu spdu, BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(spdu);
        ArgumentNullException.ThrowIfNull(writer);
        if (spdu is SessionData data)
        {
            writer.WriteBytes(DataHeader);
            writer.WriteBytes(data.UserData.Span);
            return;
        }

        if (BeginUserData(spdu, writer))
        {
            writer.WriteBytes(spdu.UserData.Span);
            EndUserData(writer);
        }
    }

    /// <summary>
    /// Writes the SPDU header and parameters of <paramref name="spdu"/> (not GT/DT, whose header is
    /// <see cref="DataHeader"/>) and, when it carries user data, leaves the SPDU and its PGI 193
    /// open for the caller to write the PPDU into; then <see cref="EndUserData"/>. Returns whether
    /// it left them open (false for AA, which has no user data).
    /// </summary>
    public static bool BeginUserData(Spdu spdu, BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(spdu);
        ArgumentNullException.ThrowIfNull(writer);
        switch (spdu)
        {
            case SessionConnect cn:
                writer.PushSessionUnit(Connect);
                WriteItem(writer, cn.Item);
                WriteRequirements(writer, cn.Requirements);
                WriteSelector(writer, PiCallingSelector, cn.CallingSelector);
                WriteSelector(writer, PiCalledSelector, cn.CalledSelector);
                break;
            case SessionAccept ac:
                writer.PushSessionUnit(Accept);
                WriteItem(writer, ac.Item);
                WriteRequirements(writer, ac.Requirements);
                WriteSelector(writer, PiCalledSelector, ac.RespondingSelector);
                break;
            case SessionRefuse rf:
                // The reason PI holds the reason octet followed by the user data (§8.3.12).
                writer.PushSessionUnit(Refuse);
                WriteRequirements(writer, rf.Requirements);
                writer.PushSessionUnit(PiReason);
                writer.WriteByte(rf.Reason ?? 0);
                writer.WriteBytes(rf.UserData.Span);
                writer.Pop();
                writer.Pop();
                return false;
            case SessionFinish fn:
                writer.PushSessionUnit(Finish);
                WriteOctet(writer, PiTransportDisconnect, fn.TransportDisconnect);
                break;
            case SessionDisconnect:
                writer.PushSessionUnit(Disconnect);
                break;
            case SessionAbort ab:
                writer.PushSessionUnit(Abort);
                WriteOctet(writer, PiTransportDisconnect, ab.TransportDisconnect);
                break;
            case SessionAbortAccept:
                writer.PushSessionUnit(AbortAccept);
                writer.Pop();
                return false;
            default:
                throw new ArgumentException($"{spdu.GetType().Name} has no SPDU header of its own", nameof(spdu));
        }

        writer.PushSessionUnit(PgiUserData);
        return true;
    }

    /// <summary>Closes the user data PGI and the SPDU that <see cref="BeginUserData"/> left open.</summary>
    public static void EndUserData(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Pop();
        writer.Pop();
    }

    private static Spdu Decode(ReadOnlyMemory<byte> memory)
    {
        var tsdu = memory.Span;
        ReadUnit(tsdu, 0, "SPDU", out var si, out var parametersAt, out var parametersLength);
        var end = parametersAt + parametersLength;
        switch (si)
        {
            case GiveTokens when parametersLength == 0 && end < tsdu.Length && tsdu[end] == Data:
            {
                ReadUnit(tsdu, end, "DT SPDU", out _, out var dataAt, out var dataLength);
                return new SessionData(memory[(dataAt + dataLength)..]);
            }

            case Data:
                throw Fail(DecodeError.UnsupportedSpdu, 0, "a data SPDU must follow a GT without parameters (basic concatenation)");
            case Connect:
            case Accept:
            {
                SessionConnectItem? item = null;
                ushort? requirements = null;
                byte[]? calling = null;
                byte[]? called = null;
                var userData = ReadOnlyMemory<byte>.Empty;
                var units = new UnitList(tsdu, parametersAt, parametersLength);
                while (units.Next(out var code, out var at, out var length))
                {
                    var value = tsdu.Slice(at, length);
                    switch (code)
                    {
                        case PgiConnectAccept:
                            item = ReadItem(tsdu, at, length);
                            break;
                        case PiRequirements:
                            requirements = ReadUInt16(value, at, "session user requirements");
                            break;
                        case PiCallingSelector:
                            calling = ReadSelector(value, at);
                            break;
                        case PiCalledSelector:
                            called = ReadSelector(value, at);
                            break;
                        case PgiUserData:
                        case PgiExtendedUserData:
                            userData = memory.Slice(at, length);
                            break;
                        default:
                            break;
                    }
                }

                ExpectNoUserInformation(tsdu, end);
                return si == Connect
                    ? new SessionConnect(item, requirements, calling, called, userData)
                    : new SessionAccept(item, requirements, called, userData);
            }

            case Refuse:
            {
                ushort? requirements = null;
                byte? reason = null;
                var userData = ReadOnlyMemory<byte>.Empty;
                var units = new UnitList(tsdu, parametersAt, parametersLength);
                while (units.Next(out var code, out var at, out var length))
                {
                    if (code == PiRequirements)
                    {
                        requirements = ReadUInt16(tsdu.Slice(at, length), at, "session user requirements");
                    }
                    else if (code == PiReason && length > 0)
                    {
                        reason = tsdu[at];
                        userData = memory.Slice(at + 1, length - 1);
                    }
                }

                ExpectNoUserInformation(tsdu, end);
                return new SessionRefuse(requirements, reason, userData);
            }

            case Finish:
            case Abort:
            case Disconnect:
            {
                byte? disconnect = null;
                var userData = ReadOnlyMemory<byte>.Empty;
                var units = new UnitList(tsdu, parametersAt, parametersLength);
                while (units.Next(out var code, out var at, out var length))
                {
                    if (code == PiTransportDisconnect)
                    {
                        disconnect = ReadOctet(tsdu.Slice(at, length), at, "transport disconnect");
                    }
                    else if (code is PgiUserData or PgiExtendedUserData)
                    {
                        userData = memory.Slice(at, length);
                    }
                }

                ExpectNoUserInformation(tsdu, end);
                return si switch
                {
                    Finish => new SessionFinish(disconnect, userData),
                    Abort => new SessionAbort(disconnect, userData),
                    _ => new SessionDisconnect(userData),
                };
            }

            case AbortAccept:
                ExpectNoUserInformation(tsdu, end);
                return new SessionAbortAccept();
            default:
                throw Fail(DecodeError.UnsupportedSpdu, 0, string.Create(CultureInfo.InvariantCulture, $"SPDU identifier {si} is not one of the kernel's (CN 13, AC 14, RF 12, FN 9, DN 10, AB 25, AA 26, GT/DT 1)"));
        }
    }

    /// <summary>Reads a unit header at <paramref name="at"/>: code, length indicator, value; returns where the value starts and where the unit ends.</summary>
    private static void ReadUnit(ReadOnlySpan<byte> data, int at, string what, out byte code, out int valueAt, out int length)
    {
        if (data.Length - at < 2)
        {
            throw Fail(DecodeError.Truncated, at, $"{what}: a code and a length indicator");
        }

        code = data[at];
        length = data[at + 1];
        valueAt = at + 2;
        if (length == 0xFF)
        {
            if (data.Length - at < 4)
            {
                throw Fail(DecodeError.Truncated, at + 1, $"{what}: a 3-octet length indicator ends early");
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            valueAt = at + 4;
        }

        if (length > data.Length - valueAt)
        {
            throw Fail(DecodeError.LengthOverrun, at + 1, string.Create(CultureInfo.InvariantCulture, $"{what} 0x{code:X2}: length {length}, only {data.Length - valueAt} octets remain"));
        }

    }

    /// <summary>The units (PGI or PI) inside a parameter field, one after another.</summary>
    private ref struct UnitList
    {
        private readonly ReadOnlySpan<byte> _scope;
        private int _position;

        public UnitList(ReadOnlySpan<byte> data, int start, int length)
        {
            _scope = data[..(start + length)];
            _position = start;
        }

        public bool Next(out byte code, out int valueAt, out int length)
        {
            if (_position >= _scope.Length)
            {
                code = 0;
                valueAt = 0;
                length = 0;
                return false;
            }

            ReadUnit(_scope, _position, "parameter", out code, out valueAt, out length);
            _position = valueAt + length;
            return true;
        }
    }

    private static SessionConnectItem ReadItem(ReadOnlySpan<byte> data, int at, int length)
    {
        byte? options = null;
        byte? version = null;
        uint? tsduMaximum = null;
        var units = new UnitList(data, at, length);
        while (units.Next(out var code, out var valueAt, out var valueLength))
        {
            var value = data.Slice(valueAt, valueLength);
            switch (code)
            {
                case PiProtocolOptions:
                    options = ReadOctet(value, valueAt, "protocol options");
                    break;
                case PiVersionNumber:
                    version = ReadOctet(value, valueAt, "version number");
                    break;
                case PiTsduMaximumSize:
                    if (value.Length != 4)
                    {
                        throw Fail(DecodeError.BadParameter, valueAt, "TSDU maximum size is 4 octets");
                    }

                    tsduMaximum = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                default:
                    break;
            }
        }

        return new SessionConnectItem(options, tsduMaximum, version);
    }

    private static byte ReadOctet(ReadOnlySpan<byte> value, int at, string what)
        => value.Length == 1 ? value[0] : throw Fail(DecodeError.BadParameter, at, $"{what} is one octet");

    private static ushort ReadUInt16(ReadOnlySpan<byte> value, int at, string what)
        => value.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(value) : throw Fail(DecodeError.BadParameter, at, $"{what} is two octets");

    private static byte[] ReadSelector(ReadOnlySpan<byte> value, int at)
        => value.Length <= 16 ? value.ToArray() : throw Fail(DecodeError.BadParameter, at, "a session selector has at most 16 octets");

    private static void ExpectNoUserInformation(ReadOnlySpan<byte> tsdu, int end)
    {
        if (end != tsdu.Length)
        {
            throw Fail(DecodeError.TrailingBytes, end, "octets after an SPDU that carries its user data in a parameter");
        }
    }

    private static void WriteItem(BerWriter writer, SessionConnectItem? item)
    {
        if (item is null)
        {
            return;
        }

        writer.PushSessionUnit(PgiConnectAccept);
        WriteOctet(writer, PiProtocolOptions, item.ProtocolOptions);
        if (item.TsduMaximumSize is { } size)
        {
            writer.WriteByte(PiTsduMaximumSize);
            writer.WriteByte(4);
            Span<byte> value = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(value, size);
            writer.WriteBytes(value);
        }

        WriteOctet(writer, PiVersionNumber, item.VersionNumber);
        writer.Pop();
    }

    private static void WriteRequirements(BerWriter writer, ushort? requirements)
    {
        if (requirements is { } value)
        {
            writer.WriteByte(PiRequirements);
            writer.WriteByte(2);
            writer.WriteByte((byte)(value >> 8));
            writer.WriteByte((byte)value);
        }
    }

    private static void WriteSelector(BerWriter writer, byte code, byte[]? selector)
    {
        if (selector is not null)
        {
            writer.WriteByte(code);
            writer.WriteByte((byte)selector.Length);
            writer.WriteBytes(selector);
        }
    }

    private static void WriteOctet(BerWriter writer, byte code, byte? value)
    {
        if (value is { } octet)
        {
            writer.WriteByte(code);
            writer.WriteByte(1);
            writer.WriteByte(octet);
        }
    }

    private static DecodeException Fail(DecodeError error, int offset, string detail) => DecodeException.Of(StackLayer.Session, error, offset, detail);
}
