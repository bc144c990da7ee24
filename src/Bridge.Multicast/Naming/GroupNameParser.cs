using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Naming;

/// <summary>
/// Parses group names. The grammar, after RFC 7046's multicast URI with RFC 3986's rules
/// (docs/naming.md explains each choice):
/// <code>
/// name            = ham-uri / legacy-uri
/// ham-uri         = "ham" ":" namespace ":" rest               ; "ham" in any case
/// legacy-uri      = namespace "://" rest                       ; HAMcast's older form
/// rest            = group [ "@" instantiation ] [ ":" port ] [ "/" sec-credentials ]
/// namespace       = "ip" / "sip" / "opaque" / "sg"             ; in any case
/// group           = IPv4address / IP-literal                   ; namespace ip: a multicast address
///                 / 1*unreserved                               ; sip, opaque
///                 / label *( "." label )                       ; sg; label = 1*( ALPHA / DIGIT / "-" / "_" / "~" )
/// instantiation   = IPv4address / IP-literal                   ; ip: the unicast source, same family as the group
///                 / IP-literal / 1*unreserved                  ; the other namespaces
/// port            = 1*DIGIT                                    ; 1..65535
/// sec-credentials = alg ";" value                              ; alg, value = 1*unreserved
/// IP-literal      = "[" IPv6address "]"                        ; no zone id, no IPvFuture
/// </code>
/// No rule but <c>sec-credentials</c> can hold '/', so the first '/' after the namespace starts
/// them; no rule but an IP literal can hold ':', which therefore needs its brackets.
/// </summary>
internal static class GroupNameParser
{
    /// <summary>Longest text looked at, credentials included; the wire name has its own, lower limit.</summary>
    public const int MaxTextLength = 4096;

    private const string Form = "ham:namespace:group[@instantiation][:port][/sec-credentials]";
    private const string LegacyForm = "namespace://group[@instantiation][:port][/sec-credentials]";
    private const string UnreservedText = "letters, digits, '-', '.', '_' and '~'";

    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out GroupName? name,
        [NotNullWhen(false)] out string? error)
    {
        name = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "group name is empty";
            return false;
        }

        if (text.Length > MaxTextLength)
        {
            error = $"group name of {text.Length} characters is longer than the {MaxTextLength} allowed";
            return false;
        }

        var attempt = new Attempt(text);
        if (attempt.Run(out name))
        {
            error = null;
            return true;
        }

        error = attempt.Error!;
        return false;
    }

    /// <summary>
    /// The unreserved characters of RFC 3986 §2.3, the ones RFC 7046 allows in a group,
    /// instantiation and credentials.
    /// </summary>
    public static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    /// <summary>One parse: the text, its form for error messages, and the first error.</summary>
    private sealed class Attempt(string text)
    {
        /// <summary>The text as errors show it: credentials replaced by <c>***</c>, so they never reach a log.</summary>
        private readonly string _shown = Redact(text);

        public string? Error { get; private set; }

        public bool Run([NotNullWhen(true)] out GroupName? name)
        {
            name = null;
            if (!TrySplitScheme(out var namespaceText, out var rest))
            {
                return false;
            }

            var ns = GroupNamespace.Find(namespaceText);
            if (ns is null)
            {
                return Fail($"namespace '{namespaceText}' in '{_shown}' is not one GridCast knows ({string.Join(", ", GroupNamespace.All)})");
            }

            string? credentials = null;
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                credentials = rest[(slash + 1)..];
                rest = rest[..slash];
            }

            if (!TrySplitParts(ns, rest, out var groupText, out var instantiationText, out var portText))
            {
                return false;
            }

            if (groupText.Length == 0)
            {
                return Fail($"group name '{_shown}' has an empty group");
            }

            IPAddress? groupAddress = null;
            IPAddress? source = null;
            string group;
            string? instantiation = null;
            if (ns == GroupNamespace.Ip)
            {
                if (!TryIpGroup(groupText, out groupAddress))
                {
                    return false;
                }

                group = IPLiteral.Format(groupAddress);
                if (instantiationText is not null)
                {
                    if (!TrySource(instantiationText, groupAddress, out source))
                    {
                        return false;
                    }

                    instantiation = IPLiteral.Format(source);
                }
            }
            else
            {
                if (!TryNamedGroup(ns, groupText, out group)
                    || (instantiationText is not null && !TryNamedInstantiation(ns, instantiationText, out instantiation)))
                {
                    return false;
                }
            }

            int? port = null;
            if (portText is not null)
            {
                if (!TryPort(portText, out var value))
                {
                    return false;
                }

                port = value;
            }

            if (credentials is not null && !CheckCredentials(credentials))
            {
                return false;
            }

            var effectivePort = port ?? GroupName.DefaultPort;
            var addresses = groupAddress is not null
                ? GroupAddressMapping.Literal(groupAddress, source, effectivePort)
                : GroupAddressMapping.Hashed(GroupAddressMapping.HashKey(ns, group, instantiation), effectivePort);
            var parsed = new GroupName(ns, group, instantiation, port, credentials, addresses);
            if (parsed.WireName.Length > FrameCodec.MaxGroupNameLength)
            {
                return Fail($"group name '{_shown}' is {parsed.WireName.Length} characters long without its credentials; frames carry at most {FrameCodec.MaxGroupNameLength}");
            }

            name = parsed;
            return true;
        }

        private bool TrySplitScheme(out string namespaceText, out string rest)
        {
            namespaceText = rest = string.Empty;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return Fail($"group name '{_shown}' is not of the form {Form} or {LegacyForm}");
            }

            if (text.AsSpan(colon).StartsWith("://", StringComparison.Ordinal))
            {
                namespaceText = text[..colon];
                rest = text[(colon + 3)..];
                return !namespaceText.Equals(GroupName.Scheme, StringComparison.OrdinalIgnoreCase)
                    || Fail($"group name '{_shown}' mixes the two forms: write {Form} or {LegacyForm}");
            }

            var scheme = text[..colon];
            if (!scheme.Equals(GroupName.Scheme, StringComparison.OrdinalIgnoreCase))
            {
                return Fail($"scheme '{scheme}' of group name '{_shown}' is not '{GroupName.Scheme}': write {Form} or {LegacyForm}");
            }

            var second = text.IndexOf(':', colon + 1);
            if (second < 0)
            {
                return Fail($"group name '{_shown}' is not of the form {Form}: it has no group");
            }

            namespaceText = text[(colon + 1)..second];
            rest = text[(second + 1)..];
            return true;
        }

        /// <summary>Cuts <c>group [ "@" instantiation ] [ ":" port ]</c> into its parts, unchecked.</summary>
        private bool TrySplitParts(string ns, string rest, out string group, out string? instantiation, out string? port)
        {
            group = string.Empty;
            instantiation = port = null;
            int end;
            if (rest.StartsWith('['))
            {
                if (!TryTakeLiteral("group", rest, 0, out group, out end))
                {
                    return false;
                }
            }
            else
            {
                end = rest.AsSpan().IndexOfAny('@', ':');
                end = end < 0 ? rest.Length : end;
                group = rest[..end];
            }

            if (end < rest.Length && rest[end] == '@')
            {
                var start = end + 1;
                if (start < rest.Length && rest[start] == '[')
                {
                    if (!TryTakeLiteral("instantiation", rest, start, out var literal, out end))
                    {
                        return false;
                    }

                    instantiation = literal;
                }
                else
                {
                    end = rest.IndexOf(':', start);
                    end = end < 0 ? rest.Length : end;
                    instantiation = rest[start..end];
                }
            }

            if (end == rest.Length)
            {
                return true;
            }

            if (rest[end] != ':')
            {
                return Fail($"'{rest[end..]}' after '{rest[..end]}' in '{_shown}' is neither a port (:port) nor credentials (/alg;value)");
            }

            port = rest[(end + 1)..];

            // "ham:ip:ff15::1:5000" splits into group "ff15" and port ":1:5000"; say what went wrong.
            var beforePort = instantiation ?? group;
            var mayBeAddress = instantiation is not null || ns == GroupNamespace.Ip;
            if (mayBeAddress && !beforePort.StartsWith('[')
                && IPAddress.TryParse($"{beforePort}:{port}", out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                return Fail(instantiation is null
                    ? $"group '{beforePort}:{port}' in '{_shown}' looks like an IPv6 address, which a name writes in brackets, as in ham:ip:[ff15::1]:5000"
                    : $"instantiation '{beforePort}:{port}' in '{_shown}' looks like an IPv6 address, which a name writes in brackets, as in ham:ip:[ff3e::1]@[2001:db8::7]:5000");
            }

            return true;
        }

        private bool TryTakeLiteral(string part, string rest, int start, out string literal, out int end)
        {
            literal = string.Empty;
            end = rest.IndexOf(']', start) + 1;
            if (end == 0)
            {
                return Fail($"{part} '{rest[start..]}' in '{_shown}' opens an IP literal with '[' but does not close it with ']'");
            }

            literal = rest[start..end];
            return true;
        }

        private bool TryIpGroup(string groupText, [NotNullWhen(true)] out IPAddress? address)
        {
            if (groupText.StartsWith('['))
            {
                if (!IPLiteral.TryParseBracketedIPv6(groupText, out address, out var problem))
                {
                    return Fail($"group '{groupText}' in '{_shown}' {problem}");
                }

                if (!IPLiteral.IsMulticast(address))
                {
                    return Fail($"group '{groupText}' in '{_shown}' is not an IPv6 multicast address (ff00::/8)");
                }

                var scope = IPLiteral.IPv6MulticastScope(address);
                return scope is not (0x0 or 0xF)
                    || Fail(string.Create(CultureInfo.InvariantCulture, $"group '{groupText}' in '{_shown}' has multicast scope {scope:x}, which RFC 7346 reserves"));
            }

            if (!IPLiteral.TryParseIPv4(groupText, out address))
            {
                return Fail($"group '{groupText}' in '{_shown}' is not an IPv4 address in dotted decimal (a.b.c.d, no leading zeros) nor an IPv6 address in brackets");
            }

            return IPLiteral.IsMulticast(address)
                || Fail($"group '{groupText}' in '{_shown}' is not an IPv4 multicast address (224.0.0.0/4)");
        }

        private bool TrySource(string text, IPAddress group, [NotNullWhen(true)] out IPAddress? source)
        {
            if (text.Length == 0)
            {
                source = null;
                return Fail($"instantiation in '{_shown}' is empty after '@'");
            }

            if (text.StartsWith('['))
            {
                if (!IPLiteral.TryParseBracketedIPv6(text, out source, out var problem))
                {
                    return Fail($"instantiation '{text}' in '{_shown}' {problem}");
                }
            }
            else if (!IPLiteral.TryParseIPv4(text, out source))
            {
                return Fail($"instantiation '{text}' in '{_shown}' is not an IPv4 address in dotted decimal nor an IPv6 address in brackets: in the ip namespace it is the source of a source-specific group");
            }

            if (source.AddressFamily != group.AddressFamily)
            {
                return Fail($"instantiation '{text}' in '{_shown}' is an {FamilyOf(source)} source for an {FamilyOf(group)} group; a source must be of the group's family");
            }

            return IPLiteral.IsUnicastSource(source, out var reason)
                || Fail($"instantiation '{text}' in '{_shown}' is not a unicast source address: {reason}");
        }

        private bool TryNamedGroup(string ns, string text, out string group)
        {
            group = text;
            if (text == "*")
            {
                return Fail($"group '*' in '{_shown}' is RFC 7046's wildcard for any group, which cannot be joined or sent to: name one group");
            }

            if (text.StartsWith('['))
            {
                return Fail($"group '{text}' in '{_shown}' is an IP literal, which only the ip namespace takes as a group");
            }

            if (!CheckUnreserved("group", text))
            {
                return false;
            }

            if (ns == GroupNamespace.SmartGrid)
            {
                if (text.StartsWith('.') || text.EndsWith('.') || text.Contains("..", StringComparison.Ordinal))
                {
                    return Fail($"group '{text}' in '{_shown}' has an empty label: an sg name is labels separated by single dots, as in ami.tariff.rtp");
                }

                group = text.ToLowerInvariant();
            }

            return true;
        }

        private bool TryNamedInstantiation(string ns, string text, out string? instantiation)
        {
            instantiation = null;
            if (text.Length == 0)
            {
                return Fail($"instantiation in '{_shown}' is empty after '@'");
            }

            if (text.StartsWith('['))
            {
                if (!IPLiteral.TryParseBracketedIPv6(text, out var address, out var problem))
                {
                    return Fail($"instantiation '{text}' in '{_shown}' {problem}");
                }

                instantiation = IPLiteral.Format(address);
                return true;
            }

            if (!CheckUnreserved("instantiation", text))
            {
                return false;
            }

            instantiation = ns == GroupNamespace.SmartGrid ? text.ToLowerInvariant() : text;
            return true;
        }

        private bool TryPort(string text, out int port)
        {
            port = 0;
            return (text.Length > 0
                    && !text.AsSpan().ContainsAnyExceptInRange('0', '9')
                    && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port)
                    && port is >= 1 and <= 65535)
                || Fail($"port '{text}' in '{_shown}' is not a number from 1 to 65535");
        }

        /// <summary>Checks <c>alg ";" value</c> without ever putting either into the error.</summary>
        private bool CheckCredentials(string credentials)
        {
            var separator = credentials.IndexOf(';', StringComparison.Ordinal);
            if (separator <= 0 || separator == credentials.Length - 1)
            {
                return Fail($"sec-credentials in '{_shown}' are not of the form alg;value");
            }

            for (var i = 0; i < credentials.Length; i++)
            {
                if (i != separator && !IsUnreserved(credentials[i]))
                {
                    return Fail($"sec-credentials in '{_shown}' hold {Describe(credentials[i])}, which they may not: alg and value are made of {UnreservedText}");
                }
            }

            return true;
        }

        private bool CheckUnreserved(string part, string value)
        {
            foreach (var c in value)
            {
                if (!IsUnreserved(c))
                {
                    return Fail($"{part} '{value}' in '{_shown}' holds {Describe(c)}, which {(part == "group" ? "a group" : "an instantiation")} may not hold: use {UnreservedText}");
                }
            }

            return true;
        }

        private bool Fail(string error)
        {
            Error ??= error;
            return false;
        }

        private static string FamilyOf(IPAddress address)
            => address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

        private static string Describe(char c)
            => char.IsControl(c) || char.IsSurrogate(c) || (char.IsWhiteSpace(c) && c != ' ')
                ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
                : string.Create(CultureInfo.InvariantCulture, $"'{c}' (U+{(int)c:X4})");

        private static string Redact(string text)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var from = colon >= 0 && text.AsSpan(colon).StartsWith("://", StringComparison.Ordinal) ? colon + 3 : 0;
            var slash = text.IndexOf('/', from);
            return slash < 0 ? text : string.Concat(text.AsSpan(0, slash + 1), "***");
        }
    }
}
