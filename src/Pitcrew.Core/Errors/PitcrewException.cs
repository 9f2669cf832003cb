namespace Pitcrew.Errors;

/// <summary>An operational failure with a one-line, user-facing message and the exit code it maps to.</summary>
public class PitcrewException : Exception
{
    public PitcrewException(string message, int exitCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public PitcrewException()
        : this("pitcrew failed", ExitCodes.Failed)
    {
    }

    public PitcrewException(string message)
        : this(message, ExitCodes.Failed)
    {
    }

    public PitcrewException(string message, Exception innerException)
        : this(message, ExitCodes.Failed, innerException)
    {
    }

    public int ExitCode { get; }
}
