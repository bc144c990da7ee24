using Bridge.Multicast.Security.Keys;

namespace Bridge.Multicast.Tests.Security.Keys;

/// <summary>
/// <see cref="KeyFile"/>: a written store reads back equal; every malformed file is rejected
/// with every error, each naming the file, the path and the field, and never the secret.
/// </summary>
public sealed class KeyFileTests
{
    private const string Group = "ham:sg:dr.events";

    [Fact]
    public void Write_SharedAndSignedRings_ReadsBackTheSameKeys()
    {
        var signer = TestKeys.Signing(5);
        var store = new KeyStore(
        [
            TestKeys.SharedRing(Group, TestKeys.Symmetric(1), TestKeys.Symmetric(2, startDay: 20)),
            TestKeys.SignedRing("ham:sg:dr.commands", ("headend", signer, null), ("backup", TestKeys.Signing(6, withPrivate: false), null)),
            new KeyRing(KeyScope.Domain("d1"), KeyAlgorithm.Aes256Gcm, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = new(TestKeys.Symmetric(9, KeyAlgorithm.Aes256Gcm), null) }),
        ]);

        var text = KeyFile.Write(store);
        var read = KeyFile.Read(text, "keys.json");

        Assert.Empty(read.Errors);
        var shared = read.Store!.ForGroup(Group)!;
        Assert.Equal(KeyAlgorithm.HmacSha256Tag128, shared.Algorithm);
        Assert.Equal(new KeyId(1), shared.Rotations[KeyRing.SharedSigner].Current.Id);
        Assert.Equal(TestKeys.Symmetric(2, startDay: 20).Secret.ToArray(), shared.Rotations[KeyRing.SharedSigner].Next!.Secret.ToArray());
        Assert.Equal(TestKeys.Start.AddDays(20), shared.Rotations[KeyRing.SharedSigner].Next!.NotBefore);
        var signed = read.Store.ForGroup("ham:sg:dr.commands")!;
        Assert.Equal(signer.PrivateKey.ToArray(), signed.Rotations["headend"].Current.PrivateKey.ToArray());
        Assert.True(signed.Rotations["backup"].Current.PrivateKey.IsEmpty);
        Assert.Equal("headend", signed.SignerOf(new KeyId(5)));
        Assert.NotNull(read.Store.ForDomain("d1"));
        Assert.Equal(text, KeyFile.Write(read.Store));
    }

    [Theory]
    [InlineData("", "k.json: (file): the file is empty")]
    [InlineData("{", "k.json: line ")]
    [InlineData("[]", "k.json: (file): expected an object, found a list")]
    [InlineData("""{"format":"gridcast-keys/1"}""", "k.json: (file): the file holds no key ring")]
    [InlineData("""{"format":"x","groups":{}}""", "k.json: format: 'x' is not a key file format")]
    [InlineData("""{"format":"gridcast-keys/1","grups":{}}""", "k.json: grups: unknown key (expected format, groups, domains)")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"not a name":{}}}""", "k.json: groups[not a name]: not a group name")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"md5"}}}""", "k.json: groups[ham:sg:a].algorithm: 'md5' is not one of hmac-sha256-128")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128"}}}""", "k.json: groups[ham:sg:a].current: is required")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":0,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"QUJD"}}}}""", "k.json: groups[ham:sg:a].current.id: '0' is not a key id")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":1,"notBefore":"2026-12-01","notAfter":"2027-01-01T00:00:00Z","secret":"QUJD"}}}}""", "k.json: groups[ham:sg:a].current.notBefore: '2026-12-01' is not a time with its offset")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":1,"notBefore":"2027-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"QUJD"}}}}""", "k.json: groups[ham:sg:a].current.notAfter: must be later than notBefore")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":1,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"QUJD"}}}}""", "k.json: groups[ham:sg:a].current.secret: hmac-sha256-128 needs a 32-byte secret, this one has 3 bytes")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":1,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"***"}}}}""", "k.json: groups[ham:sg:a].current.secret: is not base64 bytes")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":1,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"QUJD","colour":1}}}}""", "k.json: groups[ham:sg:a].current.colour: unknown key")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"ecdsa-p256"}}}""", "k.json: groups[ham:sg:a].signers: is required")]
    [InlineData("""{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"ecdsa-p256","signers":{"s":{"current":{"id":1,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","publicKey":"QUJD"}}}}}}""", "k.json: groups[ham:sg:a].signers.s.current.publicKey: not an EC public key")]
    [InlineData("""{"format":"gridcast-keys/1","domains":{"bad name":{}}}""", "k.json: domains[bad name]: a domain name must be")]
    public void Read_MalformedFile_NamesFilePathAndField(string text, string expected)
    {
        var read = KeyFile.Read(text, "k.json");

        Assert.Null(read.Store);
        Assert.Contains(read.Errors, e => e.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_IdUsedTwiceInRing_ReportsBothPlacesAndEveryOtherError()
    {
        var text = """
            {"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128",
              "current":{"id":3,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="},
              "next":{"id":3,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="}}},
             "domains":{"d":{"algorithm":"aes-128-gcm"}}}
            """;

        var read = KeyFile.Read(text, "k.json");

        Assert.Null(read.Store);
        Assert.Contains(read.Errors, e => e.ToString() == "k.json: groups[ham:sg:a].next.id: key id 3 is already used by groups[ham:sg:a].current.id; ids must be unique in a ring");
        Assert.Contains(read.Errors, e => e.ToString() == "k.json: domains[d].current: is required");
    }

    [Fact]
    public void Read_PrivateKeyOfAnotherPair_Rejected()
    {
        var a = TestKeys.Signing(1);
        var b = TestKeys.Signing(1);
        var text = KeyFile.Write(new KeyStore([TestKeys.SignedRing(Group, ("s", a with { PrivateKey = b.PrivateKey }, null))]));

        var read = KeyFile.Read(text, "k.json");

        Assert.Equal(["k.json: groups[ham:sg:dr.events].signers.s.current.privateKey: does not belong to publicKey"], read.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Read_BadSecret_ErrorNeverRepeatsTheValue()
    {
        var text = """{"format":"gridcast-keys/1","groups":{"ham:sg:a":{"algorithm":"hmac-sha256-128","current":{"id":1,"notBefore":"2026-12-01T00:00:00Z","notAfter":"2027-01-01T00:00:00Z","secret":"topsecret!"}}}}""";

        var read = KeyFile.Read(text, "k.json");

        Assert.DoesNotContain(read.Errors, e => e.ToString().Contains("topsecret", StringComparison.Ordinal));
    }
}
