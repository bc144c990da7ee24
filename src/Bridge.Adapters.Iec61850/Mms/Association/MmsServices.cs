using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Association;

/// <summary>
/// The bits of the initiate PDUs' ServiceSupportOptions (85 bits) and ParameterSupportOptions
/// (11 bits) that matter here (ISO 9506-2 §8.2.5 and §8.2.4).
/// </summary>
public static class MmsServices
{
    /// <summary>Service bit numbers.</summary>
    public const int GetNameList = 1, Identify = 2, Read = 4, Write = 5, GetVariableAccessAttributes = 6,
        DefineNamedVariableList = 11, GetNamedVariableListAttributes = 12, DeleteNamedVariableList = 13,
        InformationReport = 79, Conclude = 83, Cancel = 84;

    /// <summary>The length of ServiceSupportOptions.</summary>
    public const int ServiceBits = 85;

    /// <summary>Parameter CBB bit numbers: str1 arrays, str2 structures, vnam named variables, valt alternate access, vlis named variable lists.</summary>
    public const int Str1 = 0, Str2 = 1, Vnam = 2, Valt = 3, Vlis = 7;

    /// <summary>The length of ParameterSupportOptions.</summary>
    public const int ParameterBits = 11;

    /// <summary>The services this client uses or accepts: what it proposes in initiate.</summary>
    public static BitString ClientServices { get; } = BitString.FromBits(ServiceBits, GetNameList, Identify, Read, Write, GetVariableAccessAttributes, GetNamedVariableListAttributes, InformationReport, Conclude);

    /// <summary>The parameter CBBs IEC 61850 needs: arrays, structures, named variables, alternate access, named variable lists.</summary>
    public static BitString ClientParameters { get; } = BitString.FromBits(ParameterBits, Str1, Str2, Vnam, Valt, Vlis);
}
