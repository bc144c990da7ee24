using Bridge.Adapters.Amqp.Client;

namespace Bridge.Adapters.Amqp.Tests.Client;

/// <summary>Checks of the broker URL the client is given.</summary>
public sealed class AmqpClientSettingsTests
{
    [Theory]
    [InlineData("mqtt://x")]
    [InlineData("amqp://")]
    [InlineData("not a url")]
    public void ParseBroker_NotAnAmqpUrl_ThrowsNamingTheValue(string text)
    {
        var error = Assert.Throws<FormatException>(() => AmqpClientSettings.ParseBroker(text));

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://guest:guest@127.0.0.1:5672/", 5672)]
    [InlineData("amqps://broker.example:5671/%2F", 5671)]
    public void ParseBroker_AmqpUrl_ReturnsIt(string text, int port)
        => Assert.Equal(port, AmqpClientSettings.ParseBroker(text).Port);
}
