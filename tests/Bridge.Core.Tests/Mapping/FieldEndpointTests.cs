using System.Diagnostics.CodeAnalysis;
using Bridge.Core.Mapping;

namespace Bridge.Core.Tests.Mapping;

public sealed class FieldEndpointTests
{
    [Fact]
    public void TryParse_KnownFields_ReadsEachValueAndKeepsText()
    {
        Assert.True(ShelfEndpoint.TryParse("  shelf=3   row= ", out var endpoint, out var reason), reason);

        Assert.Equal(new Dictionary<string, string> { ["shelf"] = "3", ["row"] = string.Empty }, endpoint.Fields);
        Assert.Equal("  shelf=3   row= ", endpoint.Text);
        Assert.Empty(endpoint.Placeholders);
        Assert.True(endpoint.CanPublish);
    }

    [Theory]
    [InlineData("shelf", "'shelf' is not field=value (write shelf=3 row=b)")]
    [InlineData("shelf=3 =b", "'=b' is not field=value (write shelf=3 row=b)")]
    [InlineData("shelf=3 Row=b", "unknown field 'Row': use shelf and row")]
    [InlineData("shelf=3 row=a row=b", "field row is given twice")]
    public void TryParse_BadPart_NamesIt(string text, string expected)
    {
        Assert.False(ShelfEndpoint.TryParse(text, out var endpoint, out var reason));

        Assert.Null(endpoint);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Equals_SameText_IsEqual()
    {
        Assert.True(ShelfEndpoint.TryParse("shelf=1", out var first, out _));
        Assert.True(ShelfEndpoint.TryParse("shelf=1", out var second, out _));

        Assert.Equal(first, second);
    }

    // A kind of the tests' own: a shelf and a row of a store, written shelf=3 row=b.
    private sealed class ShelfEndpoint : FieldEndpoint<string>
    {
        private static readonly string[] Known = ["shelf", "row"];

        private ShelfEndpoint(string text, Dictionary<string, string> fields)
            : base(text) => Fields = fields;

        public override string Kind => "shelves";

        public Dictionary<string, string> Fields { get; }

        public static bool TryParse(string text, [NotNullWhen(true)] out ShelfEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
        {
            endpoint = null;
            if (!TryReadFields(text, Known, "shelf=3 row=b", "shelf and row", out var fields, out reason))
            {
                return false;
            }

            endpoint = new ShelfEndpoint(text, fields);
            return true;
        }

        public override bool TryMatch(string address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
        {
            bindings = null;
            return false;
        }

        public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out string? address, [NotNullWhen(false)] out string? reason)
        {
            address = null;
            reason = "a test endpoint names no address";
            return false;
        }
    }
}
