using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Mms.Data;

/// <summary>
/// An MMS TypeSpecification (ISO 9506-2 §14.1.1), as GetVariableAccessAttributes returns it: the
/// type of a variable, which IEC 61850-8-1 uses to describe a logical node's data objects.
/// </summary>
public abstract record MmsTypeSpecification;

/// <summary>One component of a structure type.</summary>
/// <param name="Type">The component's type.</param>
/// <param name="Name">The component name (an FC, a data object, a data attribute); optional in MMS, always given by IEC 61850 servers.</param>
public sealed record MmsComponent(string? Name, MmsTypeSpecification Type);

/// <summary>structure [2].</summary>
/// <param name="Components">[1] the components, in order.</param>
/// <param name="Packed">[0], omitted when false.</param>
public sealed record MmsStructureType(IReadOnlyList<MmsComponent> Components, bool Packed = false) : MmsTypeSpecification
{
    /// <inheritdoc/>
    public bool Equals(MmsStructureType? other) => other is not null && Packed == other.Packed && Components.SequenceEqual(other.Components);

    /// <inheritdoc/>
    public override int GetHashCode() => Components.Count;
}

/// <summary>array [1].</summary>
public sealed record MmsArrayType(uint NumberOfElements, MmsTypeSpecification ElementType, bool Packed = false) : MmsTypeSpecification;

/// <summary>boolean [3].</summary>
public sealed record MmsBooleanType : MmsTypeSpecification;

/// <summary>bit-string [4]: the size in bits, negative for variable length up to its absolute value.</summary>
public sealed record MmsBitStringType(int Size) : MmsTypeSpecification;

/// <summary>integer [5]: the size in bits.</summary>
public sealed record MmsIntegerType(int Bits) : MmsTypeSpecification;

/// <summary>unsigned [6]: the size in bits.</summary>
public sealed record MmsUnsignedType(int Bits) : MmsTypeSpecification;

/// <summary>floating-point [7]: format width (32 or 64) and exponent width (8 or 11).</summary>
public sealed record MmsFloatingPointType(int FormatWidth, int ExponentWidth) : MmsTypeSpecification;

/// <summary>octet-string [9]: the size, negative for variable length.</summary>
public sealed record MmsOctetStringType(int Size) : MmsTypeSpecification;

/// <summary>visible-string [10]: the size, negative for variable length.</summary>
public sealed record MmsVisibleStringType(int Size) : MmsTypeSpecification;

/// <summary>generalized-time [11].</summary>
public sealed record MmsGeneralizedTimeType : MmsTypeSpecification;

/// <summary>binary-time [12]: whether the date (6-octet form) is included.</summary>
public sealed record MmsBinaryTimeType(bool IncludesDate) : MmsTypeSpecification;

/// <summary>bcd [13]: the number of digits.</summary>
public sealed record MmsBcdType(int Digits) : MmsTypeSpecification;

/// <summary>objId [15].</summary>
public sealed record MmsObjectIdentifierType : MmsTypeSpecification;

/// <summary>mMSString [16]: the size, negative for variable length.</summary>
public sealed record MmsStringType(int Size) : MmsTypeSpecification;

/// <summary>utc-time [17].</summary>
public sealed record MmsUtcTimeType : MmsTypeSpecification;

/// <summary>typeName [0]: a reference to a named type.</summary>
public sealed record MmsNamedType(ObjectName Name) : MmsTypeSpecification;
