namespace CallControl.Tests.TestSupport;

/// <summary>
/// How long the test peers wait for something that must happen (a message, a timer, a condition). Generous because
/// a loaded 2-core CI machine can stall a process for seconds; a passing test waits only as long as the thing takes.
/// Checks that something does NOT happen use their own short windows.
/// </summary>
public static class TestSupportWait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);
}
