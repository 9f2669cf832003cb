using Pitcrew.Upgrade;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>The text form of an upgrade plan: kubeadm's wording and tables, then commands, checks and the verdict.</summary>
internal static class UpgradePlanRenderer
{
    private static readonly string[] ChangeHeaders = ["COMPONENT", "NODE", "CURRENT", "TARGET"];

    public static IEnumerable<string> Lines(UpgradePlan plan, bool force, bool verbose)
    {
        yield return $"[upgrade/versions] Cluster version: {plan.Current}";
        if (plan.Configured is { } configured && configured != plan.Current)
        {
            yield return $"[upgrade/versions] kubeadm-config kubernetesVersion: {configured}";
        }

        yield return $"[upgrade/versions] Target version: {plan.Target}";
        yield return $"[upgrade/versions] Path: {string.Join(" -> ", new[] { plan.Current }.Concat(plan.Path))}";
        foreach (var option in plan.Options)
        {
            yield return $"[upgrade/versions] Or {option.Description}: {string.Join(" -> ", new[] { plan.Current }.Concat(option.Path))} ({option.Flags})";
        }

        yield return string.Empty;
        foreach (var line in TextTable.Format(["MINOR", "SUPPORT", "END OF LIFE", "DETAIL"],
            [.. plan.Support.Select(s => (IReadOnlyList<string>)[s.Minor, s.Status, s.EndOfLife?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "-", s.Detail])]))
        {
            yield return line;
        }

        // Only when that is the verdict too: a downgrade or a half-done control plane at the target is no reason to cheer.
        if (plan.UpToDate && plan.CanProceed(force))
        {
            yield return string.Empty;
            yield return "Awesome, you're up-to-date! Enjoy!";
        }

        foreach (var step in plan.Steps)
        {
            yield return string.Empty;
            yield return $"Step {step.Number} of {plan.Steps.Count}: {step.From} -> {step.To}";
            yield return string.Empty;
            yield return "Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':";
            foreach (var line in Changes(step.Kubelets))
            {
                yield return line;
            }

            yield return string.Empty;
            yield return $"Upgrade to {step.Description}:";
            yield return string.Empty;
            foreach (var line in Changes(step.ControlPlane))
            {
                yield return line;
            }

            yield return string.Empty;
            foreach (var line in Commands(plan, step, verbose))
            {
                yield return line;
            }
        }

        yield return string.Empty;
        var shown = plan.Checks.Where(c => verbose || c.Severity != CheckSeverity.Ok).ToList();
        foreach (var line in TextTable.Format(["CHECK", "RULE", "SUBJECT", "DETAIL"],
            [.. shown.Select(c => (IReadOnlyList<string>)[Verdict(c.Severity, force), c.Rule, c.Subject, c.Hint is null ? c.Reason : $"{c.Reason}; {c.Hint}"])]))
        {
            yield return line;
        }

        var passed = plan.Checks.Count(c => c.Severity == CheckSeverity.Ok);
        if (!verbose && passed > 0)
        {
            yield return $"({passed} checks passed; -v lists them)";
        }

        if (!verbose && plan.Checks.FirstOrDefault(c => c.Rule == SkewChecker.StaleReleaseDataRule) is { } stale)
        {
            yield return $"Note: release data {stale.Reason}; {stale.Hint}.";
        }

        yield return string.Empty;
        var mandatory = plan.Checks.Count(c => c.Severity == CheckSeverity.Mandatory);
        var skippable = plan.Checks.Count(c => c.Severity == CheckSeverity.Skippable);
        var warnings = plan.Checks.Count(c => c.Severity == CheckSeverity.Warning);
        yield return Summary(plan, force, mandatory, skippable, warnings);
    }

    /// <summary>The one verdict: a downgrade is a block with its reason, never also "up to date".</summary>
    private static string Summary(UpgradePlan plan, bool force, int mandatory, int skippable, int warnings)
    {
        if (plan.Downgrade)
        {
            return $"Blocked: {plan.Target} is older than the cluster's {plan.Current}; Pitcrew does not plan downgrades (restore a pre-upgrade backup instead).";
        }

        if (!plan.CanProceed(force))
        {
            return $"Blocked: {mandatory} mandatory and {skippable} skippable finding(s){(mandatory == 0 ? "; --force overrides the skippable ones" : string.Empty)}.";
        }

        if (plan.UpToDate)
        {
            return "Nothing to upgrade.";
        }

        var notes = new List<string>();
        if (warnings > 0)
        {
            notes.Add($"{warnings} warning(s) to read");
        }

        if (skippable > 0)
        {
            notes.Add($"--force overrides {skippable} skippable finding(s)");
        }

        return $"The upgrade to {plan.Target} may proceed{(notes.Count > 0 ? $" ({string.Join("; ", notes)})" : string.Empty)}.";
    }

    /// <summary>
    /// Every command of the first step; of later steps, unless verbose, only the control-plane upgrade itself (the
    /// rest are the first step's with that step's versions), so a path of several minors stays readable.
    /// </summary>
    private static IEnumerable<string> Commands(UpgradePlan plan, UpgradeStep step, bool verbose)
    {
        if (step.Number > 1 && !verbose)
        {
            yield return $"Commands: as in step 1, with {step.To}'s repository and packages (-v prints every step's commands in full); the control-plane upgrade:";
            foreach (var role in step.Commands.Take(1))
            {
                yield return $"  {role.Role} ({string.Join(", ", role.Nodes)}):";
                foreach (var command in role.Steps.Where(c => c.Contains("kubeadm upgrade apply", StringComparison.Ordinal)))
                {
                    yield return "    " + command;
                }
            }

            yield break;
        }

        yield return $"Commands (runbook {plan.Runbook}; run as root, through sudo -n when the SSH user is not root):";
        foreach (var role in step.Commands)
        {
            yield return $"  {role.Role} ({string.Join(", ", role.Nodes)}):";
            foreach (var command in role.Steps)
            {
                yield return "    " + command;
            }
        }
    }

    private static IEnumerable<string> Changes(IReadOnlyList<ComponentChange> changes) =>
        TextTable.Format(ChangeHeaders, [.. changes.Select(c => (IReadOnlyList<string>)[c.Component, c.Node ?? string.Empty, c.Current, c.Target])]);

    private static string Verdict(CheckSeverity severity, bool force) => severity switch
    {
        CheckSeverity.Ok => "PASS",
        CheckSeverity.Warning => "WARN",
        CheckSeverity.Skippable => force ? "FORCED" : "SKIPPABLE",
        _ => "FAIL",
    };
}
