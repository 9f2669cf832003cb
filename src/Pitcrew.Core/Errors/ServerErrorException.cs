namespace Pitcrew.Errors;

/// <summary>A refusal from the Kubernetes API, already worded as kubectl prints it ("Error from server (...): ..."), printed without a prefix.</summary>
public sealed class ServerErrorException : PitcrewException
{
    public ServerErrorException(string message, int exitCode, Exception? innerException = null)
        : base(message, exitCode, innerException)
    {
    }

    public ServerErrorException()
    {
    }

    public ServerErrorException(string message)
        : base(message)
    {
    }

    public ServerErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
