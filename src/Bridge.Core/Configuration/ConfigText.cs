namespace Bridge.Core.Configuration;

/// <summary>
/// A value as the file wrote it, with its path: what the bind step keeps of a scalar, so the
/// validation step can interpret it and name the place of any error.
/// </summary>
/// <param name="Text">The text, as written (YAML and JSON numbers and booleans keep their text).</param>
/// <param name="Path">Where it stands, such as <c>gateway.peers[1].address</c>.</param>
public sealed record ConfigText(string Text, string Path)
{
    /// <inheritdoc/>
    public override string ToString() => Text;
}
