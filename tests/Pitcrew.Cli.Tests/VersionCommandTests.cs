using System.Text.Json;
using System.Text.RegularExpressions;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests;

public sealed partial class VersionCommandTests
{
    [Fact]
    public async Task Version_NamesTheCommitAndBuildDateTheBinaryWasBuiltFrom()
    {
        var run = await CliRun.InvokeAsync("version");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Matches(@"(?m)^Version:    \d+\.\d+\.\d+", run.Stdout);
        Assert.Matches(Commit(), run.Stdout);
        Assert.Matches(@"(?m)^Build date: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", run.Stdout);
        Assert.Matches(@"(?m)^Runtime:    \.NET \d+\.\d+\.\d+ linux/", run.Stdout);
    }

    [Fact]
    public async Task Version_AsJson_HasTheSameFields()
    {
        var run = await CliRun.InvokeAsync("version", "-o", "json");

        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Matches("^[0-9a-f]{40}$", root.GetProperty("gitCommit").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("buildDate").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal(Environment.Version.ToString(), root.GetProperty("runtime").GetString());
        Assert.DoesNotContain("+", root.GetProperty("version").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The tests build from a git checkout, so the commit is known.</summary>
    [GeneratedRegex("(?m)^Git commit: [0-9a-f]{40}$")]
    private static partial Regex Commit();
}
