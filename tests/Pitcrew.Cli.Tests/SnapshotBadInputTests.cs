using Pitcrew.Errors;
using Pitcrew.Testing;

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

    [Theory]
    [InlineData("status")]
    [InlineData("verify")]
    public async Task Snapshot_TheUserMayNotRead_ExitsFileUnreadableWithOneLine(string verb)
    {
        // Tests run as root, which reads any file: the unprivileged account scripts/setup.sh adds runs the real binary.
        const string User = TestAccounts.NoSudo;
        Assert.True(TestAccounts.Exists(User), TestAccounts.Missing(User));
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var path = Write("secret.db", new byte[8192]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
            "runuser", ["-u", User, "--", Path.Combine(AppContext.BaseDirectory, "pitcrew"), "etcd", "snapshot", verb, path],
            TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        AssertOneLineError(new CliRun(exitCode, stdout, stderr), ExitCodes.FileUnreadable, $"{path}: permission denied");
        Assert.Equal(8192, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Output_WithUnknownFormat_IsAUsageError()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", "x.db", "-o", "xml");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("output format \"xml\" is not supported by this command: use table, json or yaml", run.Stderr, StringComparison.Ordinal);
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
