using System.Globalization;
using System.Text;

namespace Pitcrew.Backups;

/// <summary>The scheduler's figures, rendered in the Prometheus text format so a missed backup can alert.</summary>
internal sealed class BackupMetrics
{
    private readonly Lock _gate = new();
    private double _lastSuccess;
    private double _lastDuration;
    private long _lastSize;
    private long _failures;
    private long _runs;
    private long _skipped;
    private long _kept;

    public void Succeeded(DateTimeOffset at, TimeSpan took, long storedBytes, int kept)
    {
        lock (_gate)
        {
            _runs++;
            _lastSuccess = at.ToUnixTimeMilliseconds() / 1000.0;
            _lastDuration = took.TotalSeconds;
            _lastSize = storedBytes;
            _kept = kept;
        }
    }

    /// <summary>Starts from the store's newest complete backup, so a restart does not read as "never succeeded"; counters stay 0.</summary>
    public void Seed(DateTimeOffset completedAt, TimeSpan took, long storedBytes, int kept)
    {
        lock (_gate)
        {
            _lastSuccess = completedAt.ToUnixTimeMilliseconds() / 1000.0;
            _lastDuration = took.TotalSeconds;
            _lastSize = storedBytes;
            _kept = kept;
        }
    }

    public void Failed()
    {
        lock (_gate)
        {
            _runs++;
            _failures++;
        }
    }

    public void Skipped()
    {
        lock (_gate)
        {
            _skipped++;
        }
    }

    public void Kept(int kept)
    {
        lock (_gate)
        {
            _kept = kept;
        }
    }

    /// <summary>The change stream's figures, when backup run --continuous streams.</summary>
    public Changes.ChangeStreamMetrics? Stream { get; set; }

    public string Render()
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            if (Stream is { } stream)
            {
                var lagRevisions = Math.Max(0, stream.LastReceivedRevision - stream.LastStoredRevision);
                var lagSeconds = lagRevisions > 0 && stream.LastReceivedAt is { } received && stream.LastStoredAt is { } stored
                    ? Math.Max(0, (received - stored).TotalSeconds) : 0;
                Gauge(text, "pitcrew_backup_stream_last_received_revision", "The newest etcd revision the change stream received", stream.LastReceivedRevision);
                Gauge(text, "pitcrew_backup_stream_last_stored_revision", "The newest etcd revision stored in a segment", stream.LastStoredRevision);
                Gauge(text, "pitcrew_backup_stream_last_stored_timestamp_seconds", "Unix time the last segment was stored",
                    stream.LastStoredAt?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
                Gauge(text, "pitcrew_backup_stream_lag_revisions", "Revisions received but not yet stored", lagRevisions);
                Gauge(text, "pitcrew_backup_stream_lag_seconds", "How long the oldest received but unstored change has waited", lagSeconds);
                Counter(text, "pitcrew_backup_stream_gaps_total", "Times the stream found its start compacted and began a new chain from a full backup", stream.Gaps);
                Counter(text, "pitcrew_backup_stream_segment_failures_total", "Segment writes that failed (retried)", stream.SegmentFailures);
            }

            Gauge(text, "pitcrew_backup_last_success_timestamp_seconds", "Unix time of the last backup run that created, verified and pruned", _lastSuccess);
            Gauge(text, "pitcrew_backup_last_duration_seconds", "Duration of the last successful run", _lastDuration);
            Gauge(text, "pitcrew_backup_last_size_bytes", "Stored size of the last successful backup", _lastSize);
            Counter(text, "pitcrew_backup_failures_total", "Runs that failed", _failures);
            Counter(text, "pitcrew_backup_runs_total", "Runs attempted (successful or failed)", _runs);
            Counter(text, "pitcrew_backup_skipped_total", "Runs skipped because another scheduler held the store's lock", _skipped);
            Gauge(text, "pitcrew_backup_kept", "Backups in the store after the last prune", _kept);
            return text.ToString();
        }
    }

    private static void Gauge(StringBuilder text, string name, string help, double value) => Write(text, name, help, "gauge", value);

    private static void Counter(StringBuilder text, string name, string help, double value) => Write(text, name, help, "counter", value);

    private static void Write(StringBuilder text, string name, string help, string type, double value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value.ToString("R", CultureInfo.InvariantCulture)}\n");
}
