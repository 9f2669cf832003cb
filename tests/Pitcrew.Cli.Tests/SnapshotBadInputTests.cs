using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests;

public sealed class SnapshotBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-cli-").FullName;

    [Theory]
    [InlineData("status")]
    [InlineData("verify")]
    public async Task Snapshot_OfMissingFile_ExitsFileNotFoundWithOneLine(string verb)
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", verb, Path.Combine(_dir, "nope.db"));
        AssertOneLineError(run, ExitCodes.FileNotFound, "no such file");
    }

    [Fact]
    public async Task Status_OfDirectory_ExitsFileUnreadable()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", _dir);
        AssertOneLineError(run, ExitCodes.FileUnreadable, "is a directory");
    }

    [Fact]
    public async Task Status_OfEmptyFile_ExitsNotASnapshot()
    {
        var path = Write("empty.db", []);
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", path);
        AssertOneLineError(run, ExitCodes.NotASnapshot, "empty");
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4096 * 3)]
    [InlineData(4096 * 3 + 32)]
    public async Task Verify_OfRandomBytes_ExitsNotASnapshot(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "verify", Write("random.db", bytes));
        AssertOneLineError(run, ExitCodes.NotASnapshot, "no valid bbolt meta page");
    }

    [Fact]
    public async Task Output_WithUnknownFormat_IsAUsageError()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", "x.db", "-o", "xml");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("unknown output format", run.Stderr, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertOneLineError(CliRun run, int exitCode, string fragment)
    {
        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
