using System.Diagnostics.CodeAnalysis;

namespace Bridge.Core.Mapping;

/// <summary>
/// The adapter side of a mapping rule, in the adapter kind's own terms: an MQTT topic template,
/// an AMQP routing-key template, and as they come a Modbus unit and register range or a GOOSE
/// control block. It names a family of concrete addresses; its placeholders (<c>{region}</c>)
/// stand for parts of an address and bind to the placeholders of the rule's group templates, so
/// <c>meters/{region}/tariff</c> and <c>ham:sg:tariff.{region}</c> map each region's topic to
/// its group and back. Core never looks inside an address: matching and expanding are the
/// endpoint's (<see cref="EndpointTemplate{TAddress}"/>). Implementations compare by value.
/// </summary>
public interface IRuleEndpoint
{
    /// <summary>The adapter kind it belongs to, as the node file names it (<c>mqtt</c>, <c>amqp</c>).</summary>
    string Kind { get; }

    /// <summary>The endpoint as the file writes it; errors, logs and summaries show this.</summary>
    string Text { get; }

    /// <summary>The placeholder names, in the order written.</summary>
    IReadOnlyList<string> Placeholders { get; }

    /// <summary>
    /// Whether messages can be published on it: it names one address per binding (no wildcard).
    /// Only such an endpoint may carry a from-group direction.
    /// </summary>
    bool CanPublish { get; }

    /// <summary>Whether <paramref name="address"/> is one of this endpoint's; if so, <paramref name="bindings"/> holds each placeholder's value.</summary>
    /// <remarks>The untyped form, for checks over rules of any kind (loops); adapters use the typed one.</remarks>
    bool TryMatch(object address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings);

    /// <summary>The address for <paramref name="bindings"/>; false with the reason for a wildcard endpoint or a missing or bad value.</summary>
    /// <remarks>The untyped form, for checks over rules of any kind (loops); adapters use the typed one.</remarks>
    bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out object? address, [NotNullWhen(false)] out string? reason);

    /// <summary><paramref name="address"/> as the node file writes addresses of this kind, for errors and logs.</summary>
    string Show(object address);
}

/// <summary>
/// A rule endpoint whose concrete addresses are <typeparamref name="TAddress"/> values: a topic
/// name for MQTT, a routing key for AMQP, a unit and register for Modbus. The adapter of the kind
/// matches what it receives (<see cref="TryMatch(TAddress, out IReadOnlyDictionary{string, string}?)"/>)
/// and publishes where bindings lead (<see cref="TryExpand(IReadOnlyDictionary{string, string}, out TAddress, out string?)"/>);
/// the router does the rest with group templates.
/// </summary>
/// <typeparam name="TAddress">A concrete address of the kind; compared with <see cref="EqualityComparer{T}.Default"/>.</typeparam>
public abstract class EndpointTemplate<TAddress> : IRuleEndpoint, IEquatable<EndpointTemplate<TAddress>>
    where TAddress : notnull
{
    /// <inheritdoc/>
    public abstract string Kind { get; }

    /// <inheritdoc/>
    public abstract string Text { get; }

    /// <inheritdoc/>
    public abstract IReadOnlyList<string> Placeholders { get; }

    /// <inheritdoc/>
    public abstract bool CanPublish { get; }

    /// <summary>Whether <paramref name="address"/> is one of this endpoint's; if so, <paramref name="bindings"/> holds each placeholder's value.</summary>
    public abstract bool TryMatch(TAddress address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings);

    /// <summary>The address for <paramref name="bindings"/>; false with the reason for a wildcard endpoint or a missing or bad value.</summary>
    public abstract bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out TAddress? address, [NotNullWhen(false)] out string? reason);

    /// <summary><paramref name="address"/> as the node file writes it.</summary>
    public virtual string Show(TAddress address) => address.ToString() ?? string.Empty;

    /// <inheritdoc/>
    bool IRuleEndpoint.TryMatch(object address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        bindings = null;
        return address is TAddress typed && TryMatch(typed, out bindings);
    }

    /// <inheritdoc/>
    bool IRuleEndpoint.TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out object? address, [NotNullWhen(false)] out string? reason)
    {
        var expanded = TryExpand(bindings, out var typed, out reason);
        address = typed;
        return expanded;
    }

    /// <inheritdoc/>
    string IRuleEndpoint.Show(object address) => address is TAddress typed ? Show(typed) : address.ToString() ?? string.Empty;

    /// <inheritdoc/>
    public bool Equals(EndpointTemplate<TAddress>? other)
        => other is not null && other.GetType() == GetType() && other.Kind == Kind && other.Text == Text;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as EndpointTemplate<TAddress>);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Text);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
