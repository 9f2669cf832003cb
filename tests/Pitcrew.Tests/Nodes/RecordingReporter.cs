using Pitcrew.Nodes;

namespace Pitcrew.Tests.Nodes;

/// <summary>The drain's lines, stdout and stderr in one list, as written.</summary>
internal sealed class RecordingReporter : IDrainReporter
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Out(string line) => Add(line);

    public void Err(string line) => Add(line);

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
