using System.Runtime.CompilerServices;
using System.Text.Json;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Backups;

public sealed class RetentionSimulateTests
{
    private static readonly string[] Simulate = ["etcd", "backup", "retention", "simulate"];

    [Fact]
    public async Task Simulate_Json_ListsEveryBackupWithTimeTagsKeepAndReasons()
    {
        var run = await CliRun.InvokeAsync([.. Simulate, "--every", "1h", "--for", "2d", "--until", "2026-12-01T00:00:00Z", "--tag-at", "2026-11-30T12:30:00Z=pre-upgrade", "--keep-last", "3", "-o", "json"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var document = JsonDocument.Parse(run.Stdout);
        var root = document.RootElement;
        Assert.Equal(["backups"], root.EnumerateObject().Select(p => p.Name));
        var backups = root.GetProperty("backups").EnumerateArray().ToList();
        Assert.Equal(49 + 1, backups.Count);
        Assert.All(backups, b =>
        {
            Assert.Equal(["time", "tags", "keep", "reasons"], b.EnumerateObject().Select(p => p.Name));
            Assert.EndsWith("Z", b.GetProperty("time").GetString(), StringComparison.Ordinal);
            Assert.NotEqual(0, b.GetProperty("reasons").GetArrayLength());
        });
        Assert.Equal("2026-12-01T00:00:00Z", backups[0].GetProperty("time").GetString());
        Assert.Equal(["last 3", "newest verified backup: never deleted"], backups[0].GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        var tagged = backups.Single(b => b.GetProperty("tags").GetArrayLength() == 1);
        Assert.Equal("2026-11-30T12:30:00Z", tagged.GetProperty("time").GetString());
        Assert.True(tagged.GetProperty("keep").GetBoolean());
        Assert.Equal(4, backups.Count(b => b.GetProperty("keep").GetBoolean()));
        Assert.Equal("not kept by any rule", backups[^1].GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task Simulate_SeedDefaultOver400Days_PrintsTheGoldenSummary()
    {
        var run = await CliRun.InvokeAsync([.. Simulate, "--every", "1h", "--for", "400d", "--until", "2026-12-01T00:00:00Z", "--tag-at", "2026-10-02T09:30:00Z=pre-upgrade"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Empty(run.Stderr);
        Golden("simulate-seed-400d.txt", run.Stdout);
    }

    [Fact]
    public async Task Simulate_InAsiaSeoul_PrintsLocalTimesAndLocalDays()
    {
        var run = await CliRun.InvokeAsync([.. Simulate, "--every", "30m", "--for", "1d", "--until", "2026-11-23T16:00:00Z", "--keep-daily", "2", "--time-zone", "Asia/Seoul", "-o", "json"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var document = JsonDocument.Parse(run.Stdout);
        var kept = document.RootElement.GetProperty("backups").EnumerateArray().Where(b => b.GetProperty("keep").GetBoolean()).ToList();
        Assert.Equal(["2026-11-24T01:00:00+09:00", "2026-11-23T23:30:00+09:00"], kept.Select(b => b.GetProperty("time").GetString()));
        Assert.Equal("daily tier: newest of 2026-11-23", kept[1].GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task Simulate_WithoutUntil_EndsAtTheClocksNow()
    {
        var run = await InvokeAtAsync(new DateTimeOffset(2026, 11, 23, 14, 5, 9, 500, TimeSpan.Zero), [.. Simulate, "--every", "1d", "--for", "3d", "-o", "json"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.Equal("2026-11-23T14:05:09Z", document.RootElement.GetProperty("backups")[0].GetProperty("time").GetString());
        Assert.Equal(4, document.RootElement.GetProperty("backups").GetArrayLength());
    }

    [Theory]
    [InlineData("invalid period \"0\" for --every", "--every", "0", "--for", "1d")]
    [InlineData("invalid period \"1x\" for --every", "--every", "1x", "--for", "1d")]
    [InlineData("invalid span \"10\" for --for", "--every", "1h", "--for", "10")]
    [InlineData("invalid span \"1.5d\" for --keep-within", "--every", "1h", "--for", "1d", "--keep-within", "1.5d")]
    [InlineData("invalid count \"-2\" for --keep-daily", "--every", "1h", "--for", "1d", "--keep-daily", "-2")]
    [InlineData("invalid count \"many\" for --keep-weekly", "--every", "1h", "--for", "1d", "--keep-weekly", "many")]
    [InlineData("unknown time zone \"Mars/Olympus\"", "--every", "1h", "--for", "1d", "--time-zone", "Mars/Olympus")]
    [InlineData("invalid value \"tomorrow\" for --tag-at", "--every", "1h", "--for", "1d", "--tag-at", "tomorrow")]
    [InlineData("invalid time \"yesterday\" for --until", "--every", "1h", "--for", "1d", "--until", "yesterday")]
    [InlineData("--every", "--for", "1d")]
    [InlineData("would build 31,536,001 backups, more than 1,000,000", "--every", "1s", "--for", "1y")]
    public async Task Simulate_WithBadFlags_ExitsUsageNamingTheFlag(string fragment, params string[] args)
    {
        var run = await CliRun.InvokeAsync([.. Simulate, .. args]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(fragment, run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    private static async Task<CliRun> InvokeAtAsync(DateTimeOffset now, string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(
            CliContext.Create(stdout, redirected: true, noColor: true),
            CliContext.Create(stderr, redirected: true, noColor: true),
            stdout,
            _ => null,
            new FixedTime(now),
            ErrIsTerminal: false);
        var code = await CliApp.RunAsync(args, context).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Compares with testdata/NAME; PITCREW_UPDATE_GOLDEN=1 rewrites it (review the diff).</summary>
    private static void Golden(string name, string actual, [CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "testdata", name);
        if (Environment.GetEnvironmentVariable("PITCREW_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with PITCREW_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
