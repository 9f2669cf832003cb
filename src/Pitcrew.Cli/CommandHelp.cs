using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Pitcrew.Cli;

/// <summary>
/// kubectl-style help: a one-line summary where commands are listed, the full description and examples
/// on the command's own --help.
/// </summary>
internal static class CommandHelp
{
    private static readonly ConditionalWeakTable<Command, Details> Registry = [];

    /// <summary>Sets the summary line, and the longer text and examples shown by the command's own help.</summary>
    public static T Describe<T>(this T command, string summary, string details, string examples)
        where T : Command
    {
        command.Description = summary;
        Registry.AddOrUpdate(command, new Details(summary, details.TrimEnd(), examples.TrimEnd()));
        return command;
    }

    /// <summary>Replaces the root's help action with one that knows about the details and examples.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new ExamplesHelpAction((HelpAction)help.Action!);
    }

    private sealed record Details(string Summary, string Text, string Examples);

    private sealed class ExamplesHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var command = parseResult.CommandResult.Command;
            if (!Registry.TryGetValue(command, out var details))
            {
                return inner.Invoke(parseResult);
            }

            // The long text stands in for the summary on the command's own page only.
            command.Description = $"{details.Summary}\n\n{details.Text}";
            try
            {
                inner.Invoke(parseResult);
            }
            finally
            {
                command.Description = details.Summary;
            }

            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (var line in details.Examples.Split('\n'))
            {
                output.WriteLine("  " + line);
            }

            output.WriteLine();
            return 0;
        }
    }
}
