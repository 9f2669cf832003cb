namespace Pitcrew.Cli;

/// <summary>Options every command takes: verbosity (each command declares its own -o formats, see OutputFlag).</summary>
internal static class GlobalOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print details of errors and each phase on stderr",
        Recursive = true,
    };
}
