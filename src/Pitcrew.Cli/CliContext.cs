using Spectre.Console;

namespace Pitcrew.Cli;

/// <summary>What a command may touch: stdout for results, stderr for progress and errors, environment, clock.</summary>
internal sealed record CliContext(
    IAnsiConsole Out,
    IAnsiConsole Err,
    TextWriter RawOut,
    Func<string, string?> Environment,
    TimeProvider Time,
    bool ErrIsTerminal)
{
    /// <summary>Wide enough that tables piped to a file or grep are never wrapped.</summary>
    private const int RedirectedWidth = 250;

    public static CliContext FromProcess()
    {
        var noColor = !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("NO_COLOR"));
        var stdout = Create(Console.Out, Console.IsOutputRedirected, noColor);
        var stderr = Create(Console.Error, Console.IsErrorRedirected, noColor);
        return new CliContext(stdout, stderr, Console.Out, System.Environment.GetEnvironmentVariable, TimeProvider.System, !Console.IsErrorRedirected);
    }

    /// <summary>A console over a writer: colour only on a terminal without NO_COLOR.</summary>
    public static IAnsiConsole Create(TextWriter writer, bool redirected, bool noColor)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected || noColor ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected || noColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
