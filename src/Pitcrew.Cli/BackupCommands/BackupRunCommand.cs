using System.Net;
using Pitcrew.Backups;
using Pitcrew.Backups.Changes;
using Spectre.Console;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup run: the scheduler.</summary>
internal static class BackupRunCommand
{
    public static Command Create(CliContext context)
    {
        var schedule = new Option<string>("--schedule")
        {
            Description = "Cron expression, e.g. \"0 * * * *\" (hourly); 6 fields add seconds",
            HelpName = "CRON",
            Required = true,
        };
        var metricsAddr = new Option<string?>("--metrics-addr")
        {
            Description = "Serve Prometheus metrics on this loopback address, e.g. 127.0.0.1:9477 (port 0 picks one and prints it)",
            HelpName = "HOST:PORT",
        };
        var continuous = CliFlag.Of<bool>("--continuous", "Also stream every etcd change into the store after the newest full backup (point-in-time restore)");
        var maxDelay = CliFlag.Of<TimeSpan>("--max-delay", "With --continuous: the longest a change waits before it is stored (the recovery point)", "DURATION")
            .Parsed(CliDurations.Period).Default(ChangeStreamOptions.DefaultMaxDelay);
        var command = new Command("run")
        {
            schedule, metricsAddr, continuous, maxDelay, BackupCreateCommand.Tag, BackupCreateCommand.Compress, BackupCreateCommand.WorkDir,
        }.Describe(
            "Run scheduled backups: create, verify by fetching back, prune; one run at a time per store",
            """
            Times follow --schedule in --time-zone (default UTC). On start it runs at once if the newest backup is older
            than one period. Each run takes the store's lock (renewed while it runs); a tick that finds another
            scheduler running is skipped. SIGTERM abandons a run in progress cleanly (no manifest, upload aborted,
            lock released) and exits 0. A failed run is logged on stderr and counted in pitcrew_backup_failures_total;
            the scheduler goes on. It exits non-zero only when it cannot start (bad flags 2, store unreachable 5).
            Each run prunes with the --keep-* flags (and stores them in the store), else with the policy stored there,
            else the default. The metrics start from the store's newest complete backup, not from 0.
            """,
            """
            pitcrew etcd backup run --store s3://backups/etcd --schedule "0 * * * *" --compress --encrypt-key-file /etc/pitcrew/backup.key \
              --keep-hourly 24 --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --metrics-addr 127.0.0.1:9477
            pitcrew etcd backup run --store file:///var/backups/etcd --schedule "0 */6 * * *" --continuous --max-delay 1s
            """);
        RetentionFlags.AddTo(command);
        EtcdCommands.EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var create = BackupCreateCommand.Bind(parse, context);
            var retention = RetentionFlags.Request(parse);
            var zone = retention.Policy?.TimeZone ?? retention.TimeZone ?? TimeZoneInfo.Utc;
            var options = new BackupScheduleOptions(parse.GetValue(schedule)!, zone, create, retention);
            BackupScheduler.ParseSchedule(options.Schedule);
            using var store = BackupStoreFlags.Open(parse, context);
            var metrics = new BackupMetrics();
            var address = parse.GetValue(metricsAddr) is { } text ? Endpoint(text) : null;
            void Log(string line) => context.Err.WriteLine($"{context.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ} {line}");
            var scheduler = new BackupScheduler(store, options, metrics, context.Time, Log);

            // Seeded before the first scrape, so the last-success alert does not fire on every restart.
            await scheduler.SeedMetricsAsync(cancellationToken).ConfigureAwait(false);
            using var server = address is not null ? MetricsServer.Start(address, metrics) : null;
            if (server is not null)
            {
                context.Err.WriteLine($"serving metrics on http://{server.Address}/metrics");
            }

            Log($"scheduling backups to {store.Location} at \"{options.Schedule}\" ({zone.Id})");
            if (!parse.GetValue(continuous))
            {
                await scheduler.RunAsync(cancellationToken).ConfigureAwait(false);
                Log("stopped");
                return ExitCodes.Ok;
            }

            var streamMetrics = new ChangeStreamMetrics();
            metrics.Stream = streamMetrics;
            var streamer = new ChangeStreamer(store, new ChangeStreamOptions(create.Connection, create.Compression, create.Key, parse.GetValue(maxDelay),
                ChangeStreamOptions.DefaultMaxSegmentBytes), streamMetrics, context.Time, Log)
            {
                TakeFullBackup = async ct => (await scheduler.CreateVerifiedAsync(ct).ConfigureAwait(false)).Created,
            };
            scheduler.Created = streamer.NewBase;
            await Task.WhenAll(scheduler.RunAsync(cancellationToken), StreamAsync(streamer, Log, context.Time, cancellationToken)).ConfigureAwait(false);
            Log("stopped");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Runs the change stream until cancelled; a failure is logged and the stream starts again after a pause.</summary>
    private static async Task StreamAsync(ChangeStreamer streamer, Action<string> log, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await streamer.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is PitcrewException or IOException or Grpc.Core.RpcException or HttpRequestException)
            {
                log($"change stream stopped: {e.Message}; starting again in 5 s");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static IPEndPoint Endpoint(string text)
    {
        if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port is < 0 or > 65535)
        {
            throw new PitcrewException($"--metrics-addr \"{text}\": want HOST:PORT such as 127.0.0.1:9477", ExitCodes.Usage);
        }

        return endpoint;
    }
}
