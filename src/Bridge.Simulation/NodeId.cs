namespace Bridge.Simulation;

/// <summary>A node of a <see cref="Simulator"/>, numbered from 0 in the order nodes were added.</summary>
/// <param name="Value">The node's number.</param>
public readonly record struct NodeId(int Value)
{
    /// <inheritdoc/>
    public override string ToString() => "n" + Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A multicast domain of a <see cref="Simulator"/> (a LAN, or one provider's native multicast),
/// numbered from 0 in the order domains were added.
/// </summary>
/// <param name="Value">The domain's number.</param>
public readonly record struct DomainId(int Value)
{
    /// <inheritdoc/>
    public override string ToString() => "d" + Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
