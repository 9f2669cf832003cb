namespace Pitcrew.Testing.Backups;

/// <summary>What a <see cref="BackupServersFixture"/> puts into etcd: pods under /registry/pods/default and a few extra keys.</summary>
/// <param name="Pods">How many pods, named pod-0 … pod-(Pods-1).</param>
/// <param name="Pod">The JSON value of pod number i.</param>
/// <param name="Extra">Further keys and their values, put after the pods.</param>
public sealed record BackupServersSeed(int Pods, Func<int, string> Pod, IReadOnlyList<(string Key, string Value)> Extra);
