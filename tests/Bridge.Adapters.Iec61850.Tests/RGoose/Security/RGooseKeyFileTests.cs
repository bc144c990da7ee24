using Bridge.Adapters.Iec61850.RGoose.Security;

namespace Bridge.Adapters.Iec61850.Tests.RGoose.Security;

/// <summary>The R-GOOSE key file: keys with ids, algorithms, material and windows; every bad line reported, no key material echoed.</summary>
public sealed class RGooseKeyFileTests
{
    [Fact]
    public void Parse_TheCapturesKeys_GivesBothWithTheirMaterial()
    {
        const string text = """
            # the keys of ../shared/iec61850's R-GOOSE captures
            2  hmac-sha256-128  hex:30313233343536373839414243444546
            1  AES-128-GCM      base64:MDEyMzQ1Njc4OUFCQ0RFRg==   from=2026-12-04T00:00:00Z until=2026-12-05T00:00:00Z   # the example's
            """;

        var keys = RGooseKeyFile.Parse(text, out var errors);

        Assert.Empty(errors);
        Assert.NotNull(keys);
        Assert.Equal([2u, 1u], keys.Keys.Select(k => k.Id));
        Assert.True(keys.TryGet(2, out var hmac));
        Assert.Equal((RGooseSecurityAlgorithm.HmacSha256With128, (DateTimeOffset?)null, (DateTimeOffset?)null), (hmac.Algorithm, hmac.ValidFrom, hmac.ValidUntil));
        Assert.Equal("0123456789ABCDEF"u8.ToArray(), hmac.Material.ToArray());
        Assert.True(keys.TryGet(1, out var gcm));
        Assert.Equal(RGooseSecurityAlgorithm.Aes128Gcm, gcm.Algorithm);
        Assert.Equal("0123456789ABCDEF"u8.ToArray(), gcm.Material.ToArray());
        Assert.Equal((new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero)), (gcm.ValidFrom!.Value, gcm.ValidUntil!.Value));
        Assert.True(keys.SameAs(RGooseKeyFile.Parse(string.Join('\n', text.Split('\n').Reverse()), out _)!));
    }

    [Theory]
    [InlineData("0 hmac-sha256-128 hex:30313233343536373839414243444546", "line 1: '0' is no key id")]
    [InlineData("x hmac-sha256-128 hex:30313233343536373839414243444546", "line 1: 'x' is no key id")]
    [InlineData("1 hmac-md5 hex:30313233343536373839414243444546", "line 1: 'hmac-md5' is no algorithm (one of hmac-sha256-80, hmac-sha256-128, hmac-sha256-256, aes-128-gcm, aes-256-gcm)")]
    [InlineData("1 aes-128-gcm hex:303132", "line 1: a key of aes-128-gcm has exactly 16 octets, this one 3")]
    [InlineData("1 aes-256-gcm hex:30313233343536373839414243444546", "line 1: a key of aes-256-gcm has exactly 32 octets, this one 16")]
    [InlineData("1 hmac-sha256-80 hex:3031323334353637", "line 1: a key of hmac-sha256-80 has at least 16 octets, this one 8")]
    [InlineData("1 hmac-sha256-128 hex:3031323", "line 1: the key material does not decode")]
    [InlineData("1 hmac-sha256-128 0123456789ABCDEF", "line 1: the key material is written hex:… or base64:…")]
    [InlineData("1 hmac-sha256-128", "line 1: a key line is: id algorithm")]
    [InlineData("1 hmac-sha256-128 hex:30313233343536373839414243444546 since=2026-01-01", "line 1: 'since=2026-01-01' is neither from=… nor until=…")]
    [InlineData("1 hmac-sha256-128 hex:30313233343536373839414243444546 from=yesterday", "line 1: 'from=yesterday': the time is not ISO 8601")]
    [InlineData("1 hmac-sha256-128 hex:30313233343536373839414243444546 from=2026-12-05T00:00:00Z until=2026-12-04T00:00:00Z", "line 1: key 1: until")]
    [InlineData("# nothing", "the file holds no key")]
    [InlineData("", "the file holds no key")]
    public void Parse_BadLine_ReportedWithItsLineNumber(string text, string expected)
    {
        var keys = RGooseKeyFile.Parse(text, out var errors);

        Assert.Null(keys);
        Assert.StartsWith(expected, Assert.Single(errors), StringComparison.Ordinal);
        Assert.DoesNotContain("3031323", errors[0][(errors[0].IndexOf(':', StringComparison.Ordinal) + 1)..].Replace("'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralBadLinesAndADuplicateId_ReportsEach()
    {
        const string text = """
            1 hmac-sha256-128 hex:30313233343536373839414243444546
            2 aes-128-gcm hex:00
            1 aes-128-gcm hex:30313233343536373839414243444546
            3 nope hex:30313233343536373839414243444546
            """;

        Assert.Null(RGooseKeyFile.Parse(text, out var errors));

        Assert.Equal(3, errors.Count);
        Assert.StartsWith("line 2:", errors[0], StringComparison.Ordinal);
        Assert.Equal("line 3: key id 1 is given twice", errors[1]);
        Assert.StartsWith("line 4:", errors[2], StringComparison.Ordinal);
    }
}
