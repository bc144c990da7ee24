using System.Diagnostics.CodeAnalysis;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Client;

/// <summary>IEC 61850-7-2 functional constraints, the middle component of an MMS item name (IEC 61850-8-1 §8.1.3.3).</summary>
public enum FunctionalConstraint
{
    /// <summary>Status information.</summary>
    ST,

    /// <summary>Measurands (analogue values).</summary>
    MX,

    /// <summary>Setpoints.</summary>
    SP,

    /// <summary>Substitution.</summary>
    SV,

    /// <summary>Configuration.</summary>
    CF,

    /// <summary>Description.</summary>
    DC,

    /// <summary>Setting group.</summary>
    SG,

    /// <summary>Setting group editable.</summary>
    SE,

    /// <summary>Service response.</summary>
    SR,

    /// <summary>Operate received.</summary>
    OR,

    /// <summary>Blocking.</summary>
    BL,

    /// <summary>Extended definition (naming).</summary>
    EX,

    /// <summary>Control.</summary>
    CO,

    /// <summary>Unicast sampled value control block.</summary>
    US,

    /// <summary>Multicast sampled value control block.</summary>
    MS,

    /// <summary>Unbuffered report control block.</summary>
    RP,

    /// <summary>Buffered report control block.</summary>
    BR,

    /// <summary>Log control block.</summary>
    LG,

    /// <summary>GOOSE control block.</summary>
    GO,

    /// <summary>GSSE control block.</summary>
    GS,

    /// <summary>Setting group control block (SGCB), edition 2.</summary>
    SC,
}

/// <summary>
/// An IEC 61850 object reference, <c>LD/LN.DO.DA</c> with an optional functional constraint
/// (<c>LD/LN.DO.DA[FC]</c>), and its IEC 61850-8-1 mapping to an MMS name: domain <c>LD</c>,
/// item <c>LN$FC$DO$DA</c>. A data set is <c>LD/LN.Name</c> (item <c>LN$Name</c>, no FC).
/// </summary>
/// <remarks>Array elements (<c>DO(1)</c>) need MMS alternate access and are not supported.</remarks>
public sealed class ObjectReference : IEquatable<ObjectReference>
{
    /// <summary>The longest logical device name (IEC 61850-7-2 ed2: 64).</summary>
    public const int MaxLogicalDeviceLength = 64;

    private readonly string[] _names;

    /// <summary>A reference to <paramref name="names"/> in logical node <paramref name="logicalNode"/> of <paramref name="logicalDevice"/>.</summary>
    public ObjectReference(string logicalDevice, string logicalNode, IEnumerable<string>? names = null, FunctionalConstraint? fc = null)
    {
        LogicalDevice = Check(logicalDevice, "logical device", MaxLogicalDeviceLength, allowEmpty: false);
        LogicalNode = Check(logicalNode, "logical node", 64, allowEmpty: false);
        _names = (names ?? []).Select(n => Check(n, "name", 64, allowEmpty: false)).ToArray();
        Fc = fc;
    }

    /// <summary>The logical device (the MMS domain).</summary>
    public string LogicalDevice { get; }

    /// <summary>The logical node.</summary>
    public string LogicalNode { get; }

    /// <summary>The names below the logical node: data object, sub data objects, data attribute, sub attributes.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The functional constraint, when given.</summary>
    public FunctionalConstraint? Fc { get; }

    /// <summary>The last name (the logical node for a node reference).</summary>
    public string Leaf => _names.Length == 0 ? LogicalNode : _names[^1];

    /// <summary>Parses <c>LD/LN[.DO[.DA...]][[FC]]</c>.</summary>
    /// <exception cref="FormatException">The text is not a reference; the message says what is wrong.</exception>
    public static ObjectReference Parse(string text)
        => TryParse(text, out var reference, out var error) ? reference : throw new FormatException(error);

    /// <summary>Parses <c>LD/LN[.DO[.DA...]][[FC]]</c>; false with the reason when it is not one.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ObjectReference? reference, out string error)
    {
        reference = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an object reference is LD/LN.DO.DA, optionally with [FC]: it is empty";
            return false;
        }

        FunctionalConstraint? fc = null;
        var body = text.Trim();
        if (body.EndsWith(']'))
        {
            var open = body.LastIndexOf('[');
            if (open < 0 || !Enum.TryParse<FunctionalConstraint>(body[(open + 1)..^1], ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed))
            {
                error = $"'{text}': the functional constraint in [..] is not one of {string.Join(", ", Enum.GetNames<FunctionalConstraint>())}";
                return false;
            }

            fc = parsed;
            body = body[..open];
        }

        var slash = body.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == body.Length - 1)
        {
            error = $"'{text}': an object reference is LD/LN.DO.DA: the '/' between the logical device and the logical node is missing";
            return false;
        }

        var parts = body[(slash + 1)..].Split('.');
        try
        {
            reference = new ObjectReference(body[..slash], parts[0], parts[1..], fc);
            return true;
        }
        catch (ArgumentException e)
        {
            error = $"'{text}': {e.Message}";
            return false;
        }
    }

    /// <summary>
    /// The reference an MMS name stands for: domain-specific <c>LN$FC$DO$DA</c> gives
    /// <c>LD/LN.DO.DA[FC]</c>; <c>LN$Name</c> without an FC (a data set) gives <c>LD/LN.Name</c>.
    /// </summary>
    /// <exception cref="FormatException">The name is not domain-specific, or is empty between its '$'.</exception>
    public static ObjectReference FromMmsName(ObjectName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Scope != ObjectScope.DomainSpecific || name.DomainId is null)
        {
            throw new FormatException($"'{name}' is not domain-specific: IEC 61850 references live in a logical device");
        }

        return FromItem(name.DomainId, name.ItemId);
    }

    /// <summary>The reference of MMS item <paramref name="itemId"/> in domain <paramref name="domainId"/> (see <see cref="FromMmsName"/>).</summary>
    public static ObjectReference FromItem(string domainId, string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        var parts = itemId.Split('$');
        if (parts.Length >= 2 && Enum.TryParse<FunctionalConstraint>(parts[1], out var fc) && parts[1].Length == 2 && parts[1].All(char.IsAsciiLetterUpper))
        {
            return new ObjectReference(domainId, parts[0], parts[2..], fc);
        }

        return new ObjectReference(domainId, parts[0], parts[1..]);
    }

    /// <summary>
    /// Parses a data set reference, in the IEC 61850 form <c>LD/LN.Name</c> or the MMS form of a
    /// DatSet value <c>LD/LN$Name</c>.
    /// </summary>
    public static ObjectReference ParseDataSet(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && text.Contains('$', StringComparison.Ordinal)
            ? FromItem(text[..slash], text[(slash + 1)..])
            : Parse(text);
    }

    /// <summary>This reference with functional constraint <paramref name="fc"/>.</summary>
    public ObjectReference WithFc(FunctionalConstraint fc) => new(LogicalDevice, LogicalNode, _names, fc);

    /// <summary>The reference to <paramref name="name"/> below this one (same FC).</summary>
    public ObjectReference Child(string name) => new(LogicalDevice, LogicalNode, [.. _names, name], Fc);

    /// <summary>The reference one level up (same FC); the logical node has no parent.</summary>
    public ObjectReference Parent()
        => _names.Length == 0 ? throw new InvalidOperationException($"{this} is a logical node; it has no parent in the logical device") : new(LogicalDevice, LogicalNode, _names[..^1], Fc);

    /// <summary>
    /// The MMS name: domain <c>LD</c>, item <c>LN$FC$DO$DA</c>; without an FC, <c>LN$DO$DA</c>
    /// (which names a data set or a logical node, never a data attribute).
    /// </summary>
    public ObjectName ToMmsName()
        => ObjectName.Domain(LogicalDevice, ToItemId());

    /// <summary>The MMS item id (see <see cref="ToMmsName"/>).</summary>
    public string ToItemId()
    {
        var parts = new List<string>(_names.Length + 2) { LogicalNode };
        if (Fc is { } fc)
        {
            parts.Add(fc.ToString());
        }

        parts.AddRange(_names);
        return string.Join('$', parts);
    }

    /// <summary><c>LD/LN.DO.DA[FC]</c>.</summary>
    public override string ToString()
    {
        var path = LogicalDevice + "/" + string.Join('.', [LogicalNode, .. _names]);
        return Fc is { } fc ? $"{path}[{fc}]" : path;
    }

    /// <inheritdoc/>
    public bool Equals(ObjectReference? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ObjectReference);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static string Check(string value, string what, int maxLength, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        if ((!allowEmpty && value.Length == 0) || value.Length > maxLength)
        {
            throw new ArgumentException($"a {what} name has 1 to {maxLength} characters, '{value}' has {value.Length}", what);
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                throw new ArgumentException($"the {what} name '{value}' holds '{c}': names have letters, digits, '_' and '-'", what);
            }
        }

        return value;
    }
}
