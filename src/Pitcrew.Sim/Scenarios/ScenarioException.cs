using Pitcrew.Errors;

namespace Pitcrew.Sim.Scenarios;

/// <summary>A scenario file that cannot be used, with the line and field at fault.</summary>
public sealed class ScenarioException : PitcrewException
{
    public ScenarioException(string message)
        : base(message, ExitCodes.Usage)
    {
    }

    public ScenarioException()
        : this("invalid scenario")
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, ExitCodes.Usage, innerException)
    {
    }
}
