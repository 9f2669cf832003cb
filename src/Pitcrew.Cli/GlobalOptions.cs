using System.CommandLine;
using Pitcrew.Cli.Output;

namespace Pitcrew.Cli;

/// <summary>Options every command takes: output format and verbosity.</summary>
internal static class GlobalOptions
{
    public static readonly Option<OutputFormat> Output = new("--output", "-o", "-w", "--write-out")
    {
        Description = "Output format: table, json or yaml (-w/--write-out as etcdctl spells it)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
        CustomParser = r => OutputFormats.Parse(r),
        HelpName = "table|json|yaml",
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print details of errors and each phase on stderr",
        Recursive = true,
    };
}
