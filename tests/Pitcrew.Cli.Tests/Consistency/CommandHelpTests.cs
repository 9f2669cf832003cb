using System.Text.RegularExpressions;
using Pitcrew.Cli.Output;
using Pitcrew.Errors;
using Pitcrew.Etcd;

namespace Pitcrew.Cli.Tests.Consistency;

/// <summary>Help across every command: etcd flags where etcd is talked to, Go durations, words a user knows.</summary>
public sealed partial class CommandHelpTests
{
    public static TheoryData<string> AllPaths() => CommandTree.AllPaths();

    [Theory]
    [MemberData(nameof(AllPaths))]
    public async Task Help_ShowsDurationsAsGoDoesAndNoInternalWords(string path)
    {
        var run = await CliRun.InvokeAsync([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotMatch(TimeSpanText(), run.Stdout);
        Assert.DoesNotContain("seed", run.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("etcd snapshot restore")]
    [InlineData("etcd snapshot status")]
    [InlineData("etcd snapshot verify")]
    [InlineData("etcd snapshot drill")]
    [InlineData("etcd backup prune")]
    [InlineData("etcd backup list")]
    [InlineData("etcd backup get")]
    [InlineData("etcd backup retention simulate")]
    [InlineData("etcd restore plan")]
    public async Task Help_OfACommandThatDoesNotTalkToEtcd_LacksTheConnectionFlags(string path)
    {
        var run = await CliRun.InvokeAsync([.. path.Split(' '), "--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("--endpoints", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--dial-timeout", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("etcd snapshot save")]
    [InlineData("etcd endpoint status")]
    [InlineData("etcd endpoint health")]
    [InlineData("etcd backup create")]
    [InlineData("etcd backup run")]
    [InlineData("doctor etcd")]
    [InlineData("upgrade preflight")]
    public async Task Help_OfACommandThatTalksToEtcd_HasTheConnectionFlags(string path)
    {
        var run = await CliRun.InvokeAsync([.. path.Split(' '), "--help"]);

        Assert.Contains("--endpoints", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("--dial-timeout", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DefaultDurations_AreGoDurations()
    {
        var run = await CliRun.InvokeAsync("upgrade", "apply", "--help");

        Assert.Contains("[default: 5m0s]", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("[default: 10m0s]", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RootHelp_DescribesTheWholeTool()
    {
        var run = await CliRun.InvokeAsync("--help");

        foreach (var word in new[] { "snapshot", "backup", "restore", "drain", "upgrade", "doctor", "simulated cluster" })
        {
            Assert.Contains(word, run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StructuredOutput_WritesDurationsAsGoDoes()
    {
        var health = new EndpointHealth("127.0.0.1:2379", true, TimeSpan.FromTicks(1_411_244), null);

        Assert.Contains("\"took\": \"141ms\"", StructuredOutput.Json(health), StringComparison.Ordinal);
        Assert.Contains("took: 141ms", StructuredOutput.ToYaml(health), StringComparison.Ordinal);
    }

    /// <summary>A .NET TimeSpan as ToString prints it: 00:05:00, 1.00:00:00, 00:00:00.1411244.</summary>
    [GeneratedRegex(@"\b(\d+\.)?\d{2}:\d{2}:\d{2}\b")]
    private static partial Regex TimeSpanText();
}
