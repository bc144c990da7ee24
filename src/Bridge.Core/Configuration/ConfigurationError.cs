namespace Bridge.Core.Configuration;

/// <summary>
/// One thing wrong with a configuration file: where (a path such as <c>gateway.peers[1].address</c>
/// or <c>bridge.rules[tariffs].group</c>, or <c>line 4, column 7</c> for a syntax error) and what.
/// </summary>
/// <param name="Path">The key, list item or file position at fault.</param>
/// <param name="Message">What is wrong, naming the offending value.</param>
public sealed record ConfigurationError(string Path, string Message)
{
    /// <summary>The error as one line: <c>path: message</c>.</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Collects every error of one load, in the order found: validation never stops at the first
/// (as YARP's ConfigValidator, it reports all it can see).
/// </summary>
public sealed class ConfigurationErrors
{
    private readonly List<ConfigurationError> _errors = [];

    /// <summary>How many errors were found so far.</summary>
    public int Count => _errors.Count;

    /// <summary>Adds an error at <paramref name="path"/>.</summary>
    public void Add(string path, string message) => _errors.Add(new ConfigurationError(path.Length == 0 ? ConfigPath.Root : path, message));

    /// <summary>The errors found, in order.</summary>
    public IReadOnlyList<ConfigurationError> ToList() => [.. _errors];
}

/// <summary>Builds the paths errors name: <c>a.b</c> for keys, <c>a[2]</c> for items, <c>a[name]</c> for named items.</summary>
public static class ConfigPath
{
    /// <summary>The path of the whole file.</summary>
    public const string Root = "(file)";

    /// <summary>The path of <paramref name="key"/> under <paramref name="parent"/>.</summary>
    public static string Key(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    /// <summary>The path of item <paramref name="index"/> (from 0) of the list at <paramref name="parent"/>.</summary>
    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>The path of the item called <paramref name="name"/> of the list at <paramref name="parent"/>.</summary>
    public static string Named(string parent, string name) => $"{parent}[{name}]";
}
