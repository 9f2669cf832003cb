using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests;

public sealed class HelpTests
{
    [Fact]
    public async Task Help_ForSnapshotSave_ListsEtcdctlFlagsAndExamples()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "save", "--help");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        foreach (var flag in new[] { "--endpoints", "--cacert", "--cert", "--key", "--user", "--password", "--dial-timeout", "--command-timeout", "--insecure-skip-tls-verify" })
        {
            Assert.Contains(flag, run.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("Examples:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_IsAUsageError()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "frobnicate");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.NotEmpty(run.Stderr);
    }
}
