using System.Text.RegularExpressions;
using Pitcrew.Cli.UpgradeCommands;
using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Preflight;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>What the upgrade commands print: tables within a width, one step count, help examples that work.</summary>
public sealed partial class UpgradeTextTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void PreflightTable_WrapsLongCellsWithinTheWidth_KeepingEveryWord()
    {
        var evidence = string.Join(' ', Enumerable.Range(1, 60).Select(i => $"word{i}"));
        var report = new PreflightReport("v1.30.4", "v1.31.14",
        [
            new("nodes Ready", PreflightVerdict.Pass, "3/3 nodes Ready"),
            new("every node drainable", PreflightVerdict.Fail, evidence, "scale the workload up, relax the budget, or wait for https://example.invalid/" + new string('x', 90)),
        ]);

        var lines = PreflightCommand.Lines(report, 100).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 100, $"{l.Length}: {l}"));
        var words = string.Join(' ', lines).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(Enumerable.Range(1, 60), i => Assert.Contains($"word{i}", words));
        Assert.Matches(@"^nodes Ready\s+PASS\s+3/3 nodes Ready$", lines.Single(l => l.StartsWith("nodes Ready", StringComparison.Ordinal)));

        // Wide enough, nothing wraps.
        Assert.Equal(7, PreflightCommand.Lines(report, 1000).Count());
    }

    [Fact]
    public void ApplySummary_CountsStepsAsTheReportDoes()
    {
        JournalEntry Done(string step) => new($"v1.30.14/worker-1/{step}", "worker-1", StepState.Done, At, 1);
        var node = new NodeReport("worker-1", "worker", "v1.30.14", true, false,
            [Done("upgrade-kubeadm"), Done("kubeadm-node"), Done("drain"), Done("upgrade-kubelet"), Done("uncordon"), Done("done")]);
        var report = new UpgradeReport("run", "v1.29.15", "v1.30.14", ["v1.30.14"], "upgraded", null, At, At.AddMinutes(1), null, [], [node]);

        var row = ApplySummary.Lines(report, ApplyEnd.Finished, null).Single(l => l.StartsWith("worker-1", StringComparison.Ordinal));
        Assert.Matches(@"^worker-1\s+worker\s+v1\.30\.14\s+yes\s+no\s+5\s+", row);
        Assert.Contains("| 5 done |", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyHelp_WindowExamples_ParseAsWritten_AndTheErrorsHintNamesZonesThatWork()
    {
        var help = await CliRun.InvokeAsync("upgrade", "apply", "--help");
        Assert.Equal(ExitCodes.Ok, help.ExitCode);
        var flat = Regex.Replace(help.Stdout, @"\s+", " ");
        // The flag's description and the command's examples.
        var examples = WindowExample().Matches(flat).Select(m => m.Groups["window"].Value).ToList();
        Assert.True(examples.Count >= 2, flat);
        Assert.All(examples, e => Assert.Equal(e, MaintenanceWindow.Parse(e).Text));

        var error = Assert.Throws<PitcrewException>(() => MaintenanceWindow.Parse("Sat 01:00-05:00 Europe/Seoul"));
        var zones = ZoneName().Matches(error.Message[error.Message.IndexOf("such as", StringComparison.Ordinal)..]).Select(m => m.Value).ToList();
        Assert.NotEmpty(zones);
        Assert.All(zones, z => Assert.NotNull(MaintenanceWindow.Parse($"Sat 01:00-05:00 {z}").Zone));
    }

    [GeneratedRegex("""(?:--window|e\.g\.) "(?<window>[^"]+)"(?=.)""")]
    private static partial Regex WindowExample();

    [GeneratedRegex(@"\b(?:[A-Z][a-z]+/[A-Za-z_]+|UTC)\b")]
    private static partial Regex ZoneName();
}
