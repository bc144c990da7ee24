using System.Diagnostics.Metrics;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>
/// The IEC 61850 side's metrics, one series per IED (tag <c>ied</c>; bounded by the node file's
/// <c>bridge.iec61850.ieds</c>): observable instruments over <see cref="Iec61850Side.IedStatus"/>,
/// read when an exporter collects. The host creates them on its meter <c>GridCast.Iec61850</c>;
/// the side itself counts in plain fields and knows nothing of metrics.
/// </summary>
public static class Iec61850Instruments
{
    // A command's failure in the side's counts, by the result tag of gridcast.iec61850.commands.
    private static readonly (string Result, string Failure)[] CommandFailures =
    [
        ("refused", "command_refused"), ("failed", "command_failed"), ("malformed", "malformed"),
        ("not_associated", "not_associated"), ("not_controllable", "not_controllable"), ("queue_full", "queue_full"),
    ];

    /// <summary>
    /// Creates the instruments on <paramref name="meter"/>, each reading <paramref name="ieds"/>
    /// (the running side's IEDs, or none while no side runs). A side restarted on reload counts
    /// from zero again, which an exporter reads as a counter reset.
    /// </summary>
    public static void Create(Meter meter, Func<IReadOnlyList<Iec61850IedStatus>> ieds)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(ieds);
        IEnumerable<Measurement<long>> PerIed(Func<Iec61850IedStatus, long> read) => ieds().Select(s => new Measurement<long>(read(s), Ied(s)));

        meter.CreateObservableUpDownCounter("gridcast.iec61850.associated", () => PerIed(static s => s.Associated ? 1 : 0), "{association}", "1 while the association with the IED is up, else 0.");
        meter.CreateObservableCounter("gridcast.iec61850.reconnects", () => PerIed(static s => s.Reconnects), "{association}", "Associations made again after one closed.");
        meter.CreateObservableCounter("gridcast.iec61850.connect_failures", () => PerIed(static s => s.ConnectFailures), "{attempt}", "Attempts to associate that failed.");
        meter.CreateObservableCounter("gridcast.iec61850.reports", () => PerIed(static s => s.Reports), "{report}", "Reports routed to groups.");
        meter.CreateObservableCounter("gridcast.iec61850.polls", () => PerIed(static s => s.Polls), "{value}", "Polled values routed to groups.");
        meter.CreateObservableCounter("gridcast.iec61850.commands", () => Commands(ieds()), "{command}", "Group commands by result: applied, refused (by the IED), failed, malformed, not_associated, not_controllable, queue_full.");
        meter.CreateObservableCounter("gridcast.iec61850.requests", () => Requests(ieds()), "{request}", "Aggregation requests by result: answered with the IED's value, or unanswered (the asker counts the IED missing).");
        meter.CreateObservableCounter("gridcast.iec61850.association_closes", () => Closes(ieds()), "{association}", "Associations that closed, by reason (aborted_by_peer, connection_lost, response_timeout, ...).");
    }

    private static KeyValuePair<string, object?> Ied(Iec61850IedStatus status) => new("ied", status.Ied);

    private static IEnumerable<Measurement<long>> Commands(IReadOnlyList<Iec61850IedStatus> ieds)
        => ieds.SelectMany(s => CommandFailures
            .Select(f => new Measurement<long>(s.Failures.GetValueOrDefault(f.Failure), Ied(s), new("result", f.Result)))
            .Prepend(new Measurement<long>(s.CommandsApplied, Ied(s), new("result", "applied"))));

    private static IEnumerable<Measurement<long>> Requests(IReadOnlyList<Iec61850IedStatus> ieds)
        => ieds.SelectMany(s => new[]
        {
            new Measurement<long>(s.RequestsAnswered, Ied(s), new("result", "answered")),
            new Measurement<long>(s.Failures.GetValueOrDefault("request_unanswered"), Ied(s), new("result", "unanswered")),
        });

    private static IEnumerable<Measurement<long>> Closes(IReadOnlyList<Iec61850IedStatus> ieds)
        => ieds.SelectMany(s => s.Failures
            .Where(f => f.Key.StartsWith("closed_", StringComparison.Ordinal))
            .Select(f => new Measurement<long>(f.Value, Ied(s), new("reason", f.Key["closed_".Length..]))));
}
