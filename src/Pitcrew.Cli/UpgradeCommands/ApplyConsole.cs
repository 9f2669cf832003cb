using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Preflight;
using Spectre.Console;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>apply's stderr: plain lines, the preflight table, the question, and the run as a live table on a terminal (plain lines otherwise and with -v).</summary>
internal sealed class ApplyConsole(CliContext context, bool verbose) : IApplyConsole
{
    private readonly ApplyProgress _progress = new(context, verbose);

    public IUpgradeProgress Progress => _progress;

    public void Say(string line) => context.Err.Profile.Out.Writer.WriteLine(line);

    public void Preflight(PreflightReport report)
    {
        foreach (var line in PreflightCommand.Lines(report, TextTable.WidthFor(context.Err)))
        {
            Say(line);
        }
    }

    public bool Confirm(UpgradeJournal journal)
    {
        if (Console.IsInputRedirected)
        {
            return false;
        }

        context.Err.Profile.Out.Writer.Write($"This upgrades the cluster to {journal.Target}, draining every node in turn. Type yes to go on: ");
        return string.Equals(Console.ReadLine()?.Trim(), "yes", StringComparison.Ordinal);
    }

    public async Task<ApplyOutcome> WatchAsync(IReadOnlyList<string> nodes, Func<IUpgradeProgress, Task<ApplyOutcome>> run)
    {
        if (!context.ErrIsTerminal || verbose)
        {
            return await run(_progress).ConfigureAwait(false);
        }

        var live = new ApplyLiveView(nodes, context.Time);
        ApplyOutcome outcome = null!;
        await context.Err.Live(live.Render()).StartAsync(async display =>
        {
            live.Attach(display);
            outcome = await run(live).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return outcome;
    }
}
