using BenchmarkDotNet.Running;

namespace CallControl.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        // `memory`: only load the large routing cloud and print fold time, build time and memory (seconds, not minutes).
        if (args is ["memory"])
        {
            GC.KeepAlive(Routing.LargeCloud.Load("Large cloud"));
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
