using System.Globalization;
using Pitcrew.Etcd;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore.Drill;

/// <summary>
/// A restore drill: restores the snapshot into a scratch dir, starts a real etcd on free loopback ports from it,
/// compares revision, compaction, keys per prefix and HashKV with what the file says, then stops it and cleans up.
/// </summary>
public static class SnapshotDrill
{
    private const string MemberName = "drill";

    /// <param name="scratchDir">Where to restore (a fresh subdirectory is made and removed); null uses the temp dir.</param>
    public static async Task<DrillReport> RunAsync(string snapshotPath, string? scratchDir, bool skipHashCheck, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var scratch = Path.Combine(scratchDir ?? Path.GetTempPath(), $"pitcrew-drill-{Guid.NewGuid():N}");
        PrivateFiles.CreateDirectory(scratch);
        try
        {
            var peerUrl = $"http://127.0.0.1:{LocalEtcd.FreePort()}";
            var options = new RestoreOptions(snapshotPath, Path.Combine(scratch, "data"), Name: MemberName, InitialCluster: $"{MemberName}={peerUrl}",
                InitialClusterToken: "pitcrew-drill", InitialAdvertisePeerUrls: peerUrl, SkipHashCheck: skipHashCheck, BumpRevision: 0);
            var restored = await SnapshotRestorer.RestoreAsync(options, cancellationToken).ConfigureAwait(false);
            SnapshotExpectation expected;
            using (var file = BoltFile.Open(snapshotPath))
            {
                expected = SnapshotExpectation.Compute(file);
            }

            await using var etcd = await StartAsync(restored.DataDir, peerUrl, time, cancellationToken).ConfigureAwait(false);
            using var client = new EtcdEndpointClient(new EtcdConnectionOptions([etcd.ClientUrl], CommandTimeout: TimeSpan.FromMinutes(5)), etcd.ClientUrl);
            var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
            var (hash, compacted, revision) = await client.HashKvAsync(0, cancellationToken).ConfigureAwait(false);
            var keys = await client.KeysAsync(revision, cancellationToken).ConfigureAwait(false);
            var served = KeyPrefixes.Count(keys);
            var checks = Compare(expected, restored, status, hash, compacted, revision, served);
            return new DrillReport(snapshotPath, status.Version, restored.MemberId, restored.ClusterId, expected.Revision, checks, time.GetElapsedTime(started));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<LocalEtcd> StartAsync(string dataDir, string peerUrl, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            return await LocalEtcd.StartRestoredAsync(dataDir, MemberName, peerUrl, time, cancellationToken).ConfigureAwait(false);
        }
        catch (PitcrewException e)
        {
            // The log lives in the scratch dir, which is about to go: carry its tail in the message.
            var log = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, $"{MemberName}.log");
            var tail = File.Exists(log) ? string.Join(" | ", (await File.ReadAllLinesAsync(log, cancellationToken).ConfigureAwait(false)).TakeLast(5)) : "no log";
            throw new PitcrewException($"the restored member did not start: {e.Message.Split(';')[0]}: {tail}", ExitCodes.DrillFailed, e);
        }
    }

    private static List<DrillCheck> Compare(
        SnapshotExpectation expected, RestoreResult restored, EndpointStatus status, uint hash, long compacted, long revision, IReadOnlyDictionary<string, long> served)
    {
        var checks = new List<DrillCheck>
        {
            Check("member ID", restored.MemberId, MemberIds.Hex(status.MemberId)),
            Check("cluster ID", restored.ClusterId, MemberIds.Hex(status.ClusterId)),
            Check("revision", N(expected.Revision), N(revision)),
            Check("compact revision", N(expected.CompactRevision), N(compacted)),
            Check("HashKV", expected.HashKv.ToString(CultureInfo.InvariantCulture), hash.ToString(CultureInfo.InvariantCulture)),
            Check("keys", N(expected.KeysByPrefix.Values.Sum()), N(served.Values.Sum())),
        };
        foreach (var prefix in expected.KeysByPrefix.Keys.Union(served.Keys).Order(StringComparer.Ordinal))
        {
            checks.Add(Check($"keys {prefix}", N(expected.KeysByPrefix.GetValueOrDefault(prefix)), N(served.GetValueOrDefault(prefix))));
        }

        return checks;
    }

    private static DrillCheck Check(string name, string expected, string served) => new(name, expected, served, expected == served);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
