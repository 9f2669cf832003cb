using System.Diagnostics;
using Pitcrew.Errors;
using Pitcrew.Files;

namespace Pitcrew.Sim;

/// <summary>A sim running in the background: started detached with a log and a state file, stopped by its PID.</summary>
public static class SimProcess
{
    public const string LogFile = "sim.log";
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs the command in a new session (so a terminal's Ctrl+C does not reach it) and waits for its sim.json.</summary>
    public static async Task<SimState> StartDetachedAsync(string directory, IReadOnlyList<string> command, TimeProvider time, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        File.Delete(SimState.PathIn(directory));
        var log = Path.Combine(directory, LogFile);

        // A new session (no Ctrl+C from this terminal), output to the log rather than to pipes that die with us.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$@\" >>\"$PITCREW_SIM_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("sh");
        foreach (var arg in command)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PITCREW_SIM_LOG"] = log;
        // A published pitcrew runs with tiered compilation off (its commands are short); a sim serves for hours and gains from it.
        if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is null)
        {
            start.Environment["DOTNET_TieredCompilation"] = "1";
        }

        using var process = Process.Start(start) ?? throw new PitcrewException($"cannot start {command[0]}", ExitCodes.Failed);
        var started = time.GetTimestamp();
        while (!File.Exists(SimState.PathIn(directory)))
        {
            if (process.HasExited)
            {
                throw new PitcrewException($"the simulated cluster exited with code {process.ExitCode}; see {log}", ExitCodes.Failed);
            }

            if (time.GetElapsedTime(started) > StartPatience)
            {
                throw new PitcrewException($"the simulated cluster did not come up in {StartPatience.TotalSeconds:0} s; see {log}", ExitCodes.Failed);
            }

            await Task.Delay(Poll, time, cancellationToken).ConfigureAwait(false);
        }

        return SimState.Read(directory);
    }

    /// <summary>Stops the sim recorded in the directory and waits until it has cleaned up.</summary>
    public static async Task<SimState> StopAsync(string directory, TimeProvider time, CancellationToken cancellationToken)
    {
        var state = SimState.Read(directory);
        if (!LocalProcess.IsAlive(state.Pid))
        {
            File.Delete(SimState.PathIn(directory));
            throw new PitcrewException($"the simulated cluster in {directory} (pid {state.Pid}) is not running; removed its stale {SimState.FileName}", ExitCodes.Failed);
        }

        ProcessSignals.Terminate(state.Pid);
        var started = time.GetTimestamp();
        while (LocalProcess.IsAlive(state.Pid))
        {
            if (time.GetElapsedTime(started) > StopPatience)
            {
                throw new PitcrewException($"pid {state.Pid} did not stop within {StopPatience.TotalSeconds:0} s", ExitCodes.Failed);
            }

            await Task.Delay(Poll, time, cancellationToken).ConfigureAwait(false);
        }

        return state;
    }
}
