using Pitcrew.Files;

namespace Pitcrew.Backups;

/// <summary>
/// The plain snapshot on local disk while it is verified and uploaded: pitcrew-spool-PID-NAME.db (0600) in the work
/// directory. Files left by processes that no longer run are removed the next time a spool is made.
/// </summary>
internal static class Spool
{
    private const string Prefix = "pitcrew-spool-";

    public static string PathFor(string? workDirectory, string name)
    {
        var directory = workDirectory ?? System.IO.Path.GetTempPath();
        Directory.CreateDirectory(directory);
        RemoveOrphans(directory);
        return System.IO.Path.Combine(directory, $"{Prefix}{Environment.ProcessId}-{name}.db");
    }

    private static void RemoveOrphans(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, Prefix + "*"))
        {
            var rest = System.IO.Path.GetFileName(file)[Prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest[..dash], out var pid) && !LocalProcess.IsAlive(pid))
            {
                File.Delete(file);
            }
        }
    }
}
