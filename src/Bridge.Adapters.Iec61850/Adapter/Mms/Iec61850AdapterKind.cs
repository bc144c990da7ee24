using System.Diagnostics.CodeAnalysis;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>
/// The IEC 61850 (MMS client) adapter kind: the <c>bridge.iec61850</c> section
/// (<see cref="Iec61850SectionReader"/>), rule endpoints written
/// <c>iec61850: ied=ied1 report=LD0/LLN0.EventsRCB01[RP]</c> (<see cref="Iec61850Endpoint"/>),
/// and a side that is a client of each IED (<see cref="Iec61850Side"/>). docs/iec61850-mms.md.
/// </summary>
public sealed class Iec61850AdapterKind : AdapterKind<Iec61850SectionInput, Iec61850Section>
{
    /// <summary>The kind's name: the section key and the endpoints' kind.</summary>
    public const string KindName = "iec61850";

    private Iec61850AdapterKind()
    {
    }

    /// <summary>The one instance, for the host's list of kinds.</summary>
    public static Iec61850AdapterKind Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => KindName;

    /// <inheritdoc/>
    public override IReadOnlyList<string> RuleKeys { get; } = [KindName];

    /// <inheritdoc/>
    public override string EndpointDescription => "an IED and a report, poll, write, operate or read reference";

    /// <inheritdoc/>
    public override string RuleNoun => "an iec61850 rule";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SectionKeys => Iec61850SectionReader.Keys;

    /// <inheritdoc/>
    public override bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        var parsed = Iec61850Endpoint.TryParse(text, out var iec, out reason);
        if (parsed && iec!.IsToGroup && publishes)
        {
            reason = $"a {iec.ActionKey} rule carries the IED's values to its groups, so its direction is to-group";
            endpoint = null;
            return false;
        }

        endpoint = iec;
        return parsed;
    }

    /// <inheritdoc/>
    protected override Iec61850SectionInput Bind(SectionReader section) => Iec61850SectionReader.Bind(section);

    /// <inheritdoc/>
    protected override Iec61850Section? Validate(Iec61850SectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => Iec61850SectionReader.Validate(input, errors);

    /// <inheritdoc/>
    protected override string Describe(Iec61850Section settings)
        => $"IEC 61850 client of {string.Join(", ", settings.Ieds.Select(i => $"{i.Name} ({i.Address})"))}";

    /// <inheritdoc/>
    protected override Task<IAdapterSide> StartAsync(Iec61850Section settings, AdapterContext context, CancellationToken cancellationToken)
    {
        if (Iec61850SectionReader.CheckRules(context.Router.Table.Rules, settings) is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"bridge.rules: {string.Join("; ", problems)}");
        }

        // Each IED is connected in the background and reconnected with back-off: an IED that is
        // down when the node starts is not a reason for the node not to start.
        return Task.FromResult<IAdapterSide>(new Iec61850Side(settings, context.Router, context.Loggers, context.Time));
    }
}
