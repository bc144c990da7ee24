using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Client.Model;

/// <summary>
/// Builds a logical device's model from what MMS says about it (IEC 61850-8-1 §8.1.3): the names of
/// its variables (<c>LN</c>, <c>LN$FC</c>, <c>LN$FC$DO</c>, <c>LN$FC$DO$DA</c>, ...) and, when known,
/// each logical node's type (a structure of FCs, each a structure of data objects).
/// </summary>
public static class ModelBuilder
{
    /// <summary>The logical nodes of <paramref name="domain"/> from its variable names, in the server's order.</summary>
    public static IReadOnlyList<LogicalNode> FromNames(string domain, IEnumerable<string> variableNames)
    {
        ArgumentNullException.ThrowIfNull(variableNames);
        var nodes = new List<Node>();
        foreach (var name in variableNames)
        {
            var parts = name.Split('$');
            var node = Find(nodes, parts[0]);
            for (var i = 1; i < parts.Length; i++)
            {
                node = Find(node.Children, parts[i]);
            }
        }

        return nodes.Select(n => ToLogicalNode(domain, n)).ToList();
    }

    /// <summary>A logical node from its MMS type (what GetVariableAccessAttributes returns for <c>LN</c>).</summary>
    public static LogicalNode FromType(string domain, string logicalNode, MmsTypeSpecification type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return ToLogicalNode(domain, FromTypeNode(logicalNode, type));
    }

    private static Node FromTypeNode(string name, MmsTypeSpecification type)
    {
        var node = new Node(name) { Type = type };
        if (type is MmsStructureType structure)
        {
            foreach (var component in structure.Components)
            {
                node.Children.Add(FromTypeNode(component.Name ?? string.Empty, component.Type));
            }
        }

        return node;
    }

    private static LogicalNode ToLogicalNode(string domain, Node ln)
    {
        var reference = new ObjectReference(domain, ln.Name);
        var objects = new List<(string Name, List<DataAttributeNode> Attributes)>();
        var controlBlocks = new List<ReportControlBlockInfo>();
        foreach (var fcNode in ln.Children)
        {
            if (!Enum.TryParse<FunctionalConstraint>(fcNode.Name, out var fc) || fcNode.Name.Length != 2)
            {
                continue; // not an FC: IEC 61850-8-1 puts nothing else at this level
            }

            foreach (var child in fcNode.Children)
            {
                if (fc is FunctionalConstraint.RP or FunctionalConstraint.BR)
                {
                    controlBlocks.Add(new ReportControlBlockInfo(child.Name, new ObjectReference(domain, ln.Name, [child.Name], fc), fc == FunctionalConstraint.BR));
                    continue;
                }

                var entry = objects.FindIndex(o => o.Name == child.Name);
                if (entry < 0)
                {
                    objects.Add((child.Name, []));
                    entry = objects.Count - 1;
                }

                var doReference = new ObjectReference(domain, ln.Name, [child.Name], fc);
                objects[entry].Attributes.AddRange(child.Children.Select(a => ToAttribute(doReference, a, fc)));
            }
        }

        return new LogicalNode(
            ln.Name,
            reference,
            objects.Select(o => new DataObject(o.Name, new ObjectReference(domain, ln.Name, [o.Name]), o.Attributes)).ToList(),
            controlBlocks);
    }

    private static DataAttributeNode ToAttribute(ObjectReference parent, Node node, FunctionalConstraint fc)
    {
        var reference = parent.Child(node.Name);
        return new DataAttributeNode(node.Name, reference, fc, node.Type, node.Children.Select(c => ToAttribute(reference, c, fc)).ToList());
    }

    private static Node Find(List<Node> nodes, string name)
    {
        var node = nodes.Find(n => n.Name == name);
        if (node is null)
        {
            node = new Node(name);
            nodes.Add(node);
        }

        return node;
    }

    private sealed class Node(string name)
    {
        public string Name { get; } = name;

        public List<Node> Children { get; } = [];

        public MmsTypeSpecification? Type { get; init; }
    }
}
