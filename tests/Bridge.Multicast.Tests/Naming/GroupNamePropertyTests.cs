using System.Globalization;
using System.Net;
using Bridge.Multicast.Naming;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Naming;

/// <summary>
/// Properties of <see cref="GroupName"/> over generated names in every spelling the parser takes
/// (both forms, any case, long and short IPv6 text, leading zeros in the port), and over
/// arbitrary and mutated text.
/// </summary>
public sealed class GroupNamePropertyTests
{
    [Property(Arbitrary = [typeof(NameGenerators)], MaxTest = 500)]
    public void Parse_Canonical_RoundTrips(ValidNameText text)
    {
        var name = GroupName.Parse(text.Text);

        var again = GroupName.Parse(name.Canonical);

        Assert.Equal(name.Canonical, again.Canonical);
        Assert.Equal(name, again);
        Assert.Equal(name.WireName, again.WireName);
        Assert.Equal(name.Addresses, again.Addresses);
        Assert.StartsWith("ham:" + name.Namespace + ":", name.Canonical, StringComparison.Ordinal);
        Assert.StartsWith(name.WireName, name.Canonical, StringComparison.Ordinal);
        Assert.DoesNotContain('/', name.WireName);
    }

    [Property(Arbitrary = [typeof(NameGenerators)], MaxTest = 500)]
    public void Addresses_HashedName_FallInsideBothScopesWhateverThePort(HashedNameText text)
    {
        var name = GroupName.Parse(text.Text);
        var onOtherPort = GroupName.Parse($"ham:{name.Namespace}:{name.Group}{(name.Instantiation is null ? "" : "@" + name.Instantiation)}:65535");

        Assert.True(GroupAddressMapping.IPv4Scope.Contains(name.Addresses.IPv4!.Address), name.Addresses.IPv4.ToString());
        Assert.True(GroupAddressMapping.IPv6Scope.Contains(name.Addresses.IPv6!.Address), name.Addresses.IPv6.ToString());
        Assert.Null(name.Addresses.Source);
        Assert.Equal(name.Port ?? GroupName.DefaultPort, name.Addresses.IPv4.Port);
        Assert.Equal(name.Addresses.IPv4.Address, onOtherPort.Addresses.IPv4!.Address);
        Assert.Equal(name.Addresses.IPv6.Address, onOtherPort.Addresses.IPv6!.Address);
    }

    [Property(Arbitrary = [typeof(NameGenerators)], MaxTest = 500)]
    public void Addresses_IpName_IsTheGroupInItsOwnFamilyOnly(IpNameText text)
    {
        var name = GroupName.Parse(text.Text);
        var ipv4 = name.Addresses.IPv4;
        var ipv6 = name.Addresses.IPv6;

        Assert.True(ipv4 is null != (ipv6 is null));
        var group = (ipv4 ?? ipv6)!.Address;
        Assert.Equal(name.Group, group.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{group}]" : group.ToString());
        if (name.Addresses.Source is { } source)
        {
            Assert.Equal(group.AddressFamily, source.AddressFamily);
        }
    }

    // Whatever the text, TryParse answers: a name that round-trips, or an error; never an exception.
    [Property(Arbitrary = [typeof(NameGenerators)], MaxTest = 1000)]
    public void TryParse_MutatedOrArbitraryText_NeverThrowsAndSucceedsOnlyWithARoundTrippingName(AnyNameText text)
    {
        if (GroupName.TryParse(text.Text, out var name, out var error))
        {
            Assert.Equal(name, GroupName.Parse(name.Canonical));
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
        }
    }

    public sealed record ValidNameText(string Text)
    {
        public override string ToString() => Text;
    }

    public sealed record HashedNameText(string Text)
    {
        public override string ToString() => Text;
    }

    public sealed record IpNameText(string Text)
    {
        public override string ToString() => Text;
    }

    public sealed record AnyNameText(string Text)
    {
        public override string ToString() => Text;
    }

    public static class NameGenerators
    {
        private const string UnreservedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";
        private const string LabelChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~";

        private static readonly Gen<byte> AnyByte = Gen.Choose(0, 255).Select(b => (byte)b);

        public static Arbitrary<ValidNameText> Valid() => Arb.From(Gen.OneOf(IpName(), HashedName()).Select(t => new ValidNameText(t)));

        public static Arbitrary<HashedNameText> Hashed() => Arb.From(HashedName().Select(t => new HashedNameText(t)));

        public static Arbitrary<IpNameText> Ip() => Arb.From(IpName().Select(t => new IpNameText(t)));

        public static Arbitrary<AnyNameText> Any() => Arb.From(Gen.Frequency(
            (3, Gen.OneOf(IpName(), HashedName()).SelectMany(Mutated)),
            (1, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)))
            .Select(t => new AnyNameText(t)));

        private static Gen<string> IpName() =>
            from v6 in Gen.Elements(false, true)
            from name in v6 ? IPv6Name() : IPv4Name()
            select name;

        private static Gen<string> IPv4Name() =>
            from a in Gen.Choose(224, 239)
            from b in Gen.Choose(0, 255)
            from c in Gen.Choose(0, 255)
            from d in Gen.Choose(0, 255)
            from source in Optional(IPv4Unicast())
            let rest = Invariant($"{a}.{b}.{c}.{d}") + (source is null ? "" : "@" + source)
            from name in Assemble("ip", rest)
            select name;

        private static Gen<string> IPv4Unicast() =>
            from a in Gen.Choose(1, 223)
            from b in Gen.Choose(0, 255)
            from c in Gen.Choose(0, 255)
            from d in Gen.Choose(0, 255)
            select Invariant($"{a}.{b}.{c}.{d}");

        private static Gen<string> IPv6Name() =>
            from flags in Gen.Choose(0, 15)
            from scope in Gen.Choose(1, 14)
            from groupId in AnyByte.ArrayOf(14)
            from groupText in IPv6Text([0xFF, (byte)((flags << 4) | scope), .. groupId])
            from source in Optional(IPv6Unicast())
            from name in Assemble("ip", "[" + groupText + "]" + (source is null ? "" : "@[" + source + "]"))
            select name;

        private static Gen<string> IPv6Unicast() =>
            from first in Gen.Choose(0x20, 0x3F)
            from rest in AnyByte.ArrayOf(15)
            from text in IPv6Text([(byte)first, .. rest])
            select text;

        /// <summary>RFC 5952 text, or all eight groups with leading zeros in upper case.</summary>
        private static Gen<string> IPv6Text(byte[] bytes)
        {
            var address = new IPAddress(bytes);
            var full = string.Join(':', Enumerable.Range(0, 8).Select(i => Invariant($"{(bytes[2 * i] << 8) | bytes[(2 * i) + 1]:X4}")));
            return Gen.Elements(address.ToString(), full);
        }

        private static Gen<string> HashedName() =>
            from ns in Gen.Elements("sip", "opaque", "sg")
            from groupText in ns == "sg" ? SmartGridGroup() : Unreserved(1, 40)
            from instantiation in Optional(Gen.Frequency(
                (4, ns == "sg" ? SmartGridGroup() : Unreserved(1, 20)),
                (1, IPv6Unicast().Select(a => "[" + a + "]"))))
            from name in Assemble(ns, groupText + (instantiation is null ? "" : "@" + instantiation))
            select name;

        private static Gen<string> SmartGridGroup() =>
            from count in Gen.Choose(1, 5)
            from labels in Chars(LabelChars, 1, 12).ArrayOf(count)
            select string.Join('.', labels);

        private static Gen<string> Unreserved(int min, int max) =>
            Chars(UnreservedChars, min, max).Where(s => s != "*");

        private static Gen<string> Chars(string alphabet, int min, int max) =>
            from length in Gen.Choose(min, max)
            from chars in Gen.Elements(alphabet.ToCharArray()).ArrayOf(length)
            select new string(chars);

        /// <summary>Adds port and credentials, and writes the name in either form with random case.</summary>
        private static Gen<string> Assemble(string ns, string groupAndInstantiation) =>
            from port in Optional(Gen.Choose(1, 65535).Select(p => (int?)p))
            from zeros in Gen.Choose(0, 2)
            from credentials in Optional(
                from alg in Unreserved(1, 12)
                from value in Unreserved(1, 40)
                select alg + ";" + value)
            from legacy in Gen.Elements(false, true)
            from scheme in RandomCase("ham")
            from spelledNamespace in RandomCase(ns)
            let tail = groupAndInstantiation
                + (port is null ? "" : ":" + new string('0', zeros) + Invariant($"{port}"))
                + (credentials is null ? "" : "/" + credentials)
            select legacy ? $"{spelledNamespace}://{tail}" : $"{scheme}:{spelledNamespace}:{tail}";

        private static Gen<string> RandomCase(string text) =>
            Gen.Elements(false, true).ArrayOf(text.Length)
                .Select(upper => new string([.. text.Select((c, i) => upper[i] ? char.ToUpperInvariant(c) : c)]));

        private static Gen<T?> Optional<T>(Gen<T> gen)
            where T : class
            => Gen.Frequency((1, Gen.Constant<T?>(null)), (1, gen.Select(v => (T?)v)));

        private static Gen<int?> Optional(Gen<int?> gen) => Gen.Frequency((1, Gen.Constant<int?>(null)), (1, gen));

        /// <summary>A valid name with one character replaced, inserted or deleted.</summary>
        private static Gen<string> Mutated(string text) =>
            from position in Gen.Choose(0, text.Length - 1)
            from kind in Gen.Choose(0, 2)
            from c in Gen.Elements(":@/[]%.;*# \t\u00e9\u0000-~0aZ".ToCharArray())
            select kind switch
            {
                0 => string.Concat(text.AsSpan(0, position), c.ToString(), text.AsSpan(position + 1)),
                1 => text.Insert(position, c.ToString()),
                _ => text.Remove(position, 1),
            };

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
