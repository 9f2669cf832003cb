using System.Text.Json;
using Pitcrew.Cli.Output;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Consistency;

/// <summary>-o across every command: the formats a command lists are the ones it takes; the rest are usage errors naming them.</summary>
public sealed class OutputFlagTests
{
    private static readonly string[] Formats = ["table", "json", "yaml", "markdown", "html", "sarif", "wide", "simple"];

    public static TheoryData<string, string> CommandsAndFormats()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in CommandTree.Runnable())
        {
            foreach (var format in Formats)
            {
                data.Add(path, format);
            }
        }

        return data;
    }

    public static TheoryData<string> Commands() => [.. CommandTree.Runnable()];

    [Theory]
    [MemberData(nameof(CommandsAndFormats))]
    public void OutputFlag_TakesTheFormatsTheCommandListsAndRefusesTheRestByName(string path, string format)
    {
        var root = CommandTree.Root();
        var formats = OutputFlag.Formats(CommandTree.Find(root, path)).Select(OutputFlag.Name).ToList();

        var parse = root.Parse([.. path.Split(' '), "-o", format]);

        var refusal = parse.Errors.Select(e => e.Message).SingleOrDefault(m => m.StartsWith($"output format \"{format}\" is not supported", StringComparison.Ordinal));
        Assert.Equal(!formats.Contains(format), refusal is not null);
        if (refusal is not null && formats.Count > 1)
        {
            Assert.EndsWith(string.Join(", ", formats[..^1]) + " or " + formats[^1], refusal, StringComparison.Ordinal);
        }
        else if (refusal is null)
        {
            Assert.Equal(format, OutputFlag.Name(OutputFlag.Get(parse)));
        }
    }

    [Fact]
    public async Task UsageError_WithJson_IsAJsonErrorOnStdoutAsWellAsTheLineOnStderr()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", "-o", "json");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(ExitCodes.Usage, error.GetProperty("exitCode").GetInt32());
        Assert.Equal("Required argument missing for command: 'status'.", error.GetProperty("message").GetString());
        Assert.StartsWith("error: ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsupportedFormat_IsAUsageErrorOnStderrOnly()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", "x.db", "-o", "wide");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("output format \"wide\" is not supported by this command: use table, json or yaml", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_ListsExactlyTheFormatsTheCommandTakes(string path)
    {
        var formats = OutputFlag.Formats(CommandTree.Find(CommandTree.Root(), path)).Select(OutputFlag.Name).ToList();

        var run = await CliRun.InvokeAsync([.. path.Split(' '), "--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        if (formats.Count > 1)
        {
            Assert.Contains($"<{string.Join('|', formats)}>", run.Stdout, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("--output", run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cordon_WithJson_IsRefusedAsTextOnly()
    {
        var run = await CliRun.InvokeAsync("node", "cordon", "worker-1", "-o", "json");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("this command prints text only", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoctorHelp_ListsTheReportFormats()
    {
        var run = await CliRun.InvokeAsync("doctor", "--help");

        Assert.Contains("<table|json|yaml|markdown|html|sarif>", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingCommand_WithJson_PrintsTheErrorAsJsonOnStdoutAndTheLineOnStderr()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"pitcrew-missing-{Guid.NewGuid():N}.db");

        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", missing, "-o", "json");

        Assert.Equal(ExitCodes.FileNotFound, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(ExitCodes.FileNotFound, error.GetProperty("exitCode").GetInt32());
        Assert.Contains(missing, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(missing, run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("yaml")]
    public async Task Version_RendersTheFormatItLists(string format)
    {
        var run = await CliRun.InvokeAsync("version", "-o", format);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(format == "json", run.Stdout.TrimStart().StartsWith('{'));
        Assert.Contains("gitCommit", run.Stdout, StringComparison.Ordinal);
    }
}
