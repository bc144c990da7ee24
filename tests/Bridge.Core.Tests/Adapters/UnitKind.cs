using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;

namespace Bridge.Core.Tests.Adapters;

/// <summary>
/// An adapter kind of the tests' own whose addresses are not strings: unit ids (a number), as a
/// Modbus side's would be. Its section has one key, <c>port</c>; a rule names a unit with
/// <c>unit: 7</c>. It cannot start: the tests use its configuration and endpoints only.
/// </summary>
internal sealed class UnitKind : AdapterKind<UnitKind.Input, UnitKind.Settings>
{
    public const string KindName = "units";

    public static UnitKind Instance { get; } = new();

    public override string Name => KindName;

    public override IReadOnlyList<string> RuleKeys { get; } = ["unit"];

    public override string EndpointDescription => "a unit id";

    protected override IReadOnlyList<string> SectionKeys { get; } = ["port"];

    public override bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        endpoint = null;
        if (!byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var unit))
        {
            reason = $"unit '{text}' is not a number from 0 to 255";
            return false;
        }

        endpoint = new UnitEndpoint(unit);
        reason = null;
        return true;
    }

    protected override Input Bind(SectionReader section) => new(section.Text("port"));

    protected override Settings? Validate(Input input, ConfigurationContext context, ConfigurationErrors errors)
        => ConfigValues.WholeNumber(ConfigValues.Required(input.Port, "bridge.units.port", errors), 1, 65535, errors) is { } port ? new Settings(port) : null;

    protected override string Describe(Settings settings) => $"units on port {settings.Port}";

    protected override Task<IAdapterSide> StartAsync(Settings settings, AdapterContext context, CancellationToken cancellationToken)
        => throw new NotSupportedException("a test kind for configuration and routing only");

    internal sealed record Input(ConfigText? Port);

    internal sealed record Settings(int Port) : AdapterSettings
    {
        public override string Kind => KindName;
    }
}

/// <summary>One unit, as an endpoint: matches its own id, publishes at it.</summary>
internal sealed class UnitEndpoint(byte unit) : EndpointTemplate<int>
{
    public override string Kind => UnitKind.KindName;

    public override string Text => unit.ToString(CultureInfo.InvariantCulture);

    public override IReadOnlyList<string> Placeholders => [];

    public override bool CanPublish => true;

    public override bool TryMatch(int address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
    {
        bindings = address == unit ? new Dictionary<string, string>() : null;
        return bindings is not null;
    }

    public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out int address, [NotNullWhen(false)] out string? reason)
    {
        address = unit;
        reason = null;
        return true;
    }

    public override string Show(int address) => $"unit {address}";
}
