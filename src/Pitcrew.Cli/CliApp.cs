using System.Runtime.InteropServices;
using Spectre.Console;
using Pitcrew.Cli.Demo;
using Pitcrew.Cli.EtcdCommands;

namespace Pitcrew.Cli;

/// <summary>Builds the command tree and runs it; the one place that turns exceptions into exit codes.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("""
            pitcrew maintains kubeadm Kubernetes clusters the way careful SREs do by hand, with the checks they
            would make: etcd snapshots verified as they are taken, scheduled backups with retention, etcd and whole
            cluster restores, node drains that respect disruption budgets, planned and journaled version upgrades,
            a doctor that explains what is wrong, and a simulated cluster to try it all on.

            Find more information in README.md and docs/.
            """)
        {
            EtcdCommand.Create(context),
            SimCommands.SimCommand.Create(context),
            NodeCommands.NodeGroupCommand.Create(context),
            UpgradeCommands.UpgradeCommand.Create(context),
            DemoCommand.Create(context),
            DoctorCommands.DoctorCommand.Create(context),
            ClusterCommands.ClusterCommand.Create(context),
            CertsCommands.CertsCommand.Create(context),
            VersionCommand.Create(context),
        };
        root.Add(GlobalOptions.Verbose);
        OutputFlag.DefaultToText(root);
        CommandHelp.Install(root);
        return root;
    }

    /// <summary>
    /// How System.CommandLine runs an action. Its own SIGINT/SIGTERM handling is off (null timeout): left on, it returns
    /// 143 two seconds after the signal while the action is still cleaning up, and the process exits under it; a busy
    /// simulator was cut off that way before it had stopped its etcd. The handlers in <see cref="RunAsync"/> cancel the
    /// token instead and the action finishes its cleanup.
    /// </summary>
    internal static InvocationConfiguration Invocation(CliContext context) => new()
    {
        Output = context.RawOut,
        Error = new ConsoleWriter(context.Err),
        EnableDefaultExceptionHandler = false,
        ProcessTerminationTimeout = null,
    };

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        var verbose = parse.GetResult(GlobalOptions.Verbose) is { } given && !given.Errors.Any() && parse.GetValue(GlobalOptions.Verbose);
        if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                context.Err.WriteLine("error: " + error.Message);
            }

            ErrorOutput.Write(context, OutputFlag.Get(parse), string.Join("; ", parse.Errors.Select(e => e.Message)), ExitCodes.Usage);

            context.Err.WriteLine($"See '{CommandPath(parse)} --help' for usage.");
            return ExitCodes.Usage;
        }

        using var cancel = new CancellationTokenSource();
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            cancel.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            return await parse.InvokeAsync(Invocation(context), cancel.Token).ConfigureAwait(false);
        }
        catch (Exception) when (cancel.IsCancellationRequested)
        {
            // gRPC reports cancellation as RpcException(Cancelled); whatever the type, Ctrl+C or SIGTERM means 130.
            context.Err.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            var failure = Failure(e, verbose);
            context.Err.WriteLine(failure.Line);
            if (verbose)
            {
                context.Err.WriteLine(e.ToString());
            }

            ErrorOutput.Write(context, OutputFlag.Get(parse), failure.Message, failure.ExitCode);
            return failure.ExitCode;
        }
    }

    /// <summary>The one line on stderr, the message for a JSON error and the exit code of a failure.</summary>
    private static (string Line, string Message, int ExitCode) Failure(Exception e, bool verbose)
    {
        switch (e)
        {
            case ServerErrorException server:
                // Worded as kubectl prints it: "Error from server (NotFound): ...", no prefix.
                return (server.Message, server.Message, server.ExitCode);
            case PitcrewException pitcrew:
                return ("error: " + pitcrew.Message, pitcrew.Message, pitcrew.ExitCode);
            default:
                if (TransportErrors.Translate(e) is { } transport)
                {
                    return ("error: " + transport.Message, transport.Message, transport.ExitCode);
                }

                return ($"error: {e.Message}{(verbose ? string.Empty : " (run with -v for details)")}", e.Message, ExitCodes.Failed);
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? "pitcrew" : result.Command.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>Lets System.CommandLine write parse errors and help through the stderr console.</summary>
    private sealed class ConsoleWriter(Spectre.Console.IAnsiConsole console) : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void Write(char value) => console.Profile.Out.Writer.Write(value);

        public override void Write(string? value) => console.Profile.Out.Writer.Write(value);

        public override void WriteLine(string? value) => console.Profile.Out.Writer.WriteLine(value);
    }
}
