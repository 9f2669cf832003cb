using System.CommandLine;
using System.Reflection;
using Spectre.Console;
using Pitcrew.Cli.Output;
using Pitcrew.Errors;

namespace Pitcrew.Cli;

/// <summary>pitcrew version.</summary>
internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Print the pitcrew version");
        command.Outputs(OutputFlag.Structured);
        command.SetAction(parse =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            var info = new VersionInfo(version.Split('+')[0], Environment.Version.ToString());
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), info))
            {
                context.Out.WriteLine($"pitcrew {info.Version} (.NET {info.Runtime})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

}

/// <summary>What pitcrew version prints.</summary>
internal sealed record VersionInfo(string Version, string Runtime);
