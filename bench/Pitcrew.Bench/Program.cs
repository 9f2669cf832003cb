using Pitcrew.Bench;

// Usage: Pitcrew.Bench PITCREW_BINARY [TARGET_MB] [ROUNDS]   (snapshots)
//        Pitcrew.Bench sim PITCREW_BINARY [WORKERS]            (the simulator at scale)
//        Pitcrew.Bench drain PITCREW_BINARY                    (node drain against kubectl drain)
//        Pitcrew.Bench restore PITCREW_BINARY [TARGET_MB] [ROUNDS] (snapshot restore against etcdctl)
//        Pitcrew.Bench doctor PITCREW_BINARY [WORKERS]         (pitcrew doctor on the large scenario against kubectl get pods -A -o json)
//        Pitcrew.Bench backup PITCREW_BINARY S3RVER [TARGET_MB] [ROUNDS]  (backup create to s3rver against etcdctl snapshot save)
//        Pitcrew.Bench upgrade PITCREW_BINARY [WORKERS] [KUBELET_RESTART_S] [POD_STOP_S] [BATCH_SIZES=5,1] (upgrade apply)
//        Pitcrew.Bench upgrade-ha PITCREW_BINARY [WORKERS=2] [KUBELET_RESTART_S=10] (upgrade apply on 3 stacked control planes, per control plane)
if (args is ["upgrade-ha", var haBinary, .. var haRest])
{
    using var stopHa = new CancellationTokenSource(TimeSpan.FromMinutes(30));
    int HaArg(int index, int fallback) => haRest.Length > index ? int.Parse(haRest[index], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    return await UpgradeHaBench.RunAsync(haBinary, HaArg(0, 2), HaArg(1, 10), stopHa.Token);
}

if (args is ["upgrade", var upgradeBinary, .. var upgradeRest])
{
    using var stopUpgrade = new CancellationTokenSource(TimeSpan.FromMinutes(90));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopUpgrade.Cancel();
    };
    int Arg(int index, int fallback) => upgradeRest.Length > index ? int.Parse(upgradeRest[index], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    var batches = upgradeRest.Length > 3 ? upgradeRest[3].Split(',').Select(b => int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).ToList() : [5, 1];
    return await UpgradeBench.RunAsync(upgradeBinary, Arg(0, 50), Arg(1, 10), Arg(2, 3), batches, stopUpgrade.Token);
}

if (args is ["doctor", var doctorBinary, .. var doctorRest])
{
    using var stopDoctor = new CancellationTokenSource(TimeSpan.FromMinutes(30));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopDoctor.Cancel();
    };
    return await DoctorBench.RunAsync(doctorBinary, doctorRest.Length > 0 ? int.Parse(doctorRest[0], System.Globalization.CultureInfo.InvariantCulture)
        : Pitcrew.Sim.Scenarios.LargeScenario.DefaultWorkers, stopDoctor.Token);
}

if (args is ["backup", var backupBinary, var s3rver, .. var backupRest])
{
    using var stopBackup = new CancellationTokenSource(TimeSpan.FromMinutes(40));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopBackup.Cancel();
    };
    var backupOptions = new BenchOptions(
        backupBinary,
        backupRest.Length > 0 ? long.Parse(backupRest[0], System.Globalization.CultureInfo.InvariantCulture) << 20 : 1L << 30,
        backupRest.Length > 1 ? int.Parse(backupRest[1], System.Globalization.CultureInfo.InvariantCulture) : 2);
    return await BackupBench.RunAsync(backupOptions, s3rver, stopBackup.Token);
}

if (args is ["drain", var drainBinary])
{
    using var stopDrain = new CancellationTokenSource(TimeSpan.FromMinutes(30));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopDrain.Cancel();
    };
    return await DrainBench.RunAsync(drainBinary, stopDrain.Token);
}

if (args is ["sim", var binary, .. var rest])
{
    using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(30));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return await SimBench.RunAsync(binary, rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : Pitcrew.Sim.Scenarios.LargeScenario.DefaultWorkers, stop.Token);
}

if (args is ["pitr", var pitrBinary, .. var pitrRest])
{
    using var stopPitr = new CancellationTokenSource(TimeSpan.FromMinutes(60));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopPitr.Cancel();
    };
    return await Pitcrew.Bench.PitrBench.RunAsync(pitrBinary,
        pitrRest.Length > 0 ? long.Parse(pitrRest[0], System.Globalization.CultureInfo.InvariantCulture) << 20 : 1L << 30,
        pitrRest.Length > 1 ? int.Parse(pitrRest[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000, stopPitr.Token);
}

if (args is ["restore", var restoreBinary, .. var restoreRest])
{
    using var stopRestore = new CancellationTokenSource(TimeSpan.FromMinutes(60));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopRestore.Cancel();
    };
    var restoreOptions = new BenchOptions(
        restoreBinary,
        restoreRest.Length > 0 ? long.Parse(restoreRest[0], System.Globalization.CultureInfo.InvariantCulture) << 20 : 1L << 30,
        restoreRest.Length > 1 ? int.Parse(restoreRest[1], System.Globalization.CultureInfo.InvariantCulture) : 3);
    return await RestoreBench.RunAsync(restoreOptions, stopRestore.Token);
}

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Pitcrew.Bench PITCREW_BINARY [TARGET_MB=1024] [ROUNDS=3]");
    return 2;
}

var options = new BenchOptions(
    args[0],
    args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) << 20 : 1L << 30,
    args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await SnapshotBench.RunAsync(options, cancel.Token);
