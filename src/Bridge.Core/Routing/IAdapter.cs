namespace Bridge.Core.Routing;

/// <summary>
/// The adapter contract: a running connection to a legacy protocol that routes what it takes in
/// through a <see cref="Router"/>, publishes what comes from groups, and is stopped by disposing it.
/// </summary>
public interface IAdapter : ITopicPublisher, IAsyncDisposable;
