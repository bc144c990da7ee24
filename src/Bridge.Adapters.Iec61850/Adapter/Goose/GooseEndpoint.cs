using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>
/// A concrete GOOSE address: what a captured frame is selected by, and how a re-emitted one is
/// framed. A captured frame's address has the frame's APPID, destination and gocbRef and no tag
/// (the kernel strips 802.1Q tags before a packet socket sees them); an emit rule's address has
/// the rule's APPID, destination, tag and, when the rule names one, gocbRef. A received R-GOOSE
/// datagram's address has the payload element's APPID, the APDU's gocbRef, no destination (the
/// zero address: R-GOOSE has no MAC to select by) and <see cref="GooseOutput.RGoose"/>.
/// </summary>
/// <param name="AppId">The APPID.</param>
/// <param name="Destination">The destination MAC address.</param>
/// <param name="GocbRef">The control block; null on an emit address that takes any.</param>
/// <param name="Vlan">The 802.1Q tag a re-emitted frame carries; null for untagged.</param>
/// <param name="Output">The medium: where a re-emitted frame goes, or where a received one came from
/// (<see cref="GooseOutput.Lan"/> for a captured frame, <see cref="GooseOutput.RGoose"/> for an R-GOOSE datagram).</param>
public readonly record struct GooseAddress(ushort AppId, MacAddress Destination, string? GocbRef, VlanTag? Vlan = null, GooseOutput Output = GooseOutput.Lan)
{
    /// <inheritdoc/>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"appid=0x{AppId:x4} {(IsReceivedRGoose ? "in=rgoose" : $"dst={Destination}")}{(GocbRef is null ? string.Empty : $" gocbRef={GocbRef}")}");

    // A received R-GOOSE datagram has no MAC address; an emit address always has a group one.
    private bool IsReceivedRGoose => Output == GooseOutput.RGoose && Destination == default;
}

/// <summary>
/// A GOOSE rule endpoint, one line of <c>field=value</c> pairs. For a <c>to-group</c> rule it
/// selects captured frames: <c>appid=0x1001 gocbRef=IED1LD0/LLN0$GO$gcb1 dst=01-0C-CD-01-00-01</c>,
/// each field optional but at least one given (a field left out selects any); <c>in=rgoose</c>
/// (or <c>both</c>) selects from the R-GOOSE datagrams received at <c>bridge.goose.rgoose.listen</c>
/// instead of (or besides) the LAN, by appid and gocbRef only. For a
/// <c>from-group</c> rule it says how the group's APDUs are framed on this LAN:
/// <c>appid=0x1001 dst=01-0C-CD-01-00-01 priority=4 vlan=0</c> (appid and dst required, as the
/// GSE element of the subscriber's SCL file gives them; priority and vlan add an 802.1Q tag;
/// gocbRef restricts the control blocks re-emitted; <c>out=lan</c>, <c>rgoose</c> or <c>both</c>).
/// No placeholders: one rule is one stream (or family of streams) to its groups.
/// </summary>
public sealed class GooseEndpoint : FieldEndpoint<GooseAddress>
{
    private static readonly string[] Fields = ["appid", "gocbRef", "dst", "priority", "vlan", "out", "in"];

    private GooseEndpoint(string text, bool emits, ushort? appId, string? gocbRef, MacAddress? destination, VlanTag? vlan, GooseOutput output, GooseOutput input = GooseOutput.Lan)
        : base(text)
    {
        Input = input;
        Emits = emits;
        AppId = appId;
        GocbRef = gocbRef;
        Destination = destination;
        Vlan = vlan;
        Output = output;
    }

    /// <inheritdoc/>
    public override string Kind => GooseAdapterKind.KindName;

    /// <inheritdoc/>
    public override bool CanPublish => Emits;

    /// <summary>Whether it was parsed for a from-group rule: it frames (appid and dst given) rather than selects.</summary>
    public bool Emits { get; }

    /// <summary>The APPID selected or written; null selects any.</summary>
    public ushort? AppId { get; }

    /// <summary>The control block selected (capture) or the only one re-emitted (emit); null for any.</summary>
    public string? GocbRef { get; }

    /// <summary>The destination selected or written; null selects any.</summary>
    public MacAddress? Destination { get; }

    /// <summary>The 802.1Q tag of re-emitted frames; null for untagged.</summary>
    public VlanTag? Vlan { get; }

    /// <summary>Where an emit rule sends: the LAN, R-GOOSE, or both.</summary>
    public GooseOutput Output { get; }

    /// <summary>Where a capture rule takes frames from (<c>in=</c>): the LAN, received R-GOOSE, or both; <see cref="GooseOutput.Lan"/> for an emit rule.</summary>
    public GooseOutput Input { get; }

    /// <summary>Parses <paramref name="text"/>; <paramref name="emits"/> for a from-group rule. On failure <paramref name="reason"/> names the field.</summary>
    public static bool TryParse(string text, bool emits, [NotNullWhen(true)] out GooseEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        endpoint = null;
        if (!TryReadFields(text, Fields, "appid=0x1001 gocbRef=IED1LD0/LLN0$GO$gcb1 dst=01-0C-CD-01-00-01", string.Join(", ", Fields), out var fields, out reason))
        {
            return false;
        }

        ushort? appId = null;
        if (fields.TryGetValue("appid", out var appIdText))
        {
            var hex = appIdText.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!ushort.TryParse(hex ? appIdText[2..] : appIdText, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                reason = $"appid '{appIdText}' must be 0 to 65535 (0x0000 to 0xFFFF)";
                return false;
            }

            appId = parsed;
        }

        MacAddress? destination = null;
        if (fields.TryGetValue("dst", out var dstText))
        {
            try
            {
                destination = MacAddress.Parse(dstText);
            }
            catch (FormatException e)
            {
                reason = $"dst: {e.Message}";
                return false;
            }

            if (!destination.Value.IsGroup)
            {
                reason = $"dst '{dstText}' is not a multicast address (GOOSE goes to 01-0C-CD-01-00-00 to 01-0C-CD-01-01-FF)";
                return false;
            }
        }

        var gocbRef = fields.GetValueOrDefault("gocbRef");
        if (gocbRef is { Length: 0 or > 129 } || (gocbRef is not null && gocbRef.Any(c => c is < (char)0x21 or > (char)0x7E)))
        {
            reason = $"gocbRef '{gocbRef}' must be 1 to 129 visible ASCII characters";
            return false;
        }

        if (!emits)
        {
            if (fields.Keys.FirstOrDefault(k => k is "priority" or "vlan" or "out") is { } emitOnly)
            {
                reason = $"{emitOnly} applies to a from-group rule (how frames are re-emitted), not to capture";
                return false;
            }

            if (!TryParseMedium(fields, "in", out var input))
            {
                reason = $"in '{fields["in"]}' must be lan, rgoose or both";
                return false;
            }

            if (input != GooseOutput.Lan && destination is not null)
            {
                // An R-GOOSE datagram carries no MAC address; a dst there would select nothing.
                reason = $"dst selects Ethernet frames: an in={fields["in"]} rule selects R-GOOSE by appid and gocbRef";
                return false;
            }

            if (appId is null && destination is null && gocbRef is null)
            {
                reason = "give appid, gocbRef or dst: a capture rule selects frames by at least one";
                return false;
            }

            endpoint = new GooseEndpoint(text, false, appId, gocbRef, destination, null, GooseOutput.Lan, input);
            reason = null;
            return true;
        }

        if (fields.ContainsKey("in"))
        {
            reason = "in applies to a to-group rule (where frames are captured), not to re-emit: use out";
            return false;
        }

        if (appId is null || destination is null)
        {
            reason = "a from-group rule frames what it re-emits: give appid and dst (as the subscribers' SCL GSE element has them)";
            return false;
        }

        VlanTag? vlan = null;
        if (fields.ContainsKey("priority") || fields.ContainsKey("vlan"))
        {
            byte priority = 4; // the default of IEC 61850-8-1 for GOOSE
            if (fields.TryGetValue("priority", out var priorityText) && (!byte.TryParse(priorityText, NumberStyles.None, CultureInfo.InvariantCulture, out priority) || priority > 7))
            {
                reason = $"priority '{priorityText}' must be 0 to 7";
                return false;
            }

            ushort vlanId = 0;
            if (fields.TryGetValue("vlan", out var vlanText) && (!ushort.TryParse(vlanText, NumberStyles.None, CultureInfo.InvariantCulture, out vlanId) || vlanId > 4094))
            {
                reason = $"vlan '{vlanText}' must be 0 to 4094";
                return false;
            }

            vlan = new VlanTag(priority, false, vlanId);
        }

        if (!TryParseMedium(fields, "out", out var output))
        {
            reason = $"out '{fields["out"]}' must be lan, rgoose or both";
            return false;
        }

        endpoint = new GooseEndpoint(text, true, appId, gocbRef, destination, vlan, output);
        reason = null;
        return true;
    }

    /// <summary>Whether a captured frame of <paramref name="appId"/>, <paramref name="destination"/> and <paramref name="gocbRef"/> is one this endpoint selects.</summary>
    public bool Selects(ushort appId, MacAddress destination, string? gocbRef)
        => (AppId is null || AppId == appId)
            && (Destination is null || Destination == destination)
            && (GocbRef is null || gocbRef is null || string.Equals(GocbRef, gocbRef, StringComparison.Ordinal));

    /// <summary>Whether a frame or datagram received over <paramref name="medium"/> (or an emit address sending there) is one this capture endpoint takes in.</summary>
    public bool TakesFrom(GooseOutput medium)
        => Input == GooseOutput.Both || medium == GooseOutput.Both || Input == medium;

    /// <inheritdoc/>
    /// <remarks>
    /// A null gocbRef in <paramref name="address"/> (an emit address for any control block) is
    /// taken to match: the loop check over rules then errs on the side of a loop. The medium
    /// counts: an <c>out=rgoose</c> address is a loop with an <c>in=rgoose</c> (or <c>both</c>)
    /// capture rule selecting it, an <c>out=lan</c> one with an <c>in=lan</c> (or <c>both</c>) one.
    /// An R-GOOSE capture rule names no dst, so the emit address's destination does not restrict it.
    /// </remarks>
    public override bool TryMatch(GooseAddress address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        bindings = null;
        if (Emits || !TakesFrom(address.Output) || !Selects(address.AppId, address.Destination, address.GocbRef))
        {
            return false;
        }

        bindings = new Dictionary<string, string>();
        return true;
    }

    /// <inheritdoc/>
    public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out GooseAddress address, [NotNullWhen(false)] out string? reason)
    {
        if (!Emits)
        {
            address = default;
            reason = "a capture endpoint selects frames; it names no address to emit at";
            return false;
        }

        address = new GooseAddress(AppId!.Value, Destination!.Value, GocbRef, Vlan, Output);
        reason = null;
        return true;
    }

    /// <inheritdoc/>
    public override string Show(GooseAddress address) => address.ToString();

    private static bool TryParseMedium(Dictionary<string, string> fields, string key, out GooseOutput medium)
    {
        GooseOutput? parsed = fields.GetValueOrDefault(key, "lan") switch
        {
            "lan" => GooseOutput.Lan,
            "rgoose" => GooseOutput.RGoose,
            "both" => GooseOutput.Both,
            _ => null,
        };
        medium = parsed ?? GooseOutput.Lan;
        return parsed is not null;
    }
}

/// <summary>A GOOSE medium: where a from-group rule sends what it re-emits (<c>out=</c>), or where a to-group rule takes frames from (<c>in=</c>).</summary>
public enum GooseOutput
{
    /// <summary>As GOOSE frames on the section's interface.</summary>
    Lan,

    /// <summary>As R-GOOSE datagrams to the section's <c>rgoose.destination</c> (out), or received at its <c>rgoose.listen</c> (in).</summary>
    RGoose,

    /// <summary>Both.</summary>
    Both,
}
