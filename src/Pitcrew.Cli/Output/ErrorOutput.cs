namespace Pitcrew.Cli.Output;

/// <summary>A failure as a structured result, so that a script reading -o json gets JSON whatever happens.</summary>
internal static class ErrorOutput
{
    /// <summary>Writes {"error": {"message", "exitCode"}} on stdout for json and yaml; nothing for text formats.</summary>
    public static void Write(CliContext context, OutputFormat format, string message, int exitCode)
    {
        if (format is OutputFormat.Json or OutputFormat.Yaml)
        {
            StructuredOutput.TryWrite(context, format, new ErrorReport(new ErrorDetail(message, exitCode)));
        }
    }
}

/// <summary>What a failed command prints with -o json or yaml.</summary>
internal sealed record ErrorReport(ErrorDetail Error);

/// <summary>The failure's one-line message and the process exit code.</summary>
internal sealed record ErrorDetail(string Message, int ExitCode);
