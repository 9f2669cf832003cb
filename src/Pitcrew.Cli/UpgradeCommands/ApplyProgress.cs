using System.Globalization;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>upgrade apply's lines on stderr: a timestamped line per step change; node output with -v (always kept for a failure).</summary>
internal sealed class ApplyProgress(CliContext context, bool verbose) : IUpgradeProgress
{
    private readonly Lock _write = new();

    public void Step(string node, string step, StepState state, string detail)
    {
        var what = state switch
        {
            StepState.Started => "start",
            StepState.Done => "done ",
            _ => "FAIL ",
        };
        Write($"{what} {(node.Length > 0 ? node + " " : string.Empty)}{step}{(detail.Length > 0 ? ": " + detail.Split('\n')[0] : string.Empty)}");
    }

    public void Output(string node, string line)
    {
        if (verbose)
        {
            Write($"      [{node}] {line}");
        }
    }

    public void Line(string text) => Write(text);

    private void Write(string text)
    {
        var stamp = context.Time.GetUtcNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        lock (_write)
        {
            context.Err.Profile.Out.Writer.WriteLine($"{stamp} {text}");
        }
    }
}
