using Microsoft.Extensions.Time.Testing;
using Pitcrew.Cli.UpgradeCommands;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

public sealed class ApplyLiveViewTests
{
    [Fact]
    public void TheLiveView_ShowsEachNodesStepStateAndTime_AndTheLastLines()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero));
        var view = new ApplyLiveView(["cp-1", "worker-1", "worker-2"], time);
        view.Step("cp-1", "upgraded", StepState.Done, "3.1s");
        view.Step("worker-1", "drain", StepState.Started, "(pitcrew) drain the node");
        view.Line("stage v1.30.14: canary worker-1");
        time.Advance(TimeSpan.FromSeconds(12));

        var output = new StringWriter();
        var console = CliContext.Create(output, redirected: true, noColor: true);
        console.Write(view.Render());
        var text = output.ToString();

        Assert.Matches(@"cp-1\s+upgraded\s+upgraded\s+3\.1s", text);
        Assert.Matches(@"worker-1\s+drain\s+running\s+12\s+\(pitcrew\) drain the node", text);
        Assert.Matches(@"worker-2\s+-\s+waiting", text);
        Assert.Contains("04:00:00 stage v1.30.14: canary worker-1", text, StringComparison.Ordinal);
    }
}
