namespace Bridge.Adapters.Iec61850.Mms.Pdu;

/// <summary>The scope of an MMS object name.</summary>
public enum ObjectScope
{
    /// <summary>vmd-specific [0]: named in the whole server (the <c>RPT</c> of reports, <c>LastApplError</c>).</summary>
    VmdSpecific = 0,

    /// <summary>domain-specific [1]: named inside a domain (an IEC 61850 logical device).</summary>
    DomainSpecific = 1,

    /// <summary>aa-specific [2]: named inside this association.</summary>
    AaSpecific = 2,
}

/// <summary>An MMS ObjectName (ISO 9506-2 §14.1): a scope, for domain-specific names the domain, and the item.</summary>
public sealed record ObjectName(ObjectScope Scope, string? DomainId, string ItemId)
{
    /// <summary>A vmd-specific name.</summary>
    public static ObjectName Vmd(string itemId) => new(ObjectScope.VmdSpecific, null, itemId);

    /// <summary>A domain-specific name.</summary>
    public static ObjectName Domain(string domainId, string itemId) => new(ObjectScope.DomainSpecific, domainId, itemId);

    /// <summary>An association-specific name.</summary>
    public static ObjectName Association(string itemId) => new(ObjectScope.AaSpecific, null, itemId);

    /// <summary><c>domain/item</c>, or the item alone when not domain-specific (the form of IEC 61850-8-1 DatSet values).</summary>
    public override string ToString() => DomainId is null ? ItemId : DomainId + "/" + ItemId;
}

/// <summary>A variable of a listOfVariable: its name and, rarely, an alternate access (kept encoded).</summary>
/// <param name="Name">The variable's name (the only VariableSpecification alternative IEC 61850 uses).</param>
/// <param name="AlternateAccess">The contents of alternateAccess [5], as received.</param>
public sealed record VariableSpecification(ObjectName Name, byte[]? AlternateAccess = null);

/// <summary>What a Read, Write or InformationReport is about (VariableAccessSpecification).</summary>
public abstract record VariableAccessSpecification;

/// <summary>listOfVariable [0]: the variables, each by name.</summary>
public sealed record VariableList(IReadOnlyList<VariableSpecification> Variables) : VariableAccessSpecification
{
    /// <summary>A list of the named variables.</summary>
    public static VariableList Of(params ObjectName[] names) => new(names.Select(n => new VariableSpecification(n)).ToArray());

    /// <inheritdoc/>
    public bool Equals(VariableList? other) => other is not null && Variables.SequenceEqual(other.Variables, VariableComparer.Instance);

    /// <inheritdoc/>
    public override int GetHashCode() => Variables.Count;

    private sealed class VariableComparer : IEqualityComparer<VariableSpecification>
    {
        public static readonly VariableComparer Instance = new();

        public bool Equals(VariableSpecification? x, VariableSpecification? y)
            => x is not null && y is not null && x.Name == y.Name
               && (x.AlternateAccess ?? []).AsSpan().SequenceEqual(y.AlternateAccess ?? []);

        public int GetHashCode(VariableSpecification obj) => obj.Name.GetHashCode();
    }
}

/// <summary>variableListName [1]: a named variable list (an IEC 61850 data set).</summary>
public sealed record NamedVariableList(ObjectName ListName) : VariableAccessSpecification;
