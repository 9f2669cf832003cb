using System.Runtime.InteropServices;

namespace Pitcrew.Sim;

/// <summary>SIGTERM for a process by PID, so that it can shut down what it started (the runtime only offers SIGKILL).</summary>
internal static partial class ProcessSignals
{
    private const int SigTerm = 15;

    /// <summary>Asks the process to terminate; false when it does not exist.</summary>
    public static bool Terminate(int pid) => OperatingSystem.IsWindows() ? false : Kill(pid, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
