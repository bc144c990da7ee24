using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Client.Model;

/// <summary>An IED's model as browsing found it: its logical devices.</summary>
public sealed record ServerModel(IReadOnlyList<LogicalDevice> LogicalDevices)
{
    /// <summary>Every data attribute of the model, depth first (leaves and constructed ones).</summary>
    public IEnumerable<DataAttributeNode> AllAttributes()
        => LogicalDevices.SelectMany(d => d.LogicalNodes).SelectMany(n => n.DataObjects).SelectMany(o => o.Attributes).SelectMany(a => a.SelfAndDescendants());
}

/// <summary>A logical device (an MMS domain), its logical nodes and data sets.</summary>
public sealed record LogicalDevice(string Name, IReadOnlyList<LogicalNode> LogicalNodes, IReadOnlyList<DataSet> DataSets);

/// <summary>A logical node, its data objects and report control blocks.</summary>
public sealed record LogicalNode(string Name, ObjectReference Reference, IReadOnlyList<DataObject> DataObjects, IReadOnlyList<ReportControlBlockInfo> ReportControlBlocks);

/// <summary>
/// A data object with its attributes under every functional constraint (in MMS a data object
/// appears once per FC: <c>Mod</c> under ST and under CF). Sub data objects show up as constructed
/// attributes: MMS does not tell the two apart.
/// </summary>
public sealed record DataObject(string Name, ObjectReference Reference, IReadOnlyList<DataAttributeNode> Attributes);

/// <summary>A data attribute: its functional constraint, its MMS type when browsing asked for types, and its components.</summary>
public sealed record DataAttributeNode(string Name, ObjectReference Reference, FunctionalConstraint Fc, MmsTypeSpecification? Type, IReadOnlyList<DataAttributeNode> Components)
{
    /// <summary>This attribute and all below it, depth first.</summary>
    public IEnumerable<DataAttributeNode> SelfAndDescendants() => Components.SelectMany(c => c.SelfAndDescendants()).Prepend(this);
}

/// <summary>A report control block of a logical node (FC RP: unbuffered, BR: buffered).</summary>
public sealed record ReportControlBlockInfo(string Name, ObjectReference Reference, bool Buffered);

/// <summary>A data set (an MMS named variable list) and, when browsing asked, its members.</summary>
public sealed record DataSet(ObjectReference Reference, IReadOnlyList<ObjectReference>? Members);
