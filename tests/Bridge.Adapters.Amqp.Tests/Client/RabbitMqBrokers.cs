using Bridge.Testing.Brokers;

namespace Bridge.Adapters.Amqp.Tests.Client;

/// <summary>
/// Two real RabbitMQ nodes, the head-end's (broker 1) and the far side's (broker 2), shared by the
/// tests of <see cref="RabbitMqBrokersDefinition"/>: a node takes seconds to boot. Tests keep out of each
/// other's way by their own exchange, queue and group names, and run one at a time.
/// </summary>
public sealed class RabbitMqBrokers : IAsyncLifetime
{
    /// <summary>The broker the head-end publishes to.</summary>
    public RabbitMqBroker First { get; private set; } = null!;

    /// <summary>The broker on the far side of the group.</summary>
    public RabbitMqBroker Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var first = RabbitMqBroker.StartAsync();
        var second = RabbitMqBroker.StartAsync();
        try
        {
            await Task.WhenAll(first, second);
        }
        catch
        {
            foreach (var started in new[] { first, second }.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }

        First = first.Result;
        Second = second.Result;
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(First.DisposeAsync().AsTask(), Second.DisposeAsync().AsTask());
    }
}

/// <summary>The tests that share <see cref="RabbitMqBrokers"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqBrokersDefinition : ICollectionFixture<RabbitMqBrokers>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "RabbitMQ brokers";
}
