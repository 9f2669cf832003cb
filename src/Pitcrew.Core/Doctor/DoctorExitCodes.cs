namespace Pitcrew.Doctor;

/// <summary>
/// The doctor's exit codes (docs/doctor.md): 0 when nothing reaches --fail-on, otherwise the worst severity found;
/// failures to run at all keep the usual codes (1, 2, 5, 6).
/// </summary>
internal static class DoctorExitCodes
{
    public const int Healthy = 0;
    public const int Warnings = ExitCodes.Warnings;
    public const int Critical = ExitCodes.Critical;

    /// <summary>The exit code for a report: the worst severity, when it is at or above the threshold.</summary>
    public static int For(Severity? worst, Severity failOn) => worst is { } w && w >= failOn
        ? w == Severity.Critical ? Critical : Warnings
        : Healthy;
}
