using System.CommandLine.Parsing;
using System.Runtime.CompilerServices;

namespace Pitcrew.Cli.Output;

/// <summary>
/// -o/--output (-w/--write-out as etcdctl spells it): each command declares the formats it renders; any other is a
/// usage error naming the ones it has. A command that declares none prints text only.
/// </summary>
internal static class OutputFlag
{
    /// <summary>What most commands render: their table or text, and the result record as JSON or YAML.</summary>
    public static readonly IReadOnlyList<OutputFormat> Structured = [OutputFormat.Table, OutputFormat.Json, OutputFormat.Yaml];

    /// <summary>What the etcd endpoint commands render: etcdctl's simple lines besides the table and the record.</summary>
    public static readonly IReadOnlyList<OutputFormat> Etcdctl = [OutputFormat.Table, OutputFormat.Simple, OutputFormat.Json, OutputFormat.Yaml];

    private static readonly IReadOnlyList<OutputFormat> TextOnly = [OutputFormat.Table];

    private static readonly ConditionalWeakTable<Command, Declaration> Declared = [];

    /// <summary>Declares the formats a command renders.</summary>
    public static T Outputs<T>(this T command, IReadOnlyList<OutputFormat> formats)
        where T : Command
    {
        var option = new Option<OutputFormat>("--output", "-o", "-w", "--write-out")
        {
            Description = $"Output format: {Names(formats, " or ")}",
            CustomParser = r => Parse(r, formats),
            HelpName = string.Join('|', formats.Select(Name)),
            Hidden = formats.Count == 1,
        };
        command.Add(option);
        Declared.AddOrUpdate(command, new Declaration(option, formats));
        return command;
    }

    /// <summary>Gives every command that declared nothing the text-only flag, so that -o json there is refused by name.</summary>
    public static void DefaultToText(Command command)
    {
        if (!Declared.TryGetValue(command, out _) && command.Action is not null)
        {
            command.Outputs(TextOnly);
        }

        foreach (var child in command.Subcommands)
        {
            DefaultToText(child);
        }
    }

    /// <summary>The format the invoked command was asked for; table when the flag was not given or did not parse.</summary>
    public static OutputFormat Get(ParseResult parse)
    {
        if (!Declared.TryGetValue(parse.CommandResult.Command, out var declaration)
            || parse.GetResult(declaration.Option) is not { } result || result.Errors.Any())
        {
            return OutputFormat.Table;
        }

        return parse.GetValue(declaration.Option);
    }

    /// <summary>The formats a command renders (for tests and help).</summary>
    public static IReadOnlyList<OutputFormat> Formats(Command command) =>
        Declared.TryGetValue(command, out var declaration) ? declaration.Formats : TextOnly;

    public static string Name(OutputFormat format) => format.ToString().ToLowerInvariant();

    private static OutputFormat Parse(ArgumentResult result, IReadOnlyList<OutputFormat> formats)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "table";
        var format = text.ToLowerInvariant() switch
        {
            "table" => OutputFormat.Table,
            "json" => OutputFormat.Json,
            "yaml" => OutputFormat.Yaml,
            "simple" => OutputFormat.Simple,
            "markdown" or "md" => OutputFormat.Markdown,
            "html" => OutputFormat.Html,
            "sarif" => OutputFormat.Sarif,
            _ => (OutputFormat?)null,
        };
        if (format is { } known && formats.Contains(known))
        {
            return known;
        }

        result.AddError(formats.Count == 1
            ? $"output format \"{text}\" is not supported: this command prints text only"
            : $"output format \"{text}\" is not supported by this command: use {Names(formats, " or ")}");
        return OutputFormat.Table;
    }

    private static string Names(IReadOnlyList<OutputFormat> formats, string last) =>
        formats.Count == 1
            ? Name(formats[0])
            : string.Join(", ", formats.Take(formats.Count - 1).Select(Name)) + last + Name(formats[^1]);

    private sealed record Declaration(Option<OutputFormat> Option, IReadOnlyList<OutputFormat> Formats);
}
