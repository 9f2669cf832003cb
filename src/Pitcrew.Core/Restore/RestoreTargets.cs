using Pitcrew.Files;

namespace Pitcrew.Restore;

/// <summary>
/// The directories a restore writes: built under hidden staging dirs beside the targets and moved into place only
/// when complete, so a failed restore leaves nothing behind and nothing that existed is ever overwritten.
/// </summary>
internal sealed class RestoreTargets : IDisposable
{
    private readonly string _dataDir;
    private readonly string? _walDir;
    private readonly string _dataStage;
    private readonly string? _walStage;
    private bool _committed;

    private RestoreTargets(string dataDir, string? walDir)
    {
        _dataDir = dataDir;
        _walDir = walDir;
        _dataStage = Stage(dataDir);
        _walStage = walDir is null ? null : Stage(walDir);
    }

    public string SnapDir => Path.Combine(_dataStage, "member", "snap");

    public string WalDir => _walStage ?? Path.Combine(_dataStage, "member", "wal");

    /// <summary>Checks the targets (data dir absent or empty, an explicit WAL dir absent) and creates the staging dirs.</summary>
    public static RestoreTargets Create(string dataDir, string? walDir)
    {
        var data = Path.GetFullPath(dataDir);
        var wal = walDir is null ? null : Path.GetFullPath(walDir);
        var insideData = Path.GetFullPath(Path.Combine(data, "member", "wal"));
        if (wal == insideData)
        {
            wal = null;
        }
        else if (wal is not null && wal.StartsWith(data + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new PitcrewException($"--wal-dir {walDir} lies inside --data-dir but is not DATA-DIR/member/wal; leave --wal-dir unset or put it outside",
                ExitCodes.Usage);
        }

        if (File.Exists(data) || (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any()))
        {
            throw new PitcrewException($"data-dir {dataDir} is not empty: restore never overwrites; move it aside or pick a new --data-dir",
                ExitCodes.TargetNotEmpty);
        }

        if (wal is not null && (File.Exists(wal) || Directory.Exists(wal)))
        {
            throw new PitcrewException($"wal-dir {walDir} already exists: restore never overwrites; move it aside or pick a new --wal-dir",
                ExitCodes.TargetNotEmpty);
        }

        var targets = new RestoreTargets(data, wal);
        PrivateFiles.CreateDirectory(Path.Combine(targets._dataStage, "member"));
        PrivateFiles.CreateDirectory(targets.SnapDir);
        PrivateFiles.CreateDirectory(targets.WalDir);
        return targets;
    }

    /// <summary>Moves the staged dirs to their final names.</summary>
    public void Commit()
    {
        if (Directory.Exists(_dataDir))
        {
            // Checked empty before; a file appearing since makes this throw rather than mix with it.
            Directory.Delete(_dataDir);
        }

        Move(_dataStage, _dataDir);
        if (_walStage is not null)
        {
            Move(_walStage, _walDir!);
        }
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        foreach (var stage in new[] { _dataStage, _walStage })
        {
            if (stage is not null && Directory.Exists(stage))
            {
                Directory.Delete(stage, recursive: true);
            }
        }
    }

    private static void Move(string from, string to)
    {
        Directory.Move(from, to);
        DirectorySync.Flush(Path.GetDirectoryName(to)!);
    }

    private static string Stage(string target)
    {
        var parent = Path.GetDirectoryName(target) ?? throw new PitcrewException($"{target}: cannot restore to a filesystem root", ExitCodes.Usage);
        Directory.CreateDirectory(parent);
        var stage = Path.Combine(parent, $".{Path.GetFileName(target)}.restoring-{Guid.NewGuid():N}");
        PrivateFiles.CreateDirectory(stage);
        return stage;
    }
}
