namespace Pitcrew.Upgrade.Preflight;

/// <summary>How one preflight check came out.</summary>
internal enum PreflightVerdict
{
    Pass,
    Warn,
    Fail,
}

/// <summary>One line of the go/no-go table: the check, its verdict, the evidence, and what to do.</summary>
internal sealed record PreflightCheck(string Name, PreflightVerdict Verdict, string Evidence, string? Action = null);

/// <summary>Every preflight check for an upgrade to a target.</summary>
internal sealed record PreflightReport(string Current, string Target, IReadOnlyList<PreflightCheck> Checks)
{
    public PreflightVerdict Verdict => Checks.Count == 0 ? PreflightVerdict.Pass : Checks.Max(c => c.Verdict);
}
