namespace Pitcrew.Nodes;

/// <summary>Where node maintenance writes kubectl's lines: results to stdout, warnings and errors to stderr. Called from several tasks at once.</summary>
internal interface IDrainReporter
{
    void Out(string line);

    void Err(string line);

    /// <summary>Where a node's drain stands; a terminal shows it live, plain output ignores it.</summary>
    void Progress(DrainProgress progress)
    {
    }
}

/// <summary>One node's drain so far: pods gone of those to remove, what holds the others, time spent.</summary>
internal sealed record DrainProgress(string Node, int Gone, int Total, string? Waiting, TimeSpan Elapsed);
