using System.Text;
using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message.Conformance;

/// <summary>One row per torture message (RFC 4475 §3.1–3.4, RFC 5118): the outcome over UDP and over TCP is the one
/// decided in <see cref="ConformanceExpectations"/> and docs/sip-conformance.md, and agrees with the manifest.</summary>
public class TortureConformanceTests
{
    public static TheoryData<string> Rfc4475 => TortureCorpus.Keys("rfc4475/");

    public static TheoryData<string> Rfc5118 => TortureCorpus.Keys("rfc5118/");

    [Theory]
    [MemberData(nameof(Rfc4475))]
    public void Rfc4475_message_gets_the_decided_outcome(string key) => AssertOutcome(key);

    [Theory]
    [MemberData(nameof(Rfc5118))]
    public void Rfc5118_message_gets_the_decided_outcome(string key) => AssertOutcome(key);

    [Fact]
    public void Terminated_baddn_variant_is_rejected_for_its_display_names()
    {
        var e = ConformanceExpectations.ByKey["rfc4475/baddn.terminated"];
        var bytes = TortureCorpus.Read("rfc4475/baddn.terminated");
        ConformanceElement.Receive(bytes, isStream: false, out var m, out var detail).ShouldBe(e.Udp, detail);
        ConformanceElement.Receive(bytes, isStream: true).ShouldBe(e.Tcp);
        Should.Throw<SipMessageException>(() => m!.From).StatusCode.ShouldBe(400);
    }

    [Fact]
    public void Every_message_file_has_a_manifest_row_and_a_decided_outcome()
    {
        var files = TortureCorpus.Files().ToHashSet();
        var rows = TortureCorpus.All.Select(c => c.Key).ToHashSet();
        rows.Except(files).ShouldBeEmpty("manifest rows without a .sip file");
        files.Except(rows).ShouldBe(["rfc4475/baddn.terminated"], ignoreOrder: true, "the only variant without its own row");
        files.Except(ConformanceExpectations.ByKey.Keys).ShouldBeEmpty("messages without a decided outcome");
        ConformanceExpectations.ByKey.Keys.Except(files).ShouldBeEmpty("decisions without a message");
        TortureCorpus.All.Count(c => c.Key.StartsWith("rfc4475/", StringComparison.Ordinal)).ShouldBe(49);
        TortureCorpus.All.Count(c => c.Key.StartsWith("rfc5118/", StringComparison.Ordinal)).ShouldBe(12);
    }

    [Fact]
    public void Conformance_doc_lists_every_message_with_its_outcome()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "sip-conformance.md"));
        var missing = TableRows().Where(row => !doc.Contains(row, StringComparison.Ordinal)).ToList();
        missing.ShouldBeEmpty($"docs/sip-conformance.md is out of date; expected rows:\n{string.Join('\n', TableRows())}");
    }

    /// <summary>The rows of the conformance table, as docs/sip-conformance.md must hold them.</summary>
    public static IEnumerable<string> TableRows()
    {
        foreach (var (key, e) in ConformanceExpectations.ByKey)
        {
            var c = TortureCorpus.All.SingleOrDefault(x => x.Key == key);
            var name = key[(key.IndexOf('/') + 1)..];
            var where = c is null ? "RFC 4475 §3.1.2.15 (variant)" : $"{c.Rfc} §{c.Section}";
            var expected = c is null || !c.ExpectedValid ? "invalid" : "valid";
            yield return $"| {name} | {where} | {expected} | {e.Udp} | {e.Tcp} | {e.Why} |";
        }
    }

    private static void AssertOutcome(string key)
    {
        var c = TortureCorpus.Get(key);
        var e = ConformanceExpectations.ByKey[key];
        if (c.ExpectedValid)
        {
            e.Udp.ShouldBe(Outcome.Accept, $"the manifest says a compliant element accepts {key}: {c.MustDo}");
        }
        else if (!ConformanceExpectations.LiberallyAccepted.Contains(key))
        {
            e.Udp.Verdict.ShouldNotBe(Verdict.Accept, $"the manifest says {key} is invalid: {c.MustDo}");
        }

        var bytes = c.Bytes;
        ConformanceElement.Receive(bytes, isStream: false, out _, out var udpDetail).ShouldBe(e.Udp, $"UDP ({udpDetail}); must: {c.MustDo}");
        ConformanceElement.Receive(bytes, isStream: true, out _, out var tcpDetail).ShouldBe(e.Tcp, $"TCP ({tcpDetail}); must: {c.MustDo}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CallControl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CallControl.sln not found above " + AppContext.BaseDirectory);
    }

    internal static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
