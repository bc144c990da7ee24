using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>Reads what a <c>gridcast sub --json</c> process printed.</summary>
internal static class SubOutput
{
    /// <summary>The messages a <c>sub --json</c> printed so far.</summary>
    public static List<JsonElement> Messages(ExternalProcess sub)
        => [.. sub.StandardOutput.Select(line =>
            {
                try
                {
                    return JsonDocument.Parse(line).RootElement;
                }
                catch (JsonException e)
                {
                    throw new InvalidOperationException($"sub printed a line that is not JSON: '{line}' ({e.Message})\n{sub.Transcript()}", e);
                }
            })];

    /// <summary>Matches a JSON message line whose payload is <paramref name="payload"/>.</summary>
    public static Func<string, bool> Carrying(string payload) => line =>
    {
        if (!line.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("payload", out var value) && value.GetString() == payload;
        }
        catch (JsonException)
        {
            return false;
        }
    };
}
