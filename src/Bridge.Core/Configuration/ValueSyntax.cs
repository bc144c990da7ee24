using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Core.Configuration;

/// <summary>The textual forms of configuration values: ids, durations, endpoints and host:port pairs.</summary>
public static class ValueSyntax
{
    /// <summary>The longest node, group or peer id.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Whether <paramref name="text"/> is an id: 1 to 128 of A-Z a-z 0-9 . _ -.</summary>
    public static bool IsId(string text)
        => text.Length is > 0 and <= MaxIdLength && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>
    /// Parses <c>250ms</c>, <c>2s</c>, <c>1m</c> (a whole or decimal number and a unit: ms, s, m, h)
    /// or a TimeSpan in the invariant culture's constant form (<c>00:00:01</c>, <c>00:00:00.250</c>).
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var units = new (string Suffix, double Milliseconds)[] { ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000) };
        foreach (var (suffix, milliseconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                && value * milliseconds <= TimeSpan.MaxValue.TotalMilliseconds)
            {
                duration = TimeSpan.FromMilliseconds(value * milliseconds);
                return true;
            }
        }

        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out duration);
    }

    /// <summary>
    /// Parses <c>host:port</c> where host is an IPv4 address, a bracketed IPv6 address
    /// (<c>[::1]:7946</c>) or a DNS name, and port is 1 to 65535.
    /// </summary>
    public static bool TryParseHostPort(string text, [NotNullWhen(true)] out HostPort? hostPort)
    {
        hostPort = null;
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0)
            {
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
            if (!IsIPv4(host) && !IsDnsName(host))
            {
                return false;
            }
        }

        if (!TryParsePort(port, out var number))
        {
            return false;
        }

        hostPort = new HostPort(host, number);
        return true;
    }

    /// <summary>Parses <c>address:port</c> (IPv4, or IPv6 in brackets) with a port of 1 to 65535.</summary>
    public static bool TryParseEndPoint(string text, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!TryParseHostPort(text, out var hostPort) || !IPAddress.TryParse(hostPort.Host, out var address))
        {
            return false;
        }

        endPoint = new IPEndPoint(address, hostPort.Port);
        return true;
    }

    // IPAddress.TryParse takes inet_aton shorthands ("10.1" is 10.0.0.1); only four decimal octets are an address here.
    private static bool IsIPv4(string text)
        => IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork && address.ToString() == text;

    private static bool IsDnsName(string text)
        => text.Length <= 253
            && !text.All(c => char.IsAsciiDigit(c) || c == '.')
            && text.Split('.').All(label => label.Length is > 0 and <= 63
                && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                && label[0] != '-' && label[^1] != '-');

    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5
            && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port is >= 1 and <= 65535;
    }
}

/// <summary>A host name or IP address and a port, as written; DNS names are resolved when dialling.</summary>
/// <param name="Host">An IPv4 address, an IPv6 address (without brackets) or a DNS name.</param>
/// <param name="Port">1 to 65535.</param>
public sealed record HostPort(string Host, int Port)
{
    /// <summary><c>host:port</c>, with brackets around an IPv6 address.</summary>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
