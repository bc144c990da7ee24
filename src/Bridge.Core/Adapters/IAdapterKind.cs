using System.Diagnostics.CodeAnalysis;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Core.Adapters;

/// <summary>
/// One kind of adapter (MQTT, AMQP; next Modbus TCP and IEC 61850 GOOSE), as the host registers
/// it once in its list of kinds. A kind owns, in its own project, three things:
/// <list type="number">
/// <item><description>its configuration section under <c>bridge</c> (<see cref="Name"/>), in the
/// steps every section takes: <see cref="Bind"/> (the tree into an input record, shape errors
/// only), <see cref="Validate"/> (pure, every error with its path, giving the immutable
/// <see cref="AdapterSettings"/>) and <see cref="CheckEnvironment"/> (files that must exist);</description></item>
/// <item><description>its rule endpoints (<see cref="TryParseEndpoint"/>): the key a rule names
/// one with (<see cref="RuleKeys"/>) and the parser of the kind's own syntax, whose matcher and
/// expander the router uses (<see cref="EndpointTemplate{TAddress}"/>);</description></item>
/// <item><description>its runtime side (<see cref="StartAsync"/>): receive, then route to groups
/// through <see cref="AdapterContext.Router"/>; group, then publish
/// (<see cref="IAdapterSide.PublishFromGroupAsync"/>).</description></item>
/// </list>
/// Implement it through <see cref="AdapterKind{TInput, TSettings}"/>, which types the settings.
/// </summary>
public interface IAdapterKind
{
    /// <summary>The kind's name: its section's key under <c>bridge</c>, its endpoints' <see cref="IRuleEndpoint.Kind"/>, its name in logs (<c>mqtt</c>).</summary>
    string Name { get; }

    /// <summary>
    /// The keys a rule names an endpoint of this kind with, the preferred first (<c>mqtt</c>,
    /// then the older <c>topic</c>); a rule gives exactly one endpoint key of all kinds.
    /// </summary>
    IReadOnlyList<string> RuleKeys { get; }

    /// <summary>What an endpoint of this kind is, for messages that list the choices (<c>a topic template</c>).</summary>
    string EndpointDescription { get; }

    /// <summary>A rule of this kind in prose, with its article (<c>an mqtt rule</c>).</summary>
    string RuleNoun { get; }

    /// <summary>Binds the kind's section at <paramref name="path"/>; null when it is absent or (with an error) not a mapping.</summary>
    object? Bind(ConfigValue? value, string path, ConfigurationErrors errors);

    /// <summary>Validates a bound section (pure); the settings, or null with every error added.</summary>
    AdapterSettings? Validate(object input, ConfigurationContext context, ConfigurationErrors errors);

    /// <summary>Checks what the bound section says about this machine (files exist), after validation.</summary>
    void CheckEnvironment(object input, ConfigurationContext context, ConfigurationErrors errors);

    /// <summary>
    /// Parses a rule's endpoint of this kind, written <paramref name="text"/>; when
    /// <paramref name="publishes"/> (a from-group or both rule) it must name one address per
    /// binding. On failure <paramref name="reason"/> says what is wrong in the kind's own terms.
    /// </summary>
    bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason);

    /// <summary>One line about a side with <paramref name="settings"/>, for <c>config validate</c>'s summary.</summary>
    string Describe(AdapterSettings settings);

    /// <summary>
    /// Starts a side with <paramref name="settings"/>: connects or listens, subscribes for the
    /// to-group rules of <see cref="AdapterContext.Router"/>'s table, and routes what arrives.
    /// </summary>
    Task<IAdapterSide> StartAsync(AdapterSettings settings, AdapterContext context, CancellationToken cancellationToken);
}

/// <summary>The settings of one adapter side, as its kind's <see cref="IAdapterKind.Validate"/> gives them: immutable, compared by value.</summary>
public abstract record AdapterSettings
{
    /// <summary>The kind they belong to (<see cref="IAdapterKind.Name"/>).</summary>
    public abstract string Kind { get; }
}

/// <summary>
/// The typed base of an <see cref="IAdapterKind"/>: the section is opened with
/// <see cref="SectionKeys"/> (an unknown key is an error) and bound into <typeparamref name="TInput"/>,
/// validated into <typeparamref name="TSettings"/>, and started from them.
/// </summary>
/// <typeparam name="TInput">The section as bound: texts with their paths.</typeparam>
/// <typeparam name="TSettings">The validated settings.</typeparam>
public abstract class AdapterKind<TInput, TSettings> : IAdapterKind
    where TInput : class
    where TSettings : AdapterSettings
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract IReadOnlyList<string> RuleKeys { get; }

    /// <inheritdoc/>
    public abstract string EndpointDescription { get; }

    /// <inheritdoc/>
    public virtual string RuleNoun => $"a {Name} rule";

    /// <summary>The keys the section may hold.</summary>
    protected abstract IReadOnlyList<string> SectionKeys { get; }

    /// <inheritdoc/>
    public object? Bind(ConfigValue? value, string path, ConfigurationErrors errors)
        => SectionReader.Open(value, path, errors, SectionKeys) is { } section ? Bind(section) : null;

    /// <inheritdoc/>
    public AdapterSettings? Validate(object input, ConfigurationContext context, ConfigurationErrors errors)
        => Validate((TInput)input, context, errors);

    /// <inheritdoc/>
    public void CheckEnvironment(object input, ConfigurationContext context, ConfigurationErrors errors)
        => CheckEnvironment((TInput)input, context, errors);

    /// <inheritdoc/>
    public abstract bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason);

    /// <inheritdoc/>
    public string Describe(AdapterSettings settings) => Describe((TSettings)settings);

    /// <inheritdoc/>
    public Task<IAdapterSide> StartAsync(AdapterSettings settings, AdapterContext context, CancellationToken cancellationToken)
        => StartAsync((TSettings)settings, context, cancellationToken);

    /// <summary>Binds the opened section: reads each key's text, interpreting none.</summary>
    protected abstract TInput Bind(SectionReader section);

    /// <summary>Validates the bound section (pure): every error with its path; the settings when there is none.</summary>
    protected abstract TSettings? Validate(TInput input, ConfigurationContext context, ConfigurationErrors errors);

    /// <summary>Checks the files and other things of this machine the section names; nothing by default.</summary>
    protected virtual void CheckEnvironment(TInput input, ConfigurationContext context, ConfigurationErrors errors)
    {
    }

    /// <summary>One line about a side with <paramref name="settings"/>.</summary>
    protected abstract string Describe(TSettings settings);

    /// <summary>Starts a side with <paramref name="settings"/>.</summary>
    protected abstract Task<IAdapterSide> StartAsync(TSettings settings, AdapterContext context, CancellationToken cancellationToken);
}
