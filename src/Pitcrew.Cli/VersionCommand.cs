using System.Reflection;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace Pitcrew.Cli;

/// <summary>pitcrew version: the release, the git commit and date it was built from, and the runtime, as kubectl and etcd show theirs.</summary>
internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Print the pitcrew version, the git commit and date it was built from, and the .NET runtime");
        command.Outputs(OutputFlag.Structured);
        command.SetAction(parse =>
        {
            var info = VersionInfo.Of(typeof(VersionCommand).Assembly);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), info))
            {
                context.Out.WriteLine($"Version:    {info.Version}");
                context.Out.WriteLine($"Git commit: {info.GitCommit}");
                context.Out.WriteLine($"Build date: {info.BuildDate}");
                context.Out.WriteLine($"Runtime:    .NET {info.Runtime} {info.Platform}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>What pitcrew version prints; "unknown" where the build had no git to ask.</summary>
internal sealed record VersionInfo(string Version, string GitCommit, string BuildDate, string Runtime, string Platform)
{
    public const string Unknown = "unknown";

    /// <summary>
    /// The SDK appends the commit (SourceRevisionId) to the informational version as "0.1.0+commit"; the build date
    /// comes from the BuildDate metadata the project file fills from git.
    /// </summary>
    public static VersionInfo Of(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? Unknown;
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var date = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "BuildDate")?.Value;
        return new VersionInfo(
            plus < 0 ? informational : informational[..plus],
            plus < 0 ? Unknown : informational[(plus + 1)..],
            DateTimeOffset.TryParse(date, System.Globalization.CultureInfo.InvariantCulture, out var built)
                ? built.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
                : Unknown,
            Environment.Version.ToString(),
            $"{OperatingSystem()}/{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant().Replace("x64", "amd64", StringComparison.Ordinal)}");
    }

    private static string OperatingSystem() =>
        System.OperatingSystem.IsLinux() ? "linux" : System.OperatingSystem.IsMacOS() ? "darwin" : System.OperatingSystem.IsWindows() ? "windows" : "unknown";
}
