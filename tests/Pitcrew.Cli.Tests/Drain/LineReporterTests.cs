using Pitcrew.Cli.NodeCommands;
using Pitcrew.Nodes;

namespace Pitcrew.Cli.Tests.Drain;

public sealed class LineReporterTests
{
    [Fact]
    public void Progress_OnATerminal_ShowsEachNodeAtMostOncePerSecondAndAlwaysTheEnd()
    {
        var stderr = new StringWriter();
        IDrainReporter reporter = new KubectlLineReporter(new StringWriter(), stderr, live: true);
        reporter.Progress(new DrainProgress("w-1", 1, 3, "2 waiting on PodDisruptionBudgets", TimeSpan.FromSeconds(1)));
        reporter.Progress(new DrainProgress("w-1", 2, 3, null, TimeSpan.FromSeconds(1.5)));
        reporter.Progress(new DrainProgress("w-1", 3, 3, null, TimeSpan.FromSeconds(1.6)));
        Assert.Equal(
            "[node/w-1: 1/3 pods gone, 1s, 2 waiting on PodDisruptionBudgets]\n[node/w-1: 3/3 pods gone, 2s]\n",
            stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Progress_WhenNotATerminal_PrintsNothing()
    {
        var stderr = new StringWriter();
        IDrainReporter reporter = new KubectlLineReporter(new StringWriter(), stderr);
        reporter.Progress(new DrainProgress("w-1", 3, 3, null, TimeSpan.FromSeconds(2)));
        Assert.Empty(stderr.ToString());
    }
}
