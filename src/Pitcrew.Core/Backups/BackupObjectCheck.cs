using System.Globalization;
using System.Text.Json.Serialization;

namespace Pitcrew.Backups;

/// <summary>What a store holds of a backup's object, against what its manifest records.</summary>
public enum BackupObjectState
{
    /// <summary>There with the recorded size, and readable.</summary>
    [JsonStringEnumMemberName("present")]
    Present,

    /// <summary>No object under the recorded key.</summary>
    [JsonStringEnumMemberName("missing")]
    Missing,

    /// <summary>There, but not of the recorded size (cut off, or replaced).</summary>
    [JsonStringEnumMemberName("wrong-size")]
    WrongSize,

    /// <summary>There with the recorded size, but this user cannot read it.</summary>
    [JsonStringEnumMemberName("unreadable")]
    Unreadable,
}

/// <summary>The object's state, its size in the store (null when missing) and the size the manifest records.</summary>
public sealed record BackupObjectCheck(BackupObjectState State, long? Size, long ExpectedSize)
{
    /// <summary>One phrase for a listing: "object truncated: 512 of 4096 bytes".</summary>
    public string Describe() => State switch
    {
        BackupObjectState.Present => "object present",
        BackupObjectState.Missing => "object missing",
        BackupObjectState.WrongSize when Size < ExpectedSize => $"object truncated: {N(Size ?? 0)} of {N(ExpectedSize)} bytes",
        BackupObjectState.WrongSize => $"object has the wrong size: {N(Size ?? 0)} bytes, the manifest says {N(ExpectedSize)}",
        _ => "object unreadable (permission denied)",
    };

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
