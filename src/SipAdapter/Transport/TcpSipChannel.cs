using System.Net;

namespace CallControl.Sip.Transport;

/// <summary>TCP listener and connection table (placeholder until the TCP transport lands).</summary>
internal sealed class TcpSipChannel : IAsyncDisposable
{
    public ValueTask<bool> SendAsync(IPEndPoint destination, ReadOnlyMemory<byte> data) => ValueTask.FromResult(false);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
