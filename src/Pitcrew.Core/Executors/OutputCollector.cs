namespace Pitcrew.Executors;

/// <summary>Keeps a command's output lines (the last <see cref="MaxLines"/>) and passes each on, one at a time, to the caller's callback.</summary>
internal sealed class OutputCollector(Action<OutputLine>? output)
{
    /// <summary>How many lines a result keeps; a chatty command's beginning is dropped, its end is what explains a failure.</summary>
    public const int MaxLines = 5000;

    private readonly Lock _gate = new();
    private readonly Queue<OutputLine> _lines = new();

    public void Add(OutputStream stream, string text)
    {
        var line = new OutputLine(stream, text);
        lock (_gate)
        {
            if (_lines.Count == MaxLines)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
            output?.Invoke(line);
        }
    }

    /// <summary>Reads a stream to its end, one line at a time.</summary>
    public async Task PumpAsync(TextReader reader, OutputStream stream, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            Add(stream, text);
        }
    }

    public IReadOnlyList<OutputLine> Lines()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }
}
