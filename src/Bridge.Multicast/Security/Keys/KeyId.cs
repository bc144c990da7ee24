using System.Globalization;

namespace Bridge.Multicast.Security.Keys;

/// <summary>
/// A key's identifier, carried in every authentication tag so a receiver picks the key without
/// trying each (IEC 61850-90-5 §11.3's key id serves the same end). 32 bits; unique within a
/// scope, and never reused there, so an old frame can never be checked against a new key.
/// </summary>
public readonly record struct KeyId(uint Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
