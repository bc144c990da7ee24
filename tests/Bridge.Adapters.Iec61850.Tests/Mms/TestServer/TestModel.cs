using Bridge.Adapters.Iec61850.Client.Control;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Tests.Mms.TestServer;

/// <summary>One variable of the test server's model: a leaf with a type and value, or a structure of children.</summary>
public sealed class ModelNode(string name, ModelNode? parent)
{
    public string Name { get; } = name;

    public ModelNode? Parent { get; } = parent;

    public List<ModelNode> Children { get; } = [];

    public MmsTypeSpecification? LeafType { get; set; }

    public MmsValue? Value { get; set; }

    public bool Writable { get; set; }

    /// <summary>The MMS item id (<c>LN$FC$DO$DA</c>).</summary>
    public string ItemId => Parent is null ? Name : Parent.ItemId + "$" + Name;

    public MmsTypeSpecification Type => LeafType ?? new MmsStructureType(Children.Select(c => new MmsComponent(c.Name, c.Type)).ToList());

    public MmsValue Read() => LeafType is not null ? Value! : new MmsStructure(Children.Select(c => c.Read()).ToList());

    public IEnumerable<ModelNode> Preorder() => Children.SelectMany(c => c.Preorder()).Prepend(this);

    public ModelNode? Child(string childName) => Children.Find(c => c.Name == childName);
}

/// <summary>A report control block of the test model.</summary>
public sealed record TestControlBlock(string Domain, string LogicalNode, string Name, bool Buffered)
{
    public string ItemId => $"{LogicalNode}${(Buffered ? "BR" : "RP")}${Name}";
}

/// <summary>A controllable data object of the test model.</summary>
public sealed record TestControl(string Domain, string LogicalNode, string DataObject, ControlModel Model)
{
    public string Prefix => $"{LogicalNode}$CO${DataObject}";

    public string StatusItem => $"{LogicalNode}$ST${DataObject}$stVal";
}

/// <summary>A logical device of the test model.</summary>
public sealed class TestLogicalDevice(string name)
{
    public string Name { get; } = name;

    public List<ModelNode> LogicalNodes { get; } = [];

    public SortedDictionary<string, List<ObjectName>> DataSets { get; } = new(StringComparer.Ordinal);

    public ModelNode? Find(string itemId)
    {
        var parts = itemId.Split('$');
        var node = LogicalNodes.Find(n => n.Name == parts[0]);
        for (var i = 1; node is not null && i < parts.Length; i++)
        {
            node = node.Child(parts[i]);
        }

        return node;
    }

    /// <summary>Every variable name, sorted (the order GetNameList answers in).</summary>
    public List<string> SortedNames() => LogicalNodes.SelectMany(n => n.Preorder()).Select(n => n.ItemId).Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// The model a <see cref="TestIedServer"/> serves: logical devices of variables, data sets,
/// report control blocks and controllable objects, built with a few methods. Not thread-safe on
/// its own: the server locks <see cref="Gate"/> around every access.
/// </summary>
public sealed class TestModel
{
    public const string Device = "TestLD";

    public Lock Gate { get; } = new();

    public List<TestLogicalDevice> Devices { get; } = [];

    public List<TestControlBlock> ControlBlocks { get; } = [];

    public List<TestControl> Controls { get; } = [];

    public string Vendor { get; init; } = "GridCast";

    public string ModelName { get; init; } = "test IED";

    public string Revision { get; init; } = "1.0";

    /// <summary>
    /// The sample IED: LLN0 (Mod, Beh, Health, NamPlt; data sets Events and Measurements; an
    /// unbuffered block EventsRCB01, a buffered EventsBRCB01 and MeasRCB01), GGIO1 (an analogue
    /// input, a setpoint, SPCSO1 direct-normal, SPCSO2 sbo-normal, SPCSO3 direct-enhanced, SPCSO4
    /// sbo-enhanced) and MMXU1 (total power).
    /// </summary>
    public static TestModel Sample(DateTimeOffset now)
    {
        var model = new TestModel();
        var t = new MmsUtcTime(UtcTime.FromDateTimeOffset(now));
        model.Leaf(Device, "LLN0$ST$Mod$stVal", new MmsIntegerType(8), new MmsInteger(1));
        model.Quality(Device, "LLN0$ST$Mod$q");
        model.Leaf(Device, "LLN0$ST$Mod$t", new MmsUtcTimeType(), t);
        model.Leaf(Device, "LLN0$ST$Beh$stVal", new MmsIntegerType(8), new MmsInteger(1));
        model.Leaf(Device, "LLN0$ST$Health$stVal", new MmsIntegerType(8), new MmsInteger(1));
        model.Leaf(Device, "LLN0$CF$Mod$ctlModel", new MmsIntegerType(8), new MmsInteger(0), writable: true);
        model.Leaf(Device, "LLN0$DC$NamPlt$vendor", new MmsVisibleStringType(-255), new MmsVisibleString("GridCast"), writable: true);
        model.Leaf(Device, "LLN0$DC$NamPlt$swRev", new MmsVisibleStringType(-255), new MmsVisibleString("1.0"), writable: true);
        model.Leaf(Device, "GGIO1$MX$AnIn1$mag$f", new MmsFloatingPointType(32, 8), new MmsFloat32(12.5f));
        model.Quality(Device, "GGIO1$MX$AnIn1$q");
        model.Leaf(Device, "GGIO1$MX$AnIn1$t", new MmsUtcTimeType(), t);
        model.Leaf(Device, "GGIO1$SP$SetPt1$setMag$f", new MmsFloatingPointType(32, 8), new MmsFloat32(50f), writable: true);
        model.Leaf(Device, "GGIO1$DC$NamPlt$vendor", new MmsVisibleStringType(-255), new MmsVisibleString("GridCast"), writable: true);
        model.Control(Device, "GGIO1", "SPCSO1", ControlModel.DirectNormal, t);
        model.Control(Device, "GGIO1", "SPCSO2", ControlModel.SboNormal, t);
        model.Control(Device, "GGIO1", "SPCSO3", ControlModel.DirectEnhanced, t);
        model.Control(Device, "GGIO1", "SPCSO4", ControlModel.SboEnhanced, t);
        model.Leaf(Device, "MMXU1$MX$TotW$mag$f", new MmsFloatingPointType(32, 8), new MmsFloat32(1000f));
        model.Quality(Device, "MMXU1$MX$TotW$q");
        model.Leaf(Device, "MMXU1$CF$TotW$db", new MmsUnsignedType(32), new MmsUnsigned(100), writable: true);
        model.DataSet(Device, "LLN0$Events", "GGIO1$ST$SPCSO1$stVal", "GGIO1$ST$SPCSO2$stVal", "GGIO1$ST$SPCSO3$stVal", "GGIO1$ST$SPCSO4$stVal");
        model.DataSet(Device, "LLN0$Measurements", "MMXU1$MX$TotW$mag$f", "GGIO1$MX$AnIn1$mag$f", "GGIO1$SP$SetPt1$setMag$f");
        model.ControlBlock(Device, "LLN0", "EventsRCB01", buffered: false, "LLN0$Events", "Events1");
        model.ControlBlock(Device, "LLN0", "EventsBRCB01", buffered: true, "LLN0$Events", "Events2");
        model.ControlBlock(Device, "LLN0", "MeasRCB01", buffered: false, "LLN0$Measurements", "Meas1");
        return model;
    }

    public TestLogicalDevice DeviceNamed(string name) => Devices.Find(d => d.Name == name)
        ?? throw new ArgumentException($"no logical device {name}", nameof(name));

    public ModelNode? Find(ObjectName name)
        => name.DomainId is { } domain ? Devices.Find(d => d.Name == domain)?.Find(name.ItemId) : null;

    /// <summary>Adds (or replaces) a leaf, creating the structures above it.</summary>
    public ModelNode Leaf(string domain, string itemId, MmsTypeSpecification type, MmsValue value, bool writable = false)
    {
        var device = Devices.Find(d => d.Name == domain);
        if (device is null)
        {
            device = new TestLogicalDevice(domain);
            Devices.Add(device);
        }

        var parts = itemId.Split('$');
        var node = device.LogicalNodes.Find(n => n.Name == parts[0]);
        if (node is null)
        {
            node = new ModelNode(parts[0], null);
            device.LogicalNodes.Add(node);
        }

        foreach (var part in parts[1..])
        {
            var child = node.Child(part);
            if (child is null)
            {
                child = new ModelNode(part, node);
                node.Children.Add(child);
            }

            node = child;
        }

        node.LeafType = type;
        node.Value = value;
        node.Writable = writable;
        return node;
    }

    public void DataSet(string domain, string itemId, params string[] members)
        => DeviceNamed(domain).DataSets[itemId] = members.Select(m => ObjectName.Domain(domain, m)).ToList();

    /// <summary>Adds a report control block with its attributes (edition 2 order; BRCB adds PurgeBuf, EntryID, TimeOfEntry, ResvTms).</summary>
    public TestControlBlock ControlBlock(string domain, string logicalNode, string name, bool buffered, string dataSet, string reportId)
    {
        var block = new TestControlBlock(domain, logicalNode, name, buffered);
        var p = block.ItemId + "$";
        Leaf(domain, p + "RptID", new MmsVisibleStringType(-129), new MmsVisibleString(reportId));
        Leaf(domain, p + "RptEna", new MmsBooleanType(), MmsBoolean.False);
        if (!buffered)
        {
            Leaf(domain, p + "Resv", new MmsBooleanType(), MmsBoolean.False);
        }

        Leaf(domain, p + "DatSet", new MmsVisibleStringType(-129), new MmsVisibleString($"{domain}/{dataSet}"));
        Leaf(domain, p + "ConfRev", new MmsUnsignedType(32), new MmsUnsigned(1));
        Leaf(domain, p + "OptFlds", new MmsBitStringType(-10), new MmsBitString(BitString.FromFlags((uint)(ReportOptions.SequenceNumber | ReportOptions.ReportTimestamp | ReportOptions.ReasonForInclusion | ReportOptions.DataSetName | ReportOptions.ConfigurationRevision), 10)));
        Leaf(domain, p + "BufTm", new MmsUnsignedType(32), new MmsUnsigned(0));
        Leaf(domain, p + "SqNum", new MmsUnsignedType(buffered ? 16 : 8), new MmsUnsigned(0));
        Leaf(domain, p + "TrgOps", new MmsBitStringType(-6), new MmsBitString(BitString.FromFlags((uint)(TriggerOptions.DataChange | TriggerOptions.Integrity | TriggerOptions.GeneralInterrogation), 6)));
        Leaf(domain, p + "IntgPd", new MmsUnsignedType(32), new MmsUnsigned(1000));
        Leaf(domain, p + "GI", new MmsBooleanType(), MmsBoolean.False);
        if (buffered)
        {
            Leaf(domain, p + "PurgeBuf", new MmsBooleanType(), MmsBoolean.False);
            Leaf(domain, p + "EntryID", new MmsOctetStringType(8), new MmsOctetString(new byte[8]));
            Leaf(domain, p + "TimeOfEntry", new MmsBinaryTimeType(true), new MmsBinaryTime(new BinaryTime(0, 0)));
            Leaf(domain, p + "ResvTms", new MmsIntegerType(16), new MmsInteger(0));
        }

        ControlBlocks.Add(block);
        return block;
    }

    /// <summary>Adds a single-point controllable object (SPC): stVal, q, t, ctlModel and its CO structures.</summary>
    public TestControl Control(string domain, string logicalNode, string dataObject, ControlModel controlModel, MmsValue time)
    {
        var control = new TestControl(domain, logicalNode, dataObject, controlModel);
        Leaf(domain, $"{logicalNode}$ST${dataObject}$stVal", new MmsBooleanType(), MmsBoolean.False);
        Quality(domain, $"{logicalNode}$ST${dataObject}$q");
        Leaf(domain, $"{logicalNode}$ST${dataObject}$t", new MmsUtcTimeType(), time);
        Leaf(domain, $"{logicalNode}$CF${dataObject}$ctlModel", new MmsIntegerType(8), new MmsInteger((int)controlModel));
        CommandStructure(domain, control.Prefix + "$Oper", withCheck: true);
        if (controlModel == ControlModel.SboNormal)
        {
            Leaf(domain, control.Prefix + "$SBO", new MmsVisibleStringType(-129), new MmsVisibleString(string.Empty));
        }

        if (controlModel == ControlModel.SboEnhanced)
        {
            CommandStructure(domain, control.Prefix + "$SBOw", withCheck: true);
        }

        if (controlModel is ControlModel.SboNormal or ControlModel.SboEnhanced)
        {
            CommandStructure(domain, control.Prefix + "$Cancel", withCheck: false);
        }

        Controls.Add(control);
        return control;
    }

    private void Quality(string domain, string itemId)
        => Leaf(domain, itemId, new MmsBitStringType(-13), new MmsBitString(BitString.FromBits(13)));

    private void CommandStructure(string domain, string prefix, bool withCheck)
    {
        Leaf(domain, prefix + "$ctlVal", new MmsBooleanType(), MmsBoolean.False);
        Leaf(domain, prefix + "$origin$orCat", new MmsIntegerType(8), new MmsInteger(0));
        Leaf(domain, prefix + "$origin$orIdent", new MmsOctetStringType(-64), new MmsOctetString([]));
        Leaf(domain, prefix + "$ctlNum", new MmsUnsignedType(8), new MmsUnsigned(0));
        Leaf(domain, prefix + "$T", new MmsUtcTimeType(), new MmsUtcTime(default));
        Leaf(domain, prefix + "$Test", new MmsBooleanType(), MmsBoolean.False);
        if (withCheck)
        {
            Leaf(domain, prefix + "$Check", new MmsBitStringType(-2), new MmsBitString(BitString.FromBits(2)));
        }
    }
}
