using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Client;

/// <summary>The server refused to read or write an object: the MMS DataAccessError says why.</summary>
public sealed class Iec61850AccessException : MmsException
{
    /// <summary>Access to <paramref name="reference"/> failed with <paramref name="error"/>.</summary>
    public Iec61850AccessException(string reference, DataAccessError error, string operation)
        : base($"{operation} of {reference} failed: {error}")
    {
        Reference = reference;
        Error = error;
    }

    /// <summary>Not used.</summary>
    public Iec61850AccessException()
    {
        Reference = string.Empty;
    }

    /// <summary>Not used.</summary>
    public Iec61850AccessException(string message)
        : base(message)
    {
        Reference = string.Empty;
    }

    /// <summary>Not used.</summary>
    public Iec61850AccessException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reference = string.Empty;
    }

    /// <summary>The object.</summary>
    public string Reference { get; }

    /// <summary>Why.</summary>
    public DataAccessError Error { get; }
}

/// <summary>A value had another MMS type than the one asked for.</summary>
public sealed class Iec61850TypeException : MmsException
{
    /// <summary>A value of the wrong type.</summary>
    public Iec61850TypeException(string message)
        : base(message)
    {
    }

    /// <summary>Not used.</summary>
    public Iec61850TypeException()
    {
    }

    /// <summary>Not used.</summary>
    public Iec61850TypeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
