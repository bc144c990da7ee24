using System.Diagnostics.CodeAnalysis;
using Bridge.Adapters.Iec61850.Client;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>What a rule does with its reference on the IED.</summary>
public enum Iec61850Action
{
    /// <summary>Enables a report control block; each report goes to the group (to-group).</summary>
    Report,

    /// <summary>Reads a data attribute every period; each value goes to the group (to-group).</summary>
    Poll,

    /// <summary>Writes each group command's value to a data attribute (from-group).</summary>
    Write,

    /// <summary>Operates a controllable data object with each group command's value (from-group).</summary>
    Operate,

    /// <summary>Answers the group's aggregation requests by reading a data attribute (from-group).</summary>
    Read,
}

/// <summary>A concrete IEC 61850 address: an IED of <c>bridge.iec61850.ieds</c> and the reference a rule acts on.</summary>
/// <param name="Ied">The IED's name.</param>
/// <param name="Reference">The reference as <see cref="ObjectReference.ToString"/> writes it (<c>LD0/MMXU1.TotW.mag.f[MX]</c>).</param>
public readonly record struct Iec61850Address(string Ied, string Reference)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Ied} {Reference}";
}

/// <summary>
/// An IEC 61850 rule endpoint, one line of <c>field=value</c> pairs: <c>ied=ied1 report=LD0/LLN0.EventsRCB01[RP]</c>,
/// <c>ied=ied1 poll=LD0/MMXU1.TotW.mag.f[MX] every=5s</c>, <c>ied=ied1 write=LD0/GGIO1.SetPt1.setMag.f fc=SP</c>,
/// <c>ied=ied1 operate=LD0/CSWI1.Pos</c>, <c>ied=ied1 read=LD0/MMXU1.TotW.mag.f[MX]</c>. One IED, one action,
/// one reference; no placeholders, so it names exactly one address. A reference is written
/// <c>LD/LN.DO.DA[FC]</c> or in its MMS form <c>LD/LN$FC$DO$DA</c>; <c>fc=</c> gives the functional
/// constraint when the reference has none.
/// </summary>
public sealed class Iec61850Endpoint : FieldEndpoint<Iec61850Address>
{
    /// <summary>The poll period when <c>every</c> is absent.</summary>
    public static readonly TimeSpan DefaultPollPeriod = TimeSpan.FromSeconds(10);

    private static readonly (string Key, Iec61850Action Action)[] Actions =
    [
        ("report", Iec61850Action.Report),
        ("poll", Iec61850Action.Poll),
        ("write", Iec61850Action.Write),
        ("operate", Iec61850Action.Operate),
        ("read", Iec61850Action.Read),
    ];

    private static readonly string[] Fields = ["ied", "report", "poll", "write", "operate", "read", "fc", "every", "gi"];

    private Iec61850Endpoint(string text, string ied, Iec61850Action action, ObjectReference reference, TimeSpan pollPeriod, bool generalInterrogation)
        : base(text)
    {
        Ied = ied;
        Action = action;
        Reference = reference;
        PollPeriod = pollPeriod;
        GeneralInterrogation = generalInterrogation;
    }

    /// <inheritdoc/>
    public override string Kind => Iec61850AdapterKind.KindName;

    /// <summary>The IED's name in <c>bridge.iec61850.ieds</c>.</summary>
    public string Ied { get; }

    /// <summary>What the rule does.</summary>
    public Iec61850Action Action { get; }

    /// <summary>The reference acted on: a report control block (FC RP or BR), a data attribute with its FC, or a controllable data object (no FC).</summary>
    public ObjectReference Reference { get; }

    /// <summary>How often a <see cref="Iec61850Action.Poll"/> rule reads.</summary>
    public TimeSpan PollPeriod { get; }

    /// <summary>Whether a <see cref="Iec61850Action.Report"/> rule asks for a general interrogation after enabling the block (<c>gi=true</c>, the default).</summary>
    public bool GeneralInterrogation { get; }

    /// <summary>The one address of the endpoint.</summary>
    public Iec61850Address Address => new(Ied, Reference.ToString());

    /// <summary>Whether the rule carries values to its groups (reports, polls) rather than from them.</summary>
    public bool IsToGroup => Action is Iec61850Action.Report or Iec61850Action.Poll;

    /// <summary>The field that names the action (<c>report</c>).</summary>
    public string ActionKey => Actions.First(a => a.Action == Action).Key;

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="reason"/> names the field that is wrong.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Iec61850Endpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        endpoint = null;
        if (!TryReadFields(text, Fields, "ied=ied1 report=LD0/LLN0.EventsRCB01[RP]", "ied, one of report, poll, write, operate, read, and fc, every, gi", out var fields, out reason))
        {
            return false;
        }

        if (!fields.TryGetValue("ied", out var ied) || !ValueSyntax.IsId(ied))
        {
            reason = ied is null
                ? "ied is required: the name of an IED in bridge.iec61850.ieds (ied=ied1)"
                : $"ied '{ied}' must be 1 to {ValueSyntax.MaxIdLength} characters of A-Z a-z 0-9 . _ -";
            return false;
        }

        var given = Actions.Where(a => fields.ContainsKey(a.Key)).ToList();
        if (given.Count != 1)
        {
            reason = given.Count == 0
                ? "give one of report, poll, write, operate or read with a reference (report=LD0/LLN0.EventsRCB01[RP])"
                : $"give one of report, poll, write, operate or read, not {string.Join(" and ", given.Select(g => g.Key))}";
            return false;
        }

        var (actionKey, action) = given[0];
        if (!TryReference(fields[actionKey], fields.GetValueOrDefault("fc"), out var reference, out var problem))
        {
            reason = $"{actionKey} {problem}";
            return false;
        }

        if (!TryCheckReference(action, reference, out reason))
        {
            reason = $"{actionKey} '{fields[actionKey]}' {reason}";
            return false;
        }

        var period = DefaultPollPeriod;
        if (fields.TryGetValue("every", out var everyText))
        {
            if (action != Iec61850Action.Poll)
            {
                reason = "every applies to poll";
                return false;
            }

            if (!ValueSyntax.TryParseDuration(everyText, out period) || period < TimeSpan.FromMilliseconds(100))
            {
                reason = $"every '{everyText}' must be a duration of at least 100ms (5s, 1m)";
                return false;
            }
        }

        var gi = true;
        if (fields.TryGetValue("gi", out var giText))
        {
            if (action != Iec61850Action.Report)
            {
                reason = "gi applies to report";
                return false;
            }

            if (giText is not ("true" or "false"))
            {
                reason = $"gi '{giText}' must be true or false";
                return false;
            }

            gi = giText == "true";
        }

        endpoint = new Iec61850Endpoint(text, ied, action, reference, period, gi);
        reason = null;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryMatch(Iec61850Address address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        bindings = address == Address ? new Dictionary<string, string>() : null;
        return bindings is not null;
    }

    /// <inheritdoc/>
    public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out Iec61850Address address, [NotNullWhen(false)] out string? reason)
    {
        address = Address;
        reason = null;
        return true;
    }

    /// <inheritdoc/>
    public override string Show(Iec61850Address address) => $"IED {address.Ied} {ActionKey} {address.Reference}";

    // A reference is LD/LN.DO.DA[FC], or the MMS form LD/LN$FC$DO$DA that IED tools and SCL show.
    private static bool TryReference(string text, string? fcText, [NotNullWhen(true)] out ObjectReference? reference, [NotNullWhen(false)] out string? reason)
    {
        reference = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && text.Contains('$', StringComparison.Ordinal))
        {
            try
            {
                reference = ObjectReference.FromItem(text[..slash], text[(slash + 1)..]);
            }
            catch (ArgumentException e)
            {
                reason = $"'{text}': {e.Message}";
                return false;
            }
        }
        else if (!ObjectReference.TryParse(text, out reference, out var error))
        {
            reason = error;
            return false;
        }

        if (fcText is not null)
        {
            if (reference.Fc is not null)
            {
                reason = $"'{text}' has its functional constraint already; leave out fc={fcText}";
                reference = null;
                return false;
            }

            if (fcText.Length != 2 || !Enum.TryParse<FunctionalConstraint>(fcText, ignoreCase: false, out var fc) || !Enum.IsDefined(fc))
            {
                reason = $"'{text}': fc '{fcText}' is not one of {string.Join(", ", Enum.GetNames<FunctionalConstraint>())}";
                reference = null;
                return false;
            }

            reference = reference.WithFc(fc);
        }

        reason = null;
        return true;
    }

    private static bool TryCheckReference(Iec61850Action action, ObjectReference reference, [NotNullWhen(false)] out string? reason)
    {
        reason = action switch
        {
            Iec61850Action.Report when reference.Fc is not (FunctionalConstraint.RP or FunctionalConstraint.BR) || reference.Names.Count != 1
                => "must name a report control block with FC RP (unbuffered) or BR (buffered): LD/LN.Name[RP]",
            Iec61850Action.Operate when reference.Fc is not (null or FunctionalConstraint.CO) || reference.Names.Count == 0
                => "must name a controllable data object: LD/LN.DO (its Oper is written with FC CO)",
            Iec61850Action.Poll or Iec61850Action.Write or Iec61850Action.Read when reference.Fc is null
                => "needs a functional constraint: write LD/LN.DO.DA[FC] or add fc=MX (ST, SP, CF...)",
            Iec61850Action.Poll or Iec61850Action.Write or Iec61850Action.Read when reference.Names.Count == 0
                => "must name a data object or attribute below the logical node",
            _ => null,
        };
        return reason is null;
    }
}
