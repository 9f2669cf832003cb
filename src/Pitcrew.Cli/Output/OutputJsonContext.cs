using System.Text.Json.Serialization;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Etcd;
using Pitcrew.Snapshots;

namespace Pitcrew.Cli.Output;

/// <summary>Compile-time JSON metadata for every result record, so a one-shot command does not pay for reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UseStringEnumConverter = true,
    Converters = [typeof(GoDurationJsonConverter)])]
[JsonSerializable(typeof(SnapshotStatus))]
[JsonSerializable(typeof(SnapshotSaveResult))]
[JsonSerializable(typeof(SnapshotVerdict))]
[JsonSerializable(typeof(Pitcrew.Restore.RestoreResult))]
[JsonSerializable(typeof(Pitcrew.Restore.RestorePlanReport))]
[JsonSerializable(typeof(Pitcrew.Restore.Drill.DrillReport))]
[JsonSerializable(typeof(Pitcrew.Cli.BackupCommands.BackupDrillResult))]
[JsonSerializable(typeof(IReadOnlyList<EndpointStatus>))]
[JsonSerializable(typeof(IReadOnlyList<EndpointHealth>))]
[JsonSerializable(typeof(IReadOnlyList<EtcdMemberInfo>))]
[JsonSerializable(typeof(IReadOnlyList<EtcdAlarm>))]
[JsonSerializable(typeof(MemberAdded))]
[JsonSerializable(typeof(MemberChangeCommands.MemberChanged))]
[JsonSerializable(typeof(Pitcrew.MemberReplace.MemberReplaceReport))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(ErrorReport))]
[JsonSerializable(typeof(Pitcrew.Nodes.DrainResult))]
[JsonSerializable(typeof(Pitcrew.Nodes.DrainForecastResult))]
[JsonSerializable(typeof(Pitcrew.Cli.BackupCommands.SimulatedBackups))]
[JsonSerializable(typeof(Pitcrew.Upgrade.UpgradePlan))]
[JsonSerializable(typeof(Pitcrew.Upgrade.Preflight.PreflightReport))]
[JsonSerializable(typeof(Pitcrew.Doctor.DoctorReport))]
[JsonSerializable(typeof(Pitcrew.Restore.ClusterRestoreReport))]
[JsonSerializable(typeof(Pitcrew.Backups.BackupCreateResult))]
[JsonSerializable(typeof(Pitcrew.Backups.BackupFetchResult))]
[JsonSerializable(typeof(Pitcrew.Backups.PruneResult))]
[JsonSerializable(typeof(BackupCommands.BackupListing))]
[JsonSerializable(typeof(List<Pitcrew.Certs.CertificateItem>))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;
