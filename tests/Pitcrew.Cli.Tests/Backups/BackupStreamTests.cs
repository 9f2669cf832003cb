using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Etcdserverpb;
using Google.Protobuf;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>
/// backup run --continuous against a real etcd under writes: every change streamed into the store, any revision rebuilt
/// into a snapshot that the real etcdctl restores and a real etcd serves exactly as the live etcd served that revision.
/// </summary>
public sealed partial class BackupStreamTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stream_UnderWrites_SurvivesASigkill_AndEveryRevisionRebuildsAsEtcdServedIt()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 1), Token);
        var root = etcd.RootDirectory;
        var store = new Uri(Path.Combine(root, "store")).AbsoluteUri;
        Directory.CreateDirectory(new Uri(store).LocalPath);
        var environment = new Dictionary<string, string> { ["ETCDCTL_ENDPOINTS"] = etcd.Endpoint };
        using var channel = etcd.CreateChannel();
        var kv = new KV.KVClient(channel);
        var leases = new Lease.LeaseClient(channel);
        var early = (await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 3600 }, cancellationToken: Token)).ID;
        for (var i = 0; i < 50; i++)
        {
            await PutAsync(kv, $"/registry/configmaps/shop/cm-{i:D3}", $"v0-{i}", i % 10 == 0 ? early : 0);
        }

        var created = await CliRun.InvokeAsync(environment, "etcd", "backup", "create", "--store", store);
        Assert.True(created.ExitCode == ExitCodes.Ok, created.Stderr);
        var baseRevision = await etcd.RevisionAsync();

        // First runner: streams while we write, then is killed without warning.
        var runner = PitcrewProcess.Start(environment, "etcd", "backup", "run", "--store", store, "--schedule", "0 0 1 1 *", "--continuous",
            "--max-delay", "300ms", "--metrics-addr", "127.0.0.1:0");
        var serving = await runner.WaitForLineAsync("serving metrics on ", TimeSpan.FromSeconds(60));
        await runner.WaitForLineAsync("change stream: following", TimeSpan.FromSeconds(60));
        var late = (await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 3600 }, cancellationToken: Token)).ID;
        var marks = new List<long>();
        var beforeDelete = DateTimeOffset.MinValue;
        await WriteAsync(kv, "a", 0, 150, late);
        marks.Add(await etcd.RevisionAsync());
        await WaitStoredAsync(serving, marks[^1]);
        await runner.KillAsync();
        await runner.DisposeAsync();

        // Changes while no runner runs, then a second runner resumes after what is stored: no gap.
        await WriteAsync(kv, "b", 150, 60, late);
        marks.Add(await etcd.RevisionAsync());
        await using (var second = PitcrewProcess.Start(environment, "etcd", "backup", "run", "--store", store, "--schedule", "0 0 1 1 *", "--continuous",
            "--max-delay", "300ms", "--metrics-addr", "127.0.0.1:0"))
        {
            var again = await second.WaitForLineAsync("serving metrics on ", TimeSpan.FromSeconds(60));
            await WriteAsync(kv, "c", 210, 80, 0);
            // A transaction of several changes: one revision, several sub-revisions.
            await kv.TxnAsync(new TxnRequest
            {
                Success =
                {
                    new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8("/txn/one"), Value = ByteString.CopyFromUtf8("1") } },
                    new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8("/txn/two"), Value = ByteString.CopyFromUtf8("2") } },
                    new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8("/registry/configmaps/shop/cm-001") } },
                },
            }, cancellationToken: Token);
            marks.Add(await etcd.RevisionAsync());

            // The moment an operator would pick: after everything so far was received, just before the mass delete.
            await Task.Delay(TimeSpan.FromMilliseconds(1500), Token);
            beforeDelete = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromMilliseconds(1000), Token);
            await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8("/registry/configmaps/shop/"), RangeEnd = ByteString.CopyFromUtf8("/registry/configmaps/shop0") },
                cancellationToken: Token);
            marks.Add(await etcd.RevisionAsync());
            await WaitStoredAsync(again, marks[^1]);
            Assert.Contains($"from revision {marks[0] + 1}", second.Stderr, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Ok, await second.TerminateAsync(TimeSpan.FromSeconds(20)));
        }

        // Each point, rebuilt, restored by the real etcdctl and served by a real etcd: the keyspace etcd served then.
        foreach (var revision in new[] { baseRevision, baseRevision + 1, marks[0], marks[1], marks[2] - 1, marks[2], marks[3] })
        {
            var file = Path.Combine(root, $"rev-{revision}.db");
            var get = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", file, "--revision", revision.ToString(CultureInfo.InvariantCulture), "--store", store);
            Assert.True(get.ExitCode == ExitCodes.Ok, get.Stderr);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var expected = await KeyspaceAsync(etcd, etcd.Endpoint, revision);
            Assert.Equal(expected, await RestoredKeyspaceAsync(root, file, revision));
        }

        // --at just before the mass delete: every deleted ConfigMap is there, exactly as etcd served that revision.
        var atFile = Path.Combine(root, "at.db");
        var at = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", atFile, "--at", beforeDelete.ToString("O", CultureInfo.InvariantCulture), "--store", store);
        Assert.True(at.ExitCode == ExitCodes.Ok, at.Stderr);
        Assert.Contains($"revision {marks[2]} rebuilt", at.Stdout, StringComparison.Ordinal);
        var atKeys = await RestoredKeyspaceAsync(root, atFile, -1);
        Assert.Equal(await KeyspaceAsync(etcd, etcd.Endpoint, marks[2]), atKeys);
        Assert.Equal(49, atKeys.Split('\n').Count(l => l.StartsWith("/registry/configmaps/shop/", StringComparison.Ordinal)));

        // The history finds the deletion and its revision; the one deleted in the transaction shares it with two puts.
        var history = await CliRun.InvokeAsync(environment, "etcd", "backup", "history", "/registry/configmaps/shop/", "--prefix", "--store", store, "-o", "json");
        Assert.True(history.ExitCode == ExitCodes.Ok, history.Stderr);
        using (var changes = JsonDocument.Parse(history.Stdout))
        {
            var deleted = changes.RootElement.EnumerateArray().Where(c => c.GetProperty("event").GetString() == "DELETED").ToList();
            Assert.Equal(50, deleted.Count);
            Assert.Equal(49, deleted.Count(c => c.GetProperty("revision").GetInt64() == marks[3]));
            Assert.Equal(marks[2], deleted.Single(c => c.GetProperty("key").GetString() == "/registry/configmaps/shop/cm-001").GetProperty("revision").GetInt64());
        }

        var table = await CliRun.InvokeAsync(environment, "etcd", "backup", "history", "/registry/configmaps/shop/cm-002", "--store", store);
        Assert.Matches($@"{marks[3]}\s+\S+Z\s+DELETED\s+/registry/configmaps/shop/cm-002", table.Stdout);

        // verify reads the chain through too.
        var verify = await CliRun.InvokeAsync(environment, "etcd", "backup", "verify", "latest", "--store", store);
        Assert.True(verify.ExitCode == ExitCodes.Ok, verify.Stderr);
        Assert.Contains($"to revision {marks[3]:N0}", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("), verified", verify.Stdout, StringComparison.Ordinal);

        // A revision past what is stored: refused, naming what the store covers.
        var beyond = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", Path.Combine(root, "beyond.db"), "--revision",
            (marks[3] + 1000).ToString(CultureInfo.InvariantCulture), "--store", store);
        Assert.Equal(ExitCodes.FileNotFound, beyond.ExitCode);
        Assert.Contains($"is not covered: the store covers {baseRevision}-{marks[3]}", beyond.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "beyond.db")));

        // Folding the chain into a new full backup: a restore at its end replays nothing; earlier points still rebuild.
        var folded = await CliRun.InvokeAsync(environment, "etcd", "backup", "compact", "--store", store, "--compress", "-o", "json");
        Assert.True(folded.ExitCode == ExitCodes.Ok, folded.Stderr);
        using (var fold = JsonDocument.Parse(folded.Stdout))
        {
            Assert.Equal(marks[3], fold.RootElement.GetProperty("folded").GetProperty("snapshot").GetProperty("revision").GetInt64());
            Assert.Equal("folded", fold.RootElement.GetProperty("folded").GetProperty("tags")[0].GetString());
        }

        var fromFolded = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", Path.Combine(root, "folded.db"), "--revision",
            marks[3].ToString(CultureInfo.InvariantCulture), "--store", store);
        Assert.True(fromFolded.ExitCode == ExitCodes.Ok, fromFolded.Stderr);
        Assert.Contains(" and 0 change(s) in 0 segment(s)", fromFolded.Stdout, StringComparison.Ordinal);
        Assert.Equal(await KeyspaceAsync(etcd, etcd.Endpoint, marks[3]), await RestoredKeyspaceAsync(root, Path.Combine(root, "folded.db"), -2));

        // Tampering with one segment is caught; no file is written.
        var segment = Directory.EnumerateFiles(new Uri(store).LocalPath, "*.pchg*").Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(segment, Token);
        bytes[^5] ^= 0x40;
        await File.WriteAllBytesAsync(segment, bytes, Token);
        var tampered = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", Path.Combine(root, "tampered.db"), "--revision",
            marks[2].ToString(CultureInfo.InvariantCulture), "--store", store);
        Assert.Equal(ExitCodes.Corrupt, tampered.ExitCode);
        Assert.Contains("tampered", tampered.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "tampered.db")));
        var verifyTampered = await CliRun.InvokeAsync(environment, "etcd", "backup", "verify", Path.GetFileName(segment).Split('.')[0], "--store", store);
        Assert.Equal(ExitCodes.Corrupt, verifyTampered.ExitCode);

        // Pruning the first backup takes its chain with it (no kept backup runs on it): only the folded one is left.
        var prune = await CliRun.InvokeAsync(environment, "etcd", "backup", "prune", "--store", store, "--keep-last", "1");
        Assert.True(prune.ExitCode == ExitCodes.Ok, prune.Stderr);
        Assert.Empty(Directory.EnumerateFiles(new Uri(store).LocalPath, "*.changes.*"));
        var gone = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", Path.Combine(root, "gone.db"), "--revision",
            marks[2].ToString(CultureInfo.InvariantCulture), "--store", store);
        Assert.Equal(ExitCodes.FileNotFound, gone.ExitCode);
    }

    [Fact]
    public async Task Stream_OnS3Encrypted_WhenItsStartWasCompacted_TakesAFullBackup_ReportsTheGapAndRefusesIt()
    {
        await using var s3 = await S3Fixture.StartAsync(Token);
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 1), Token);
        var root = etcd.RootDirectory;
        var keyFile = Path.Combine(root, "backup.key");
        var otherKey = Path.Combine(root, "other.key");
        await File.WriteAllTextAsync(keyFile, new string('a', 64) + "\n", Token);
        await File.WriteAllTextAsync(otherKey, new string('b', 64) + "\n", Token);
        var store = S3Fixture.NewStore();
        string[] storeFlags = ["--store", store, "--s3-endpoint", s3.Endpoint, "--encrypt-key-file", keyFile];
        var environment = new Dictionary<string, string>(S3Fixture.Credentials) { ["ETCDCTL_ENDPOINTS"] = etcd.Endpoint, ["PITCREW_S3_RETRY_DELAY_MS"] = "20" };
        using var channel = etcd.CreateChannel();
        var kv = new KV.KVClient(channel);
        await WriteAsync(kv, "seed", 0, 20, 0);
        var created = await CliRun.InvokeAsync(environment, ["etcd", "backup", "create", "--compress", .. storeFlags]);
        Assert.True(created.ExitCode == ExitCodes.Ok, created.Stderr);

        string[] run = ["etcd", "backup", "run", "--schedule", "0 0 1 1 *", "--continuous", "--max-delay", "200ms", "--metrics-addr", "127.0.0.1:0", "--compress", .. storeFlags];
        long streamed;
        await using (var first = PitcrewProcess.Start(environment, run))
        {
            var serving = await first.WaitForLineAsync("serving metrics on ", TimeSpan.FromSeconds(60));
            await first.WaitForLineAsync("change stream: following", TimeSpan.FromSeconds(60));
            await WriteAsync(kv, "a", 0, 30, 0);
            streamed = await etcd.RevisionAsync();
            await WaitStoredAsync(serving, streamed);
            Assert.Equal(ExitCodes.Ok, await first.TerminateAsync(TimeSpan.FromSeconds(20)));
        }

        // Written while no stream runs, then compacted away: the stream cannot resume where it stopped.
        await WriteAsync(kv, "b", 30, 40, 0);
        var compacted = await etcd.RevisionAsync();
        await etcd.CompactAsync(compacted);
        long final;
        await using (var second = PitcrewProcess.Start(environment, run))
        {
            var serving = await second.WaitForLineAsync("serving metrics on ", TimeSpan.FromSeconds(60));
            await second.WaitForLineAsync("taking a full backup now", TimeSpan.FromSeconds(60));
            var until = DateTime.UtcNow.AddSeconds(60);
            while (Regex.Count(second.Stderr, "change stream: following") < 2 && DateTime.UtcNow < until)
            {
                // The second "following" names the new full backup: the changes below belong to its chain.
                await Task.Delay(100, Token);
            }

            await WriteAsync(kv, "c", 70, 20, 0);
            final = await etcd.RevisionAsync();
            await WaitStoredAsync(serving, final, second);
            var metrics = await new HttpClient().GetStringAsync(Url().Match(serving).Value, Token);
            Assert.Contains("pitcrew_backup_stream_gaps_total 1\n", metrics, StringComparison.Ordinal);
            Assert.Contains($"etcd has compacted the history the stream needs: it wanted revision {streamed + 1}", second.Stderr, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Ok, await second.TerminateAsync(TimeSpan.FromSeconds(20)));
        }

        var list = await CliRun.InvokeAsync(environment, ["etcd", "backup", "list", .. storeFlags]);
        Assert.True(list.ExitCode == ExitCodes.Ok, list.Stderr);
        Assert.Contains($"gap: revisions {streamed + 1:N0}-", list.Stdout, StringComparison.Ordinal);

        var inGap = await CliRun.InvokeAsync(environment, ["etcd", "backup", "get", "latest", Path.Combine(root, "gap.db"), "--revision", (streamed + 5).ToString(CultureInfo.InvariantCulture), .. storeFlags]);
        Assert.Equal(ExitCodes.FileNotFound, inGap.ExitCode);
        Assert.Contains($"revision {streamed + 5} is not covered", inGap.Stderr, StringComparison.Ordinal);

        foreach (var revision in new[] { streamed, final })
        {
            var file = Path.Combine(root, $"s3-{revision}.db");
            var get = await CliRun.InvokeAsync(environment, ["etcd", "backup", "get", "latest", file, "--revision", revision.ToString(CultureInfo.InvariantCulture), .. storeFlags]);
            Assert.True(get.ExitCode == ExitCodes.Ok, get.Stderr);
            if (revision == final)
            {
                Assert.Equal(await KeyspaceAsync(etcd, etcd.Endpoint, revision), await RestoredKeyspaceAsync(root, file, revision));
            }
        }

        // The segments are encrypted with the store's key: another key is refused.
        var wrong = await CliRun.InvokeAsync(environment, "etcd", "backup", "get", "latest", Path.Combine(root, "wrong.db"), "--revision", final.ToString(CultureInfo.InvariantCulture),
            "--store", store, "--s3-endpoint", s3.Endpoint, "--encrypt-key-file", otherKey);
        Assert.Equal(ExitCodes.TlsOrAuth, wrong.ExitCode);
    }

    private static async Task PutAsync(KV.KVClient kv, string key, string value, long lease = 0) =>
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value), Lease = lease }, cancellationToken: Token);

    /// <summary>Puts, overwrites and deletes: creates, version bumps, tombstones, a lease on some keys.</summary>
    private static async Task WriteAsync(KV.KVClient kv, string round, int from, int count, long lease)
    {
        for (var i = from; i < from + count; i++)
        {
            await PutAsync(kv, $"/registry/pods/{round}/p-{i:D4}", $"{round}-{i}", i % 7 == 0 ? lease : 0);
            await PutAsync(kv, $"/registry/configmaps/shop/cm-{i % 50:D3}", $"{round}-{i}");
            if (i % 5 == 0)
            {
                await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8($"/registry/pods/{round}/p-{i - 1:D4}") }, cancellationToken: Token);
            }
        }
    }

    /// <summary>Waits until the runner's metrics say the revision is stored.</summary>
    internal static async Task WaitStoredAsync(string serving, long revision, PitcrewProcess? runner = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = Url().Match(serving).Value;
        var until = DateTime.UtcNow.AddSeconds(60);
        long stored = 0;
        while (DateTime.UtcNow < until)
        {
            var metrics = await http.GetStringAsync(url, Token);
            stored = long.Parse(Regex.Match(metrics, @"^pitcrew_backup_stream_last_stored_revision (\d+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
            if (stored >= revision)
            {
                return;
            }

            await Task.Delay(100, Token);
        }

        Assert.Fail($"revision {revision} not stored within 60 s (stored: {stored}); the runner said: {runner?.Stderr}");
    }

    /// <summary>Every key at the revision as etcdctl reads it: key, value, create and mod revision, version, lease.</summary>
    private static async Task<string> KeyspaceAsync(EtcdFixture etcd, string endpoint, long? revision)
    {
        var args = new List<string> { "get", "", "--prefix", "-w", "json" };
        if (revision is { } rev)
        {
            args.Add($"--rev={rev}");
        }

        var got = await etcd.RunEtcdctlAsync(args, endpoint, Token);
        Assert.True(got.ExitCode == 0, got.Stderr);
        using var json = JsonDocument.Parse(got.Stdout);
        if (!json.RootElement.TryGetProperty("kvs", out var kvs))
        {
            return string.Empty;
        }

        return string.Join('\n', kvs.EnumerateArray().Select(k => string.Join(' ',
            Text(k.GetProperty("key").GetString()), k.TryGetProperty("value", out var v) ? Text(v.GetString()) : string.Empty,
            k.GetProperty("create_revision").GetInt64(), k.GetProperty("mod_revision").GetInt64(), k.GetProperty("version").GetInt64(),
            k.TryGetProperty("lease", out var l) ? l.GetInt64() : 0)));
    }

    /// <summary>etcdctl's JSON carries keys and values in base64.</summary>
    private static string Text(string? base64) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64 ?? string.Empty));

    /// <summary>Restores the file with the real etcdctl, serves it with a real etcd, and reads its whole keyspace.</summary>
    private static async Task<string> RestoredKeyspaceAsync(string root, string file, long revision)
    {
        var dir = Path.Combine(root, $"restored-{revision}");
        var peer = $"http://127.0.0.1:{FreePorts.Next()}";
        var restore = await EtcdFixture.RunEtcdctlOfflineAsync(["snapshot", "restore", file, "--data-dir", dir, "--name", "pit",
            "--initial-cluster", $"pit={peer}", "--initial-advertise-peer-urls", peer], Token);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Directory.CreateDirectory(dir + "-root");
        await using var restored = await EtcdFixture.StartRestoredAsync(dir + "-root", [new RestoredMember("pit", dir, peer)], "etcd-cluster", Token);
        return await KeyspaceAsync(restored, restored.Endpoint, null);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/metrics")]
    private static partial Regex Url();
}
