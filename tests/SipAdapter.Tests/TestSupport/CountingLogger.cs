using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CallControl.Tests.TestSupport;

/// <summary>Keeps error-level log entries so tests can assert that nothing failed unexpectedly.</summary>
public sealed class CountingLogger : ILogger
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error)
        {
            Errors.Enqueue($"{formatter(state, exception)} {exception}");
        }
    }
}
