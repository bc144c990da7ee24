using Bridge.Multicast.Naming;

namespace Bridge.Core.Mapping;

/// <summary>
/// A loop through a broker: <paramref name="Publisher"/> publishes messages of <paramref name="From"/>
/// at <paramref name="Address"/>, and <paramref name="Reader"/> takes that address from the same
/// broker into <paramref name="To"/>.
/// </summary>
/// <param name="Publisher">The rule whose from-group direction publishes at the address.</param>
/// <param name="Reader">The rule whose to-group direction reads it back.</param>
/// <param name="From">The group the publisher carries.</param>
/// <param name="Address">The address it publishes at, in its kind's terms.</param>
/// <param name="To">The group the reader sends the address to.</param>
public sealed record MappingLoop(MappingRule Publisher, MappingRule Reader, GroupName From, object Address, GroupName To)
{
    /// <summary>The address as the node file writes addresses of its kind (a topic, a routing key).</summary>
    public string ShownAddress => Publisher.Endpoint.Show(Address);
}

/// <summary>
/// Finds rule sets that form a loop through the broker. The adapters never take back their own
/// publications (MQTT No Local, the embedded broker skipping its own injections, the AMQP
/// bridge header), so a <c>both</c> rule that publishes a group's message at an address and reads
/// that address into the same group is no loop. What they cannot stop is a second bridge on the
/// same broker, or a second rule of this one, carrying the publication on: a from-group
/// publication of group G at address T is a loop when a to-group endpoint of another rule of the
/// same adapter kind matches T (whatever group it maps to: one rule per topic and group pair, written as
/// <c>both</c>, says the same without ambiguity), or when the same rule's to-group direction maps
/// T to a group other than G (G would be relayed into that group and, with the same file on the
/// next bridge, back).
/// </summary>
public static class MappingLoops
{
    /// <summary>The loops of <paramref name="rules"/>, at most one per ordered pair of rules.</summary>
    public static IReadOnlyList<MappingLoop> Find(IReadOnlyList<MappingRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var loops = new List<MappingLoop>();
        foreach (var publisher in rules.Where(r => r.IsFromGroup))
        {
            foreach (var reader in rules.Where(r => r.IsToGroup && r.Kind == publisher.Kind))
            {
                if (FirstLoop(publisher, reader) is { } loop)
                {
                    loops.Add(loop);
                }
            }
        }

        return loops;
    }

    private static MappingLoop? FirstLoop(MappingRule publisher, MappingRule reader)
    {
        foreach (var (group, address, _) in publisher.Pairs())
        {
            foreach (var to in reader.GroupsForAny(address))
            {
                if (!ReferenceEquals(publisher, reader) || to != group)
                {
                    return new MappingLoop(publisher, reader, group, address, to);
                }
            }
        }

        return null;
    }
}
