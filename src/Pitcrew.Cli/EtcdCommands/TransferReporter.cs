using Pitcrew.Snapshots;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>Shows snapshot transfer progress on stderr: a live bar on a terminal, a plain line every few seconds otherwise.</summary>
internal sealed class TransferReporter
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);
    private readonly CliContext _context;

    public TransferReporter(CliContext context)
    {
        _context = context;
    }

    public async Task<T> RunAsync<T>(Func<IProgress<SnapshotProgress>, Task<T>> work)
    {
        if (!_context.ErrIsTerminal)
        {
            var last = TimeSpan.Zero;
            return await work(new InlineProgress<SnapshotProgress>(p =>
            {
                if (p.Elapsed - last >= PlainInterval)
                {
                    last = p.Elapsed;
                    _context.Err.WriteLine(Describe(p));
                }
            })).ConfigureAwait(false);
        }

        return await _context.Err.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("snapshot", autoStart: true, maxValue: 1);
                return await work(new InlineProgress<SnapshotProgress>(p =>
                {
                    task.MaxValue = p.ExpectedBytes ?? Math.Max(p.Bytes, 1);
                    task.Value = p.Bytes;
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private static string Describe(SnapshotProgress p)
    {
        var rate = p.Elapsed.TotalSeconds > 0 ? p.Bytes / p.Elapsed.TotalSeconds : 0;
        var of = p.ExpectedBytes is { } total ? $" of {HumanBytes.Si(total)}" : string.Empty;
        return $"snapshot: received {HumanBytes.Si(p.Bytes)}{of} ({HumanBytes.Rate(rate)})";
    }

    /// <summary>Reports synchronously on the caller's thread, unlike Progress&lt;T&gt;.</summary>
    private sealed class InlineProgress<TValue>(Action<TValue> report) : IProgress<TValue>
    {
        public void Report(TValue value) => report(value);
    }
}
