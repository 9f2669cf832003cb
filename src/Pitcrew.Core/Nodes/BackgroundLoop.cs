namespace Pitcrew.Nodes;

/// <summary>A loop run in the background until disposed: started once, cancelled and awaited on dispose.</summary>
internal sealed class BackgroundLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Start(Func<CancellationToken, Task> loop) => _loop = Task.Run(() => loop(_stop.Token), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping is what was asked.
            }
        }

        _stop.Dispose();
    }
}
