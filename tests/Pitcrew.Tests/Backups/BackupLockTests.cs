using System.Text.Json;
using Pitcrew.Backups;
using Pitcrew.Backups.Stores;
using Pitcrew.Errors;

namespace Pitcrew.Tests.Backups;

public sealed class BackupLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Acquire_WhileAnotherHolds_IsBlockedNamingTheHolder_AndSucceedsAfterRelease()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        var first = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        var error = await Assert.ThrowsAsync<PitcrewException>(() => BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct));
        Assert.Equal(ExitCodes.Blocked, error.ExitCode);
        Assert.Contains(first.Record.Owner, error.Message, StringComparison.Ordinal);
        await first.DisposeAsync();
        await using var second = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        Assert.NotEqual(first.Record.Owner, second.Record.Owner);
    }

    [Fact]
    public async Task Acquire_ByManyAtOnce_HasExactlyOneWinner()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                return await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
            }
            catch (PitcrewException e) when (e.ExitCode == ExitCodes.Blocked)
            {
                return null;
            }
        }, ct)));
        Assert.Single(attempts, a => a is not null);
        await attempts.Single(a => a is not null)!.DisposeAsync();
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("dead-holder")]
    public async Task Acquire_OverAStaleLock_TakesItOver(string why)
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        var now = DateTimeOffset.UtcNow;
        var stale = why == "expired"
            ? new LockRecord("other/1/x", "another-host", 1, now.AddMinutes(-10), now.AddMinutes(-5))
            : new LockRecord("me/dead", Environment.MachineName, int.MaxValue - 7, now, now.AddHours(1));
        await store.PutSmallAsync(BackupNames.LockName, JsonSerializer.SerializeToUtf8Bytes(stale, BackupJson.Default.LockRecord), ct);
        await using var held = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        Assert.Equal(held.Record.Owner, (await BackupLock.ReadAsync(store, ct))!.Owner);
    }

    [Fact]
    public async Task Renew_AfterAnotherTookTheLock_Throws()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        await using var held = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        var thief = new LockRecord("thief", "another-host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        await store.PutSmallAsync(BackupNames.LockName, JsonSerializer.SerializeToUtf8Bytes(thief, BackupJson.Default.LockRecord), ct);
        var error = await Assert.ThrowsAsync<PitcrewException>(() => held.RenewAsync(ct));
        Assert.Contains("lost the backup lock to thief", error.Message, StringComparison.Ordinal);
    }
}
