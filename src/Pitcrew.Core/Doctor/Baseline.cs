using System.Text.Json;

namespace Pitcrew.Doctor;

/// <summary>How this run compares with an earlier JSON report: finding keys new and unchanged, and the findings fixed since.</summary>
internal sealed record BaselineDiff(string File, IReadOnlyList<string> New, IReadOnlyList<string> Unchanged, IReadOnlyList<BaselineFinding> Fixed);

/// <summary>A finding as read back from an earlier report.</summary>
internal sealed record BaselineFinding(string Id, string Severity, string Object, string Symptom)
{
    public string Key => $"{Id}|{Object}";
}

/// <summary>Reads an earlier `-o json` report and compares findings by check id and object (the numbers seen may change).</summary>
internal static class Baseline
{
    public static IReadOnlyList<BaselineFinding> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new Errors.PitcrewException($"--baseline {path}: no such file", Errors.ExitCodes.FileNotFound);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (!root.TryGetProperty("schemaVersion", out var version) || version.GetInt32() > DoctorReport.CurrentSchemaVersion
                || !root.TryGetProperty("findings", out var findings))
            {
                throw new Errors.PitcrewException($"--baseline {path}: not a pitcrew doctor JSON report (schemaVersion {DoctorReport.CurrentSchemaVersion})", Errors.ExitCodes.Usage);
            }

            return [.. findings.EnumerateArray().Select(f => new BaselineFinding(
                f.GetProperty("id").GetString()!,
                f.GetProperty("severity").GetString()!,
                f.GetProperty("object").GetProperty("ref").GetString()!,
                f.GetProperty("symptom").GetString()!))];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new Errors.PitcrewException($"--baseline {path}: not a pitcrew doctor JSON report: {e.Message}", Errors.ExitCodes.Usage, e);
        }
    }

    public static BaselineDiff Compare(string file, IReadOnlyList<BaselineFinding> before, IReadOnlyList<Finding> now)
    {
        var old = before.Select(b => b.Key).ToHashSet(StringComparer.Ordinal);
        var current = now.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        return new BaselineDiff(
            file,
            [.. now.Select(f => f.Key).Where(k => !old.Contains(k)).Distinct(StringComparer.Ordinal)],
            [.. now.Select(f => f.Key).Where(old.Contains).Distinct(StringComparer.Ordinal)],
            [.. before.Where(b => !current.Contains(b.Key)).DistinctBy(b => b.Key)]);
    }
}
