using System.Text.Json;

namespace Pitcrew.Sim;

/// <summary>What a running sim records in DIR/sim.json so that other commands (fault, down) can find it.</summary>
/// <param name="EtcdEndpoint">The first etcd member's client URL (kept for tools that read one).</param>
/// <param name="EtcdEndpoints">Every member's client URL, in control-plane node order.</param>
public sealed record SimState(string Url, string EtcdEndpoint, int Pid, IReadOnlyList<string>? EtcdEndpoints = null)
{
    public const string FileName = "sim.json";

    public static string PathIn(string directory) => System.IO.Path.Combine(directory, FileName);

    public void Write(string directory) => File.WriteAllText(PathIn(directory), JsonSerializer.Serialize(this));

    /// <summary>Reads the state of the sim in the directory; throws a clear error when none is running there.</summary>
    public static SimState Read(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            throw new Errors.PitcrewException($"no simulated cluster in {directory} (no {FileName}); start one with pitcrew sim up --dir {directory}", Errors.ExitCodes.Usage);
        }

        return JsonSerializer.Deserialize<SimState>(File.ReadAllText(path))
            ?? throw new Errors.PitcrewException($"{path} is empty", Errors.ExitCodes.Failed);
    }
}
