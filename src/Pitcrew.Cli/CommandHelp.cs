using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Pitcrew.Cli;

/// <summary>
/// kubectl-style help: a one-line summary where commands are listed, the full description and examples
/// on the command's own --help.
/// </summary>
internal static partial class CommandHelp
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

    /// <summary>Writes System.CommandLine's help with durations as Go prints them: [default: 5m0s], not [default: 00:05:00].</summary>
    private static void WriteHelp(HelpAction inner, ParseResult parseResult)
    {
        var configuration = parseResult.InvocationConfiguration;
        var output = configuration.Output;
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        configuration.Output = text;
        try
        {
            inner.Invoke(parseResult);
        }
        finally
        {
            configuration.Output = output;
        }

        output.Write(TimeSpanDefault().Replace(text.ToString(), m =>
            $"[default: {GoDuration.Format(TimeSpan.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))}]"));
    }

    [GeneratedRegex(@"\[default: (-?(?:\d+\.)?\d{2}:\d{2}:\d{2}(?:\.\d+)?)\]")]
    private static partial Regex TimeSpanDefault();

    private sealed class ExamplesHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var command = parseResult.CommandResult.Command;
            if (!Registry.TryGetValue(command, out var details))
            {
                WriteHelp(inner, parseResult);
                return 0;
            }

            // The long text stands in for the summary on the command's own page only.
            command.Description = $"{details.Summary}\n\n{details.Text}";
            try
            {
                WriteHelp(inner, parseResult);
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
