namespace Pitcrew.Bench;

/// <summary>What to compare: the pitcrew binary, how big a database, how many alternating rounds.</summary>
internal sealed record BenchOptions(string PitcrewBinary, long TargetBytes, int Rounds)
{
    public const string Etcdctl = "/usr/bin/etcdctl";
    public const string Time = "/usr/bin/time";
}
