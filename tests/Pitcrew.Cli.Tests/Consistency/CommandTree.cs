using System.CommandLine;

namespace Pitcrew.Cli.Tests.Consistency;

/// <summary>Every runnable command of pitcrew's tree, by its path, for theories that must hold across all of them.</summary>
internal static class CommandTree
{
    public static RootCommand Root() => CliApp.Build(new CliContext(
        CliContext.Create(TextWriter.Null, redirected: true, noColor: true),
        CliContext.Create(TextWriter.Null, redirected: true, noColor: true),
        TextWriter.Null,
        _ => null,
        TimeProvider.System,
        ErrIsTerminal: false));

    /// <summary>Paths such as "etcd snapshot save" of every command that runs something (groups that only list theirs are left out).</summary>
    public static IReadOnlyList<string> Runnable()
    {
        var paths = new List<string>();
        void Walk(Command command, string path)
        {
            if (command.Action is not null && path.Length > 0)
            {
                paths.Add(path);
            }

            foreach (var child in command.Subcommands)
            {
                Walk(child, (path + " " + child.Name).Trim());
            }
        }

        Walk(Root(), string.Empty);
        return paths;
    }

    /// <summary>The command at a path.</summary>
    public static Command Find(RootCommand root, string path) =>
        path.Split(' ').Aggregate((Command)root, (command, name) => command.Subcommands.Single(c => c.Name == name));

    /// <summary>Every path and every help page, the root's included.</summary>
    public static TheoryData<string> AllPaths()
    {
        var data = new TheoryData<string> { string.Empty };
        void Walk(Command command, string path)
        {
            foreach (var child in command.Subcommands)
            {
                var childPath = (path + " " + child.Name).Trim();
                data.Add(childPath);
                Walk(child, childPath);
            }
        }

        Walk(Root(), string.Empty);
        return data;
    }
}
