using System.Globalization;
using System.Net;

namespace Bridge.Core.Configuration;

/// <summary>
/// The validation step's readings of bound texts: each interprets a <see cref="ConfigText"/>,
/// adds an error at its path naming the offending value when it is no such value, and returns
/// null then, so validation goes on and finds the next error too. Pure: no files, no network.
/// </summary>
public static class ConfigValues
{
    /// <summary><paramref name="text"/>, or null with <c>is required</c> at <paramref name="path"/> when it is absent.</summary>
    public static ConfigText? Required(ConfigText? text, string path, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            errors.Add(path, "is required");
        }

        return text;
    }

    /// <summary>The whole number <paramref name="text"/>, from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int? WholeNumber(ConfigText? text, int min, int max, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(text.Path, string.Create(CultureInfo.InvariantCulture, $"'{text.Text}' must be a whole number from {min} to {max}"));
        return null;
    }

    /// <summary>The boolean <paramref name="text"/>: <c>true</c> or <c>false</c>.</summary>
    public static bool? Boolean(ConfigText? text, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text.Text, out var value))
        {
            return value;
        }

        errors.Add(text.Path, $"'{text.Text}' must be true or false");
        return null;
    }

    /// <summary>The positive duration <paramref name="text"/> (<see cref="ValueSyntax.TryParseDuration"/>).</summary>
    public static TimeSpan? Duration(ConfigText? text, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (!ValueSyntax.TryParseDuration(text.Text, out var value))
        {
            errors.Add(text.Path, $"'{text.Text}' is not a duration (use 250ms, 2s, 1m or 00:00:01)");
            return null;
        }

        if (value <= TimeSpan.Zero)
        {
            errors.Add(text.Path, $"'{text.Text}' must be longer than zero");
            return null;
        }

        return value;
    }

    /// <summary>The id <paramref name="text"/>: 1 to 128 of A-Z a-z 0-9 . _ -.</summary>
    public static string? Id(ConfigText? text, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (!ValueSyntax.IsId(text.Text))
        {
            errors.Add(text.Path, $"'{text.Text}' must be 1 to {ValueSyntax.MaxIdLength} characters of A-Z a-z 0-9 . _ -");
            return null;
        }

        return text.Text;
    }

    /// <summary>The <c>address:port</c> <paramref name="text"/>, an address where a socket listens.</summary>
    public static IPEndPoint? EndPoint(ConfigText? text, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (ValueSyntax.TryParseEndPoint(text.Text, out var endPoint))
        {
            return endPoint;
        }

        errors.Add(text.Path, $"'{text.Text}' is not address:port (e.g. 0.0.0.0:7946 or [::]:7946)");
        return null;
    }

    /// <summary>The <c>host:port</c> <paramref name="text"/>, an address to dial.</summary>
    public static HostPort? HostPort(ConfigText? text, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (ValueSyntax.TryParseHostPort(text.Text, out var hostPort))
        {
            return hostPort;
        }

        errors.Add(text.Path, $"'{text.Text}' is not host:port");
        return null;
    }

    /// <summary>
    /// Whether <paramref name="uri"/>, parsed from <paramref name="text"/>, has its scheme's
    /// default port or one from 1 to 65535; <see cref="Uri"/> accepts port 0, where no broker can listen.
    /// </summary>
    public static bool PortInRange(Uri uri, ConfigText text, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        if (uri.IsDefaultPort || uri.Port is > 0 and <= 65535)
        {
            return true;
        }

        errors.Add(text.Path, string.Create(CultureInfo.InvariantCulture, $"'{text.Text}': port {uri.Port} is not from 1 to 65535"));
        return false;
    }

    /// <summary>
    /// The absolute path of the file <paramref name="text"/> names, relative paths resolved against
    /// <paramref name="baseDirectory"/> (the configuration file's). Whether the file exists is an
    /// environment check (<see cref="EnvironmentChecks.FileExists"/>), not validation.
    /// </summary>
    public static string? FilePath(ConfigText? text, string baseDirectory)
        => text is null ? null : System.IO.Path.GetFullPath(text.Text, baseDirectory);
}
