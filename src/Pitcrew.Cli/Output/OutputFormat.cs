using System.CommandLine.Parsing;

namespace Pitcrew.Cli.Output;

/// <summary>How a result record is rendered on stdout.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Yaml,

    /// <summary>pitcrew doctor only: a Markdown report.</summary>
    Markdown,

    /// <summary>pitcrew doctor only: a single-file HTML report.</summary>
    Html,

    /// <summary>pitcrew doctor only: SARIF 2.1.0.</summary>
    Sarif,
}

internal static class OutputFormats
{
    public static OutputFormat Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "table";
        switch (text.ToUpperInvariant())
        {
            case "TABLE":
            case "SIMPLE":
            case "WIDE":
                return OutputFormat.Table;
            case "JSON":
                return OutputFormat.Json;
            case "YAML":
                return OutputFormat.Yaml;
            case "MARKDOWN" or "MD":
                return OutputFormat.Markdown;
            case "HTML":
                return OutputFormat.Html;
            case "SARIF":
                return OutputFormat.Sarif;
            default:
                result.AddError($"unknown output format \"{text}\": use table, json or yaml");
                return OutputFormat.Table;
        }
    }
}
