using System.CommandLine;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Snapshots;
using Spectre.Console;

namespace Pitcrew.Cli.Demo;

/// <summary>pitcrew demo: a throwaway etcd with data, snapshotted, inspected and verified end to end.</summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var dir = new Option<string?>("--dir") { Description = "Work directory (default: a new temporary one, removed afterwards)" };
        var command = new Command("demo")
        {
            dir,
        }.Describe(
            "Rehearse the etcd backup procedure on a throwaway local etcd",
            """
            Starts etcd on free loopback ports, writes Kubernetes-shaped data, takes a snapshot, shows its status,
            verifies it, shows endpoint status and health, then stops etcd. Nothing outside the work directory is
            touched; without --dir the work directory is temporary and removed afterwards.
            """,
            """
            pitcrew demo
            pitcrew demo --dir ./demo   # keeps the snapshot and the etcd data dir
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = parse.GetValue(dir);
            var root = given ?? Path.Combine(Path.GetTempPath(), "pitcrew-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            try
            {
                return await RunAsync(context, root, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (given is null)
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string root, CancellationToken cancellationToken)
    {
        Step(context, "Starting a throwaway etcd on a free loopback port");
        await using var etcd = await LocalEtcd.StartAsync(Path.Combine(root, "etcd-data"), "demo", context.Time, cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"etcd pid {etcd.Pid} serving {etcd.ClientUrl}, data in {etcd.DataDir}");

        Step(context, "Writing Kubernetes-shaped data (nodes, deployments, pods, secrets; with updates and deletes)");
        var writes = await DemoData.WriteAsync(etcd.ClientUrl, cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"{writes} writes");

        var connection = new EtcdConnectionOptions([etcd.ClientUrl]);
        var snapshotPath = Path.Combine(root, "snapshot.db");
        Step(context, $"pitcrew etcd snapshot save {snapshotPath} --endpoints={etcd.ClientUrl}");
        var saved = await SnapshotSaver.SaveAsync(new SnapshotSaveOptions(snapshotPath, connection), null, context.Time, cancellationToken)
            .ConfigureAwait(false);
        SnapshotRenderer.Saved(context.Out, saved);

        Step(context, $"pitcrew etcd snapshot status {snapshotPath}");
        var status = await SnapshotReader.ReadAsync(snapshotPath, checkTrailer: true, cancellationToken).ConfigureAwait(false);
        SnapshotRenderer.Status(context.Out, status);

        Step(context, $"pitcrew etcd snapshot verify {snapshotPath}");
        var verified = await SnapshotReader.VerifyAsync(snapshotPath, skipHashCheck: false, cancellationToken).ConfigureAwait(false);
        SnapshotRenderer.Verified(context.Out, new SnapshotVerdict(snapshotPath, true, verified.Revision, verified.TotalSize, verified.PagesInUse, verified.Trailer.Sha256));

        Step(context, $"pitcrew etcd endpoint status --endpoints={etcd.ClientUrl}");
        EndpointRenderer.Status(context.Out, await EtcdEndpoints.StatusAsync(connection, false, cancellationToken).ConfigureAwait(false));
        Step(context, $"pitcrew etcd endpoint health --endpoints={etcd.ClientUrl}");
        EndpointRenderer.Health(context.Out, await EtcdEndpoints.HealthAsync(connection, false, context.Time, cancellationToken).ConfigureAwait(false));

        Step(context, "Stopping etcd");
        return ExitCodes.Ok;
    }

    private static void Step(CliContext context, string text) =>
        context.Out.MarkupLine($"[bold]==> {Markup.Escape(text)}[/]");
}
