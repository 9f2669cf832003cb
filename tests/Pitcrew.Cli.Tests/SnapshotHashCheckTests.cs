using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests;

/// <summary>verify and status say what they did not check: a skipped trailer never reads as a match.</summary>
public sealed class SnapshotHashCheckTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-cli-hash-").FullName;

    private string Sound => Path.Combine(_dir, "sound.db");

    private string Damaged => Path.Combine(_dir, "damaged.db");

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(cancellationToken: token).WaitAsync(Bound, token);
        await etcd.PutAsync("/registry/pods/default/web-0", "{}");
        var saved = await CliRun.InvokeAsync("etcd", "snapshot", "save", Sound, "--endpoints", etcd.Endpoint);
        Assert.True(saved.ExitCode == ExitCodes.Ok, saved.Stderr);

        // Flip the trailer's last byte: the structure stays sound, only the digest disagrees.
        var bytes = await File.ReadAllBytesAsync(Sound, token);
        bytes[^1] ^= 0xff;
        await File.WriteAllBytesAsync(Damaged, bytes, token);
    }

    [Fact]
    public async Task Verify_WithSkipHashCheck_SaysTheDigestWasNotCheckedRatherThanMatched()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "verify", Damaged, "--skip-hash-check");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("sha256 not checked (--skip-hash-check)", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("matches", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sound", false, "matched")]
    [InlineData("damaged", true, "not-checked")]
    [InlineData("sound", true, "not-checked")]
    public async Task Verify_AsJson_NamesWhetherTheDigestMatchedOrWasSkipped(string file, bool skip, string expected)
    {
        string[] args = ["etcd", "snapshot", "verify", Path.Combine(_dir, file + ".db"), "-o", "json", .. skip ? ["--skip-hash-check"] : Array.Empty<string>()];
        var run = await CliRun.InvokeAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(expected, json.RootElement.GetProperty("sha256Check").GetString());
    }

    [Fact]
    public async Task Verify_OfDamagedTrailer_WithoutSkip_ExitsCorrupt()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "verify", Damaged);

        Assert.Equal(ExitCodes.Corrupt, run.ExitCode);
        Assert.Contains("does not match its trailer", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "mismatched", "DOES NOT MATCH")]
    [InlineData(true, "not-checked", "not checked (--skip-hash-check)")]
    public async Task Status_OfDamagedTrailer_NamesTheTrailerStateInTableAndJson(bool skip, string state, string text)
    {
        string[] flags = skip ? ["--skip-hash-check"] : [];
        var json = await CliRun.InvokeAsync(["etcd", "snapshot", "status", Damaged, "-o", "json", .. flags]);
        var table = await CliRun.InvokeAsync(["etcd", "snapshot", "status", Damaged, .. flags]);

        Assert.True(json.ExitCode == ExitCodes.Ok, json.Stderr);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(state, document.RootElement.GetProperty("trailer").GetProperty("state").GetString());
        Assert.Contains(text, table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("matches", table.Stdout, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}
