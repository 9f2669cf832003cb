namespace Pitcrew.Sim;

/// <summary>The simulator's own warnings, one timestamped line each on stderr (DIR/sim.log when detached).</summary>
internal static class SimLog
{
    public static void Warn(string message) =>
        Console.Error.WriteLine($"{DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} W {message}");
}
