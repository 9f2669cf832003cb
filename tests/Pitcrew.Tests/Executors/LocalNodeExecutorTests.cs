using Pitcrew.Executors;

namespace Pitcrew.Tests.Executors;

public sealed class LocalNodeExecutorTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_ReturnsTheExitCodeAndStreamsLines()
    {
        await using var executor = new LocalNodeExecutor(TimeProvider.System);
        var seen = new List<OutputLine>();
        var result = await executor.RunAsync("here", NodeCommand.Shell("echo out; echo err >&2; exit 7"), seen.Add, TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(7, result.ExitCode);
        Assert.Equal(result.Output.OrderBy(l => l.Text), seen.OrderBy(l => l.Text));
        Assert.Contains(new OutputLine(OutputStream.Stderr, "err"), seen);
    }

    [Fact]
    public async Task Run_PastItsTimeout_KillsTheProcess()
    {
        await using var executor = new LocalNodeExecutor(TimeProvider.System);
        var result = await executor.RunAsync("here", NodeCommand.Exec("sleep", "30") with { Timeout = TimeSpan.FromMilliseconds(300) }, null, TestContext.Current.CancellationToken)
            .WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.Equal(CommandResult.TimeoutExitCode, result.ExitCode);
    }

    [Fact]
    public async Task Run_AMissingProgram_Exits127WithTheReason()
    {
        await using var executor = new LocalNodeExecutor(TimeProvider.System);
        var result = await executor.RunAsync("here", NodeCommand.Exec("/nonexistent/kubeadm", "version"), null, TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(CommandResult.NotFoundExitCode, result.ExitCode);
        Assert.Contains("/nonexistent/kubeadm", result.Tail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain argv", false, "kubeadm upgrade node", "kubeadm upgrade node")]
    [InlineData("argv through sudo", false, "sudo -n -- apt-get install -y 'kubeadm=1.30.4-1.1 x'", "apt-get install -y 'kubeadm=1.30.4-1.1 x'")]
    [InlineData("root skips sudo", true, "apt-mark hold kubelet", "apt-mark hold kubelet")]
    public void RemoteLine_QuotesArgumentsAndAddsSudoOnlyForOthersThanRoot(string description, bool asRoot, string expected, string _)
    {
        var command = description switch
        {
            "plain argv" => NodeCommand.Exec("kubeadm", "upgrade", "node"),
            "argv through sudo" => NodeCommand.Exec("apt-get", "install", "-y", "kubeadm=1.30.4-1.1 x") with { Sudo = true },
            _ => NodeCommand.Exec("apt-mark", "hold", "kubelet") with { Sudo = true },
        };
        Assert.Equal(expected, command.RemoteLine(asRoot));
    }

    [Theory]
    [InlineData(1, "sudo: a password is required", "passwordless sudo")]
    [InlineData(1, "pitcrew is not in the sudoers file.", null)]
    [InlineData(1, "sudo: pitcrew is not in the sudoers file.", "passwordless sudo")]
    [InlineData(127, "sh: 1: sudo: not found", "sudo is not installed on node/n1")]
    [InlineData(127, "bash: sudo: command not found", "sudo is not installed on node/n1")]
    [InlineData(100, "E: Unable to locate package kubeadm", null)]
    [InlineData(0, "sudo: a password is required", null)]
    public void SudoHint_NamesTheFixOnlyWhenSudoStoppedTheCommand(int exitCode, string line, string? expected)
    {
        var result = new CommandResult("n1", "apt-get update", exitCode, false, TimeSpan.Zero, [new OutputLine(OutputStream.Stderr, line)]);
        if (expected is null)
        {
            Assert.Null(result.SudoHint());
        }
        else
        {
            Assert.Contains(expected, result.SudoHint(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RemoteLine_ShellLineThroughSudo_RunsInAShell()
    {
        var command = NodeCommand.Shell("apt-mark unhold kubeadm && apt-get update") with { Sudo = true };
        Assert.Equal("sudo -n -- sh -c 'apt-mark unhold kubeadm && apt-get update'", command.RemoteLine(direct: false));
    }

    [Fact]
    public async Task Upload_CopiesAtomically_OwnerOnly_IntoADirectoryItCreates()
    {
        var root = Directory.CreateTempSubdirectory("pitcrew-local-upload-").FullName;
        try
        {
            var local = Path.Combine(root, "snap.db");
            await File.WriteAllTextAsync(local, "snapshot bytes", TestContext.Current.CancellationToken);
            var remote = Path.Combine(root, "var", "lib", "pitcrew", "restore", "snap.db");
            await using var executor = new LocalNodeExecutor(TimeProvider.System);

            await executor.UploadAsync("here", local, remote, null, TestContext.Current.CancellationToken).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

            Assert.Equal("snapshot bytes", await File.ReadAllTextAsync(remote, TestContext.Current.CancellationToken));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(remote));
            Assert.Equal(["snap.db"], Directory.GetFiles(Path.GetDirectoryName(remote)!).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
