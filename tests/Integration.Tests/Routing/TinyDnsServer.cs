using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CallControl.Tests.Routing;

/// <summary>
/// A tiny UDP DNS responder for ENUM tests (DnsClient is a client only): answers NAPTR queries for the
/// names it was given with one record each, and NXDOMAIN for anything else. Counts the queries it saw.
/// </summary>
public sealed class TinyDnsServer : IAsyncDisposable
{
    public sealed record Naptr(ushort Order, ushort Preference, string Flags, string Services, string Regexp);

    private readonly UdpClient _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, Naptr> _records;
    private int _queries;

    public IPEndPoint Endpoint { get; }
    public int Queries => Volatile.Read(ref _queries);

    public TinyDnsServer(IPAddress address, IReadOnlyDictionary<string, Naptr> records)
    {
        _records = records.ToDictionary(r => r.Key.TrimEnd('.').ToLowerInvariant(), r => r.Value);
        _udp = new UdpClient(new IPEndPoint(address, 0));
        Endpoint = (IPEndPoint)_udp.Client.LocalEndPoint!;
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            if (Answer(request.Buffer) is { } response)
            {
                Interlocked.Increment(ref _queries);
                await _udp.SendAsync(response, request.RemoteEndPoint);
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 17) return null;
        var (name, end) = ReadName(query, 12);
        if (name is null || end + 4 > query.Length) return null;
        var type = (query[end] << 8) | query[end + 1];
        var found = type == 35 && _records.TryGetValue(name, out var naptr) ? naptr : null;

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray());                      // id
        var rd = (byte)(query[2] & 0x01);
        response.Add((byte)(0x84 | rd));                                       // QR, AA, RD copied
        response.Add((byte)(found is null && !_records.ContainsKey(name) ? 0x83 : 0x80)); // RA; NXDOMAIN when unknown
        response.AddRange([0, 1, 0, (byte)(found is null ? 0 : 1), 0, 0, 0, 0]); // qd, an, ns, ar
        response.AddRange(query.AsSpan(12, end + 4 - 12).ToArray());           // the question as asked
        if (found is not null)
        {
            var rdata = new List<byte>();
            rdata.AddRange([(byte)(found.Order >> 8), (byte)found.Order, (byte)(found.Preference >> 8), (byte)found.Preference]);
            foreach (var s in (string[])[found.Flags, found.Services, found.Regexp])
            {
                var bytes = Encoding.ASCII.GetBytes(s);
                rdata.Add((byte)bytes.Length);
                rdata.AddRange(bytes);
            }
            rdata.Add(0);                                                      // replacement: "."
            response.AddRange([0xC0, 0x0C, 0, 35, 0, 1, 0, 0, 0, 60, (byte)(rdata.Count >> 8), (byte)rdata.Count]);
            response.AddRange(rdata);
        }
        return response.ToArray();
    }

    private static (string? Name, int End) ReadName(byte[] message, int offset)
    {
        var labels = new List<string>();
        while (offset < message.Length)
        {
            var length = message[offset++];
            if (length == 0) return (string.Join('.', labels).ToLowerInvariant(), offset);
            if (length > 63 || offset + length > message.Length) return (null, offset);
            labels.Add(Encoding.ASCII.GetString(message, offset, length));
            offset += length;
        }
        return (null, offset);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
