namespace Pitcrew.Nodes;

/// <summary>Where node maintenance writes kubectl's lines: results to stdout, warnings and errors to stderr. Called from several tasks at once.</summary>
internal interface IDrainReporter
{
    void Out(string line);

    void Err(string line);
}
