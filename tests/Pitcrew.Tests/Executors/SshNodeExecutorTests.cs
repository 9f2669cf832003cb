using System.Diagnostics;
using Pitcrew.Errors;
using Pitcrew.Executors;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Executors;

public sealed class SshNodeExecutorTests(SshdServer server) : IClassFixture<SshdServer>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);
    private SshdFixture Sshd => server.Sshd;

    [Fact]
    public async Task Run_ShellLine_ReturnsExitCodeAndBothStreams()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()));
        var result = await executor.RunAsync("node-a", NodeCommand.Shell("echo one; echo two >&2; exit 3"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Contains(new OutputLine(OutputStream.Stdout, "one"), result.Output);
        Assert.Contains(new OutputLine(OutputStream.Stderr, "two"), result.Output);
    }

    [Fact]
    public async Task Run_Argv_IsQuotedSoEachArgumentArrivesWhole()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()));
        var result = await executor.RunAsync("node-a", NodeCommand.Exec("printf", "%s\\n", "a b", "it's", "$HOME"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["a b", "it's", "$HOME"], result.Output.Select(l => l.Text));
    }

    [Fact]
    public async Task Run_StreamsEachLineBeforeTheCommandEnds()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()));
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = executor.RunAsync("node-a", NodeCommand.Shell("echo first; sleep 2; echo second"),
            line => { if (line.Text == "first") { first.TrySetResult(); } }, Token());

        await first.Task.WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        Assert.False(run.IsCompleted, "the first line should arrive while the command still runs");
        var result = await run.WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(["first", "second"], result.Output.Select(l => l.Text));
    }

    [Fact]
    public async Task Run_PastItsTimeout_IsStoppedAndReportedAsTimedOut()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()));
        var watch = Stopwatch.StartNew();
        var result = await executor.RunAsync("node-a", NodeCommand.Shell("sleep 60") with { Timeout = TimeSpan.FromSeconds(2) }, null, Token())
            .WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.Equal(CommandResult.TimeoutExitCode, result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Run_WithSudoAsRoot_RunsTheCommandDirectly()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()), sudo: true);
        var result = await executor.RunAsync("node-a", NodeCommand.Shell("id -u") with { Sudo = true }, null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(SshdFixture.User == "root" ? "0" : result.Output[0].Text, result.Output[0].Text);
    }

    [Fact]
    public async Task Run_AsAnUnprivilegedUser_GoesThroughSudoOnlyForTheCommandsThatAskForRoot()
    {
        RequireTestUser(TestAccounts.Sudo);
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()), sudo: true, user: TestAccounts.Sudo);

        Assert.Equal(TestAccounts.Sudo, await WhoAmIAsync(executor, sudo: false));
        Assert.Equal("root", await WhoAmIAsync(executor, sudo: true));
    }

    [Fact]
    public async Task Run_WhenTheInventorySaysSudoFalse_RunsEveryCommandAsTheUserItself()
    {
        RequireTestUser(TestAccounts.Sudo);
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()), sudo: false, user: TestAccounts.Sudo);

        Assert.Equal(TestAccounts.Sudo, await WhoAmIAsync(executor, sudo: true));
    }

    [Fact]
    public async Task Run_ThroughSudo_ForAUserWithoutPasswordlessSudo_FailsAtOnceWithSudosReason()
    {
        RequireTestUser(TestAccounts.NoSudo);
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()), sudo: true, user: TestAccounts.NoSudo);
        var watch = Stopwatch.StartNew();
        var result = await executor.RunAsync("node-a", NodeCommand.Exec("apt-mark", "hold", "kubelet") with { Sudo = true }, null, Token())
            .WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.Contains("sudo: a password is required", result.Tail(), StringComparison.Ordinal);
        Assert.Contains("passwordless sudo (NOPASSWD in sudoers)", result.SudoHint(), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"sudo -n should not wait for a password; took {watch.Elapsed}");
    }

    [Fact]
    public async Task Connect_ToAHostMissingFromKnownHosts_IsRefusedWithTheFingerprint()
    {
        await using var executor = Executor(Path.Combine(Sshd.Directory, Unique()));
        var error = await Assert.ThrowsAsync<PitcrewException>(() => executor.RunAsync("node-a", NodeCommand.Shell("true"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCodes.TlsOrAuth, error.ExitCode);
        Assert.Contains("is not in", error.Message, StringComparison.Ordinal);
        Assert.Contains("SHA256:", error.Message, StringComparison.Ordinal);
        Assert.Contains("--ssh-accept-new", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WithAcceptNew_RecordsTheKeySoTheNextRunTrustsIt()
    {
        var knownHosts = Path.Combine(Sshd.Directory, Unique());
        await using (var accepting = Executor(knownHosts, acceptNew: true))
        {
            Assert.Equal(0, (await accepting.RunAsync("node-a", NodeCommand.Shell("true"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken)).ExitCode);
        }

        Assert.Contains($"[127.0.0.1]:{Sshd.Port} ssh-ed25519 ", await File.ReadAllTextAsync(knownHosts, Token()), StringComparison.Ordinal);
        await using var strict = Executor(knownHosts);
        Assert.Equal(0, (await strict.RunAsync("node-a", NodeCommand.Shell("true"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken)).ExitCode);
    }

    [Fact]
    public async Task Connect_WhenTheHostKeyChanged_IsRefusedEvenWithAcceptNew()
    {
        var knownHosts = Path.Combine(Sshd.Directory, Unique());
        var other = (await File.ReadAllTextAsync(Sshd.OtherKeyPath + ".pub", Token())).Split(' ');
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{Sshd.Port} {other[0]} {other[1]}\n", Token());
        await using var executor = Executor(knownHosts, acceptNew: true);

        var error = await Assert.ThrowsAsync<PitcrewException>(() => executor.RunAsync("node-a", NodeCommand.Shell("true"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.TlsOrAuth, error.ExitCode);
        Assert.Contains("HOST KEY CHANGED", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WithAKeyTheServerDoesNotAccept_FailsAsAuthentication()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()), keyFile: Sshd.OtherKeyPath);
        var error = await Assert.ThrowsAsync<PitcrewException>(() => executor.RunAsync("node-a", NodeCommand.Shell("true"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCodes.TlsOrAuth, error.ExitCode);
        Assert.Contains("refused the key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ToAClosedPort_FailsAsUnavailable()
    {
        var inventory = Inventory(FreePorts.Next(), Sshd.ClientKeyPath, sudo: false);
        await using var executor = new SshNodeExecutor(new SshExecutorOptions(inventory, Sshd.WriteKnownHosts(Unique()), false, TimeSpan.FromSeconds(5)),
            (_, _) => Task.FromResult<string?>(null), TimeProvider.System);
        var error = await Assert.ThrowsAsync<PitcrewException>(() => executor.RunAsync("node-a", NodeCommand.Shell("true"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCodes.Unavailable, error.ExitCode);
        Assert.Contains("node/node-a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NodeMissingFromTheInventory_IsReachedAtItsInternalIp()
    {
        var path = Path.Combine(Sshd.Directory, Unique() + ".yaml");
        await File.WriteAllTextAsync(path, $"defaults:\n  port: {Sshd.Port}\n  user: {SshdFixture.User}\n  keyFile: {Sshd.ClientKeyPath}\n", Token());
        var asked = new List<string>();
        await using var executor = new SshNodeExecutor(new SshExecutorOptions(NodeInventory.Load(path), Sshd.WriteKnownHosts(Unique()), false, TimeSpan.FromSeconds(10)),
            (node, _) => { asked.Add(node); return Task.FromResult<string?>("127.0.0.1"); }, TimeProvider.System);

        var result = await executor.RunAsync("worker-9", NodeCommand.Shell("echo hi"), null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["worker-9"], asked);
    }

    [Fact]
    public async Task Upload_OverSftp_PlacesTheFileOwnerOnly_InADirectoryItCreates_AndLeavesNoTemporaryFile()
    {
        await using var executor = Executor(Sshd.WriteKnownHosts(Unique()));
        var local = Path.Combine(Sshd.Directory, Unique() + ".db");
        await File.WriteAllBytesAsync(local, [.. Enumerable.Range(0, 300_000).Select(i => (byte)i)], Token());
        var remote = Path.Combine(Sshd.Directory, Unique(), "restore", "snap.db");
        long sent = 0;

        await executor.UploadAsync("node-a", local, remote, b => sent = b, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        await executor.UploadAsync("node-a", local, remote, null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(await File.ReadAllBytesAsync(local, Token()), await File.ReadAllBytesAsync(remote, Token()));
        Assert.Equal(300_000, sent);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(remote));
        Assert.Equal(["snap.db"], Directory.GetFiles(Path.GetDirectoryName(remote)!).Select(Path.GetFileName));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Empty(Directory.GetFiles(home, ".pitcrew-upload-*"));
    }

    private SshNodeExecutor Executor(string knownHosts, bool acceptNew = false, string? keyFile = null, bool sudo = false, string? user = null) =>
        new(new SshExecutorOptions(Inventory(Sshd.Port, keyFile ?? Sshd.ClientKeyPath, sudo, user), knownHosts, acceptNew, TimeSpan.FromSeconds(10)),
            (_, _) => Task.FromResult<string?>(null), TimeProvider.System);

    /// <summary>The accounts scripts/setup.sh adds; sshd can log in as another user only when it runs as root.</summary>
    private static void RequireTestUser(string user)
    {
        Assert.True(SshdFixture.User == "root", $"logging in as {user} needs the test sshd to run as root (it runs as {SshdFixture.User})");
        Assert.True(TestAccounts.Exists(user), TestAccounts.Missing(user));
    }

    private static async Task<string> WhoAmIAsync(SshNodeExecutor executor, bool sudo)
    {
        var result = await executor.RunAsync("node-a", NodeCommand.Shell("id -un") with { Sudo = sudo }, null, Token()).WaitAsync(TestTimeout, TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"id -un exited {result.ExitCode}: {result.Tail()}");
        return result.Output[0].Text;
    }

    private NodeInventory Inventory(int port, string keyFile, bool sudo, string? user = null)
    {
        var path = Path.Combine(Sshd.Directory, Unique() + ".yaml");
        File.WriteAllText(path, $"""
            nodes:
              node-a:
                host: 127.0.0.1
                port: {port}
                user: {user ?? SshdFixture.User}
                keyFile: {keyFile}
                sudo: {(sudo ? "true" : "false")}

            """);
        return NodeInventory.Load(path);
    }

    private static string Unique() => "kh-" + Guid.NewGuid().ToString("N")[..8];

    private static CancellationToken Token() => TestContext.Current.CancellationToken;
}
