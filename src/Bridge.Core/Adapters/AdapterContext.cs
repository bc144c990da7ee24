using Bridge.Core.Routing;
using Microsoft.Extensions.Logging;

namespace Bridge.Core.Adapters;

/// <summary>
/// What the host hands a side when it starts it: its port to the groups and the host's services.
/// The port has three doors. <b>Send</b>: <see cref="Router"/> routes a received message to the
/// groups of the side's to-group rules (and maps group messages back for
/// <see cref="IAdapterSide.PublishFromGroupAsync"/>). <b>Ask</b>: <see cref="Requests"/> sends a
/// request to a group and returns its one aggregated answer. <b>Be asked</b>: a side that
/// implements <see cref="IGroupAnswerer"/> answers a group's requests.
/// </summary>
public sealed record AdapterContext
{
    /// <summary>Routes the side's messages to groups and group messages to the side; kept across restarts of the side.</summary>
    public required Router Router { get; init; }

    /// <summary>Asks groups: the bridge hands its multicast socket's requester; null where the host has none (tests, tools).</summary>
    public IGroupRequester? Requests { get; init; }

    /// <summary>The node file's request rules for this side's kind (<c>bridge.requests</c>); a side serves them with <see cref="Requests"/>.</summary>
    public IReadOnlyList<Requests.RequestRule> RequestRules { get; init; } = [];

    /// <summary>The host's loggers.</summary>
    public required ILoggerFactory Loggers { get; init; }

    /// <summary>The host's clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
