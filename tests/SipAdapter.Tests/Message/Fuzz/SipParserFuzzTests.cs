using System.Globalization;
using System.Text;
using CallControl.Tests.Message.Conformance;
using CsCheck;
using Shouldly;
using Xunit.Abstractions;

namespace CallControl.Tests.Message;

/// <summary>
/// Mutation fuzzing with CsCheck: valid messages (typical traffic and every accepted torture message) get bit flips,
/// byte inserts and deletes, truncation, splicing with another message, duplicated header lines, hostile numbers and
/// extra folding; <see cref="FuzzTarget"/> then checks that nothing but the documented exception escapes and that
/// each input finishes within its budget. CI runs 20 000 inputs; SIP_FUZZ_ITERATIONS=2000000 runs a long campaign
/// (docs/sip-conformance.md). A failure prints the shrunk input and the seed to replay it.
/// </summary>
public class SipParserFuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 20_000;

    private static readonly byte[][] Seeds = LoadSeeds();

    private static readonly byte[] Interesting = "\0\r\n \t:;,=\"<>[]%\\@?/0123456789\u007f"u8.ToArray().Concat(new byte[] { 0x80, 0xC3, 0xFF }).ToArray();

    private static readonly string[] HostileNumbers =
        ["4294967296", "-1", "99999999999999999999999", "0000000000000000000000001", "65536", "256", "", "1e9", "0x10", "+1"];

    public static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("SIP_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : DefaultIterations;

    /// <summary>One edit; numbers are reduced modulo the current input length when applied.</summary>
    public readonly record struct Mutation(int Kind, int A, int B, int C);

    private static readonly Gen<Mutation> GenMutation =
        Gen.Select(Gen.Int[0, 8], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, 255])
            .Select((kind, a, b, c) => new Mutation(kind, a, b, c));

    private static readonly Gen<(int Seed, Mutation[] Mutations)> GenCase =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], GenMutation.Array[1, 6]);

    [Fact]
    public void Mutated_messages_never_throw_and_finish_in_bounded_time()
    {
        var summary = new StringBuilder();
        GenCase.Sample(
            c => FuzzTarget.Exercise(Apply(Seeds[c.Seed], c.Mutations)),
            writeLine: line => summary.AppendLine(line),
            iter: Iterations,
            print: c => Convert.ToBase64String(Apply(Seeds[c.Seed], c.Mutations)));
        output.WriteLine($"{Iterations} mutated inputs from {Seeds.Length} seed messages: {summary}");
    }

    [Fact]
    public void Every_seed_runs_cleanly()
    {
        Seeds.Length.ShouldBeGreaterThan(30);
        foreach (var seed in Seeds)
        {
            FuzzTarget.Exercise(seed);
        }
    }

    public static byte[] Apply(byte[] seed, Mutation[] mutations)
    {
        var data = new List<byte>(seed);
        foreach (var m in mutations)
        {
            var n = data.Count;
            switch (m.Kind)
            {
                case 0 when n > 0: // bit flip
                    data[m.A % n] ^= (byte)(1 << (m.B % 8));
                    break;
                case 1: // insert an interesting byte
                    data.Insert(m.A % (n + 1), Interesting[m.C % Interesting.Length]);
                    break;
                case 2 when n > 0: // delete a short range
                    var at = m.A % n;
                    data.RemoveRange(at, Math.Min(1 + (m.B % 16), n - at));
                    break;
                case 3: // truncate
                    data.RemoveRange(m.A % (n + 1), n - (m.A % (n + 1)));
                    break;
                case 4: // splice: our prefix, another message's suffix
                    var other = Seeds[m.C % Seeds.Length];
                    var cut = n == 0 ? 0 : m.A % n;
                    data.RemoveRange(cut, n - cut);
                    data.AddRange(other.AsSpan(m.B % other.Length).ToArray());
                    break;
                case 5: // duplicate a header line somewhere else
                    var lines = LineStarts(data);
                    if (lines.Count > 1)
                    {
                        var from = lines[m.A % lines.Count];
                        var end = data.IndexOf((byte)'\n', from);
                        var line = data.GetRange(from, (end < 0 ? n : end + 1) - from);
                        data.InsertRange(lines[m.B % lines.Count], line);
                    }

                    break;
                case 6: // replace a run of digits with a hostile number
                    var digit = data.FindIndex(m.A % (n + 1), b => b is >= (byte)'0' and <= (byte)'9');
                    if (digit >= 0)
                    {
                        var stop = digit;
                        while (stop < data.Count && data[stop] is >= (byte)'0' and <= (byte)'9')
                        {
                            stop++;
                        }

                        data.RemoveRange(digit, stop - digit);
                        data.InsertRange(digit, Encoding.ASCII.GetBytes(HostileNumbers[m.C % HostileNumbers.Length]));
                    }

                    break;
                case 7: // fold or break a line
                    data.InsertRange(m.A % (n + 1), (m.C % 3) switch { 0 => "\r\n "u8.ToArray(), 1 => "\r\n"u8.ToArray(), _ => "\r\n\r\n"u8.ToArray() });
                    break;
                default: // overwrite a byte with a random one
                    if (n > 0)
                    {
                        data[m.A % n] = (byte)m.C;
                    }

                    break;
            }
        }

        return data.ToArray();
    }

    private static List<int> LineStarts(List<byte> data)
    {
        var starts = new List<int>();
        for (var i = 0; i < data.Count; i++)
        {
            if (i == 0 || data[i - 1] == (byte)'\n')
            {
                starts.Add(i);
            }
        }

        return starts;
    }

    private static byte[][] LoadSeeds()
    {
        var seeds = new List<byte[]>
        {
            TypicalMessages.Bytes(TypicalMessages.Invite),
            TypicalMessages.Bytes(TypicalMessages.Ok200),
            TypicalMessages.Bytes(TypicalMessages.Bye),
        };
        seeds.AddRange(ConformanceExpectations.ByKey.Keys.Select(TortureCorpus.Read));
        return seeds.ToArray();
    }
}
