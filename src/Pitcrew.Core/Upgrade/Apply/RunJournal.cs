using System.Globalization;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// The journal of a run as the stages change it: each state change is appended under one gate, saved (file and
/// mirror) before the next, and told to the progress with a short step name.
/// </summary>
internal sealed class RunJournal(UpgradeJournal journal, TimeProvider time, IUpgradeProgress progress, Func<UpgradeJournal, CancellationToken, Task> save) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The journal with every change recorded so far.</summary>
    public UpgradeJournal Current { get; private set; } = journal;

    public async Task RecordAsync(string step, string? node, StepState state, double? seconds, string? detail, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Current = Current.With(new JournalEntry(step, node, state, time.GetUtcNow(), seconds, detail));
            await save(Current, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        var name = node is null ? step
            : step.EndsWith("/done", StringComparison.Ordinal) ? "upgraded"
            : step.EndsWith("/control-plane-done", StringComparison.Ordinal) ? "control plane upgraded" : step[(step.LastIndexOf('/') + 1)..];
        progress.Step(node ?? string.Empty, name, state, state == StepState.Done && seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:0.0}s") : detail ?? string.Empty);
    }

    /// <summary>Marks the run finished and saves it.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        Current = Current with { Finished = true };
        await save(Current, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();
}
