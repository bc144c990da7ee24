using System.Text;
using Bridge.Adapters.Iec61850.Ber;
using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Link;

/// <summary>
/// Which GOOSE frames a capture keeps: by APPID, by gocbRef and by destination address. An empty
/// set does not filter; a frame must pass every non-empty one.
/// </summary>
public sealed record GooseCaptureFilter
{
    /// <summary>Keeps every GOOSE frame.</summary>
    public static readonly GooseCaptureFilter All = new();

    private readonly IReadOnlySet<string> _gocbRefs = new HashSet<string>(StringComparer.Ordinal);
    private byte[][] _gocbRefBytes = [];

    /// <summary>The APPIDs kept; empty keeps all.</summary>
    public IReadOnlySet<ushort> AppIds { get; init; } = new HashSet<ushort>();

    /// <summary>The destinations kept; empty keeps all.</summary>
    public IReadOnlySet<MacAddress> Destinations { get; init; } = new HashSet<MacAddress>();

    /// <summary>The control block references kept; empty keeps all.</summary>
    public IReadOnlySet<string> GocbRefs
    {
        get => _gocbRefs;
        init
        {
            _gocbRefs = value;
            _gocbRefBytes = [.. value.Select(Encoding.ASCII.GetBytes)];
        }
    }

    /// <summary>True when <paramref name="frame"/> passes the filter. Reads no more of the APDU than its gocbRef.</summary>
    public bool Matches(in GooseFrame frame)
    {
        if (AppIds.Count > 0 && !AppIds.Contains(frame.Header.AppId))
        {
            return false;
        }

        if (Destinations.Count > 0 && !Destinations.Contains(frame.Header.Destination))
        {
            return false;
        }

        if (_gocbRefBytes.Length == 0)
        {
            return true;
        }

        var gocbRef = PeekGocbRef(frame.Apdu.Span);
        foreach (var candidate in _gocbRefBytes)
        {
            if (gocbRef.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The gocbRef of a goosePdu (its first field), or empty when the bytes do not start like one.</summary>
    public static ReadOnlySpan<byte> PeekGocbRef(ReadOnlySpan<byte> apdu)
    {
        var reader = new BerReader(apdu);
        if (reader.TryRead(out var pdu) != BerError.None || pdu.Tag != BerTag.Application(1, constructed: true))
        {
            return default;
        }

        var fields = reader.Enter(pdu);
        return fields.TryRead(BerTag.Context(0), out var gocbRef) == BerError.None
            ? apdu.Slice(gocbRef.ContentOffset, gocbRef.ContentLength)
            : default;
    }
}
