using System.Diagnostics;

namespace Pitcrew.Files;

/// <summary>Whether a process of this machine still runs: what lock and spool files recorded as their owner is checked with.</summary>
internal static class LocalProcess
{
    /// <summary>True while the process with this id exists and has not exited.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
