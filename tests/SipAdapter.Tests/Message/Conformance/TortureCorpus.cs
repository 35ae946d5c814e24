namespace CallControl.Tests.Message.Conformance;

/// <summary>One torture message and what its manifest row says a compliant element must do.</summary>
public sealed record TortureCase(string Key, string Name, string Rfc, string Section, bool ExpectedValid, string MustDo)
{
    public byte[] Bytes => File.ReadAllBytes(TortureCorpus.PathOf(Key));

    public override string ToString() => Key;
}

/// <summary>The torture corpus under TestData: RFC 4475 (§3.1 archive copied byte-exact, §3.2–3.4 written from the
/// RFC text) and RFC 5118. Manifests are tab-separated: name, rfc, section, expected, must_do, source.</summary>
public static class TortureCorpus
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "TestData");

    private static readonly (string Folder, string Manifest)[] Manifests =
    [
        ("rfc4475", "manifest.tsv"),
        ("rfc4475", "manifest-3.2-3.4.tsv"),
        ("rfc5118", "manifest.tsv"),
    ];

    public static IReadOnlyList<TortureCase> All { get; } = Load();

    public static TortureCase Get(string key) => All.Single(c => c.Key == key);

    public static string PathOf(string key) => Path.Combine(Root, key + ".sip");

    public static byte[] Read(string key) => File.ReadAllBytes(PathOf(key));

    /// <summary>Every .sip file shipped in a corpus folder (manifest rows and variants).</summary>
    public static IEnumerable<string> Files() =>
        Manifests.Select(m => m.Folder).Distinct()
            .SelectMany(folder => Directory.GetFiles(Path.Combine(Root, folder), "*.sip")
                .Select(f => $"{folder}/{Path.GetFileNameWithoutExtension(f)}"));

    public static TheoryData<string> Keys(string prefix)
    {
        var data = new TheoryData<string>();
        foreach (var c in All.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            data.Add(c.Key);
        }

        return data;
    }

    private static List<TortureCase> Load()
    {
        var cases = new List<TortureCase>();
        foreach (var (folder, manifest) in Manifests)
        {
            foreach (var line in File.ReadLines(Path.Combine(Root, folder, manifest)).Skip(1))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var f = line.Split('\t');
                cases.Add(new TortureCase($"{folder}/{f[0]}", f[0], f[1], f[2], f[3] == "valid", f[4]));
            }
        }

        return cases;
    }
}
