using System.CommandLine.Parsing;

namespace Pitcrew.Cli;

/// <summary>
/// One way to declare the command line's pieces: a flag with its help text and what it takes, an argument, a command
/// group; each a line, so commands list their flags rather than spell out initializers.
/// </summary>
internal static class CliFlag
{
    /// <summary>A flag with its help text and the placeholder its value shows as in help (none for a switch).</summary>
    public static Option<T> Of<T>(string name, string description, string? helpName = null) => new(name) { Description = description, HelpName = helpName };

    /// <summary>A positional argument with its help text.</summary>
    public static Argument<string> Argument(string name, string description) => new(name) { Description = description };

    /// <summary>A command that only groups subcommands.</summary>
    public static Command Group(string name, string description, params IEnumerable<Command> subcommands)
    {
        var group = new Command(name, description);
        foreach (var subcommand in subcommands)
        {
            group.Add(subcommand);
        }

        return group;
    }

    /// <summary>Adds the flags to the command, in order.</summary>
    public static T AddAll<T>(this T command, IEnumerable<Option> options)
        where T : Command
    {
        foreach (var option in options)
        {
            command.Add(option);
        }

        return command;
    }

    /// <summary>The value when the flag is not given, shown in help as [default: ...].</summary>
    public static Option<T> Default<T>(this Option<T> option, T value)
    {
        option.DefaultValueFactory = _ => value;
        return option;
    }

    /// <summary>The flag is also taken by every subcommand.</summary>
    public static Option<T> Inherited<T>(this Option<T> option)
    {
        option.Recursive = true;
        return option;
    }

    /// <summary>The flag's value is read by this parser (which reports its own errors).</summary>
    public static Option<T> Parsed<T>(this Option<T> option, Func<ArgumentResult, T?> parser)
    {
        option.CustomParser = parser;
        return option;
    }

    /// <summary>The flag must be given.</summary>
    public static Option<T> Mandatory<T>(this Option<T> option)
    {
        option.Required = true;
        return option;
    }

    /// <summary>How many values the flag takes.</summary>
    public static Option<T> Takes<T>(this Option<T> option, ArgumentArity arity)
    {
        option.Arity = arity;
        return option;
    }
}
